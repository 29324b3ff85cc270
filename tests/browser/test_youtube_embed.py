"""A YouTube card in a real browser: nothing goes to Google until the reader clicks, then the
no-cookie player appears in place of the card. Every YouTube or Google host is intercepted:
the player's host answers a tiny local page, any other is refused, so nothing leaves the machine.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.db import utcnow
from plugins.youtube_embed.models import READY, Video

from .test_journey import at, sign_up

VIDEO = "dQw4w9WgXcQ"
TITLE = "Never Gonna Give You Up"
GOOGLE = re.compile(r"^https?://([^/]*\.)?(youtube|youtube-nocookie|youtu|ytimg|googlevideo|google|gstatic|"
                    r"googleapis|doubleclick)\.[a-z.]+(:\d+)?/")
PLAYER = "https://www.youtube-nocookie.com/embed/"
WATCH = "https://www.youtube.com/watch"
STAND_IN = "<!doctype html><title>player</title><p id='stand-in'>The player would play here</p>"


def seed_video(pod) -> None:
    """What the fetch job would have stored: a title and the pod's own JPEG of the thumbnail."""
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (180, 20, 20)).save(out, "JPEG")
    with pod.session_factory() as session:
        session.add(Video(video_id=VIDEO, state=READY, title=TITLE, author_name="Rick Astley", attempts=1,
                          thumbnail=out.getvalue(), thumbnail_width=480, thumbnail_height=360,
                          fetched_at=utcnow()))
        session.commit()


def intercept_google(context, requests: list[str]) -> None:
    def answer(route):
        if route.request.url.startswith((PLAYER, WATCH)):
            route.fulfill(status=200, content_type="text/html", body=STAND_IN)
        else:
            route.abort()

    context.route(GOOGLE, answer)
    context.on("request", lambda request: requests.append(request.url))


def publish(page, server, text: str) -> None:
    page.goto(server.url + "/stream")
    page.get_by_label("What's on your mind?").fill(text)
    page.get_by_label("Public").check()
    page.get_by_test_id("share").click()
    expect(page).to_have_url(at(server, "/stream"))


def google_requests(requests: list[str]) -> list[str]:
    return [url for url in requests if GOOGLE.match(url)]


def test_the_player_loads_only_after_a_click(make_live_server, browser_page):
    server = make_live_server(plugins="youtube_embed", youtube_embed__oembed_url="http://127.0.0.1:9/oembed")
    seed_video(server.pod)
    page = browser_page
    requests: list[str] = []
    intercept_google(page.context, requests)

    sign_up(page, server, "alice")
    publish(page, server, f"This one again: https://youtu.be/{VIDEO}?t=62")
    card = page.get_by_test_id("post").get_by_test_id("youtube-embed")
    expect(card).to_have_count(1)
    expect(card.get_by_text(TITLE)).to_be_visible()
    thumbnail = card.locator("img.youtube-embed-thumbnail")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_js_property("naturalWidth", 480)  # loaded, from the pod
    assert thumbnail.get_attribute("src").startswith(server.url + "/p/youtube_embed/thumbnails/")
    expect(card.locator("iframe")).to_have_count(0)
    page.reload()
    expect(card.get_by_text(TITLE)).to_be_visible()
    assert google_requests(requests) == [], "the page asked Google before the reader clicked"

    card.get_by_role("link").click()
    frame = card.locator("iframe")
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", f"{PLAYER}{VIDEO}?autoplay=1&start=62")
    expect(page.frame_locator("[data-testid=youtube-embed] iframe").locator("#stand-in")).to_be_visible()
    expect(page).to_have_url(at(server, "/stream"))  # the click played here, it did not leave
    assert google_requests(requests) == [f"{PLAYER}{VIDEO}?autoplay=1&start=62"]


@pytest.mark.parametrize("theme", ["plain", "default"])
def test_without_javascript_the_card_is_a_link_to_youtube(make_live_server, open_page, theme):
    server = make_live_server(plugins="youtube_embed", theme=theme,
                              youtube_embed__oembed_url="http://127.0.0.1:9/oembed")
    seed_video(server.pod)
    page = open_page(javascript=False)
    requests: list[str] = []
    intercept_google(page.context, requests)

    sign_up(page, server, "alice")
    publish(page, server, f"https://www.youtube.com/watch?v={VIDEO}")
    link = page.get_by_test_id("youtube-embed").get_by_role("link")
    expect(link).to_have_attribute("href", f"https://www.youtube.com/watch?v={VIDEO}")
    expect(link.locator("img")).to_be_visible()
    expect(link).to_contain_text(TITLE)
    assert google_requests(requests) == []


def test_a_card_on_a_page_that_does_not_allow_the_player_opens_youtube(make_live_server, browser_page):
    """A card that arrives after the page was served (the next page of a stream) may sit on a
    page whose policy has no room for the player: the click then goes to the video on YouTube."""
    server = make_live_server(plugins="youtube_embed", youtube_embed__oembed_url="http://127.0.0.1:9/oembed")
    page = browser_page
    requests: list[str] = []
    intercept_google(page.context, requests)
    page.goto(server.url + "/users/sign_in")  # no video: core's policy, frames from the pod only
    assert "youtube-nocookie" not in page.evaluate("() => document.body.innerHTML")
    page.evaluate("""([player, watch]) => {
        const figure = document.createElement("figure");
        figure.dataset.testid = "youtube-embed";
        figure.dataset.youtubePlayer = player;
        figure.innerHTML = '<a class="youtube-embed-card" href="' + watch + '">Play</a>';
        document.querySelector("main").append(figure);
    }""", [f"{PLAYER}{VIDEO}?autoplay=1", f"{WATCH}?v={VIDEO}"])
    page.get_by_test_id("youtube-embed").get_by_role("link").click()
    expect(page).to_have_url(f"{WATCH}?v={VIDEO}")
    expect(page.locator("#stand-in")).to_be_visible()
