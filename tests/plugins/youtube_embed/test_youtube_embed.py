"""YouTube links on pages: the card, what it shows, and what it never does."""
from __future__ import annotations

import lxml.html
import pytest

from core.pod import StartupError
from plugins.youtube_embed import services

from .conftest import FOURTH, OTHER, THIRD, VIDEO

NOCOOKIE = "https://www.youtube-nocookie.com"


def embeds(page, within="article[data-testid=post]"):
    """The embed figures inside the first element matching ``within``."""
    root = lxml.html.fromstring(page.text)
    return root.cssselect(within)[0].cssselect("figure[data-testid=youtube-embed]")


def frame_src(page) -> str:
    policy = dict(d.split(" ", 1) for d in page.headers["Content-Security-Policy"].split("; "))
    return policy.get("frame-src", "")


def test_hook_embed_for_url(member, publish, youtube, pod):
    alice = member("alice")
    guid = publish(alice, f"Watch https://youtu.be/{VIDEO}?t=1m2s and read https://example.org/notes")

    # First view: nothing is known about the video yet, so a generic card, and no request out.
    page = alice.get(f"/posts/{guid}")
    [figure] = embeds(page)
    assert figure.cssselect(".youtube-embed-title")[0].text == "YouTube video"
    assert not figure.cssselect("img")
    assert youtube.requests == []
    link = figure.cssselect("a.youtube-embed-card")[0]
    assert link.get("href") == f"https://www.youtube.com/watch?v={VIDEO}&t=62s"
    assert figure.get("data-youtube-player") == f"{NOCOOKIE}/embed/{VIDEO}?autoplay=1&start=62"
    # The links stay links in the text; the other site gets no card.
    text = lxml.html.fromstring(page.text).cssselect(".post-text")[0]
    assert [a.get("href") for a in text.cssselect("p a")] == [f"https://youtu.be/{VIDEO}?t=1m2s",
                                                              "https://example.org/notes"]

    # Once the job fetched it: its title, author and the pod's copy of the thumbnail.
    pod.jobs.drain()
    [figure] = embeds(alice.get(f"/posts/{guid}"))
    assert figure.cssselect(".youtube-embed-title")[0].text == f"Video {VIDEO}"
    assert figure.cssselect(".youtube-embed-author")[0].text == f"Channel of {VIDEO}"
    [image] = figure.cssselect("img.youtube-embed-thumbnail")
    assert image.get("src").startswith(f"http://localhost/p/youtube_embed/thumbnails/{VIDEO}/")
    assert figure.get("data-youtube-title") == f"Video {VIDEO}"


def test_hook_extra_csp_sources(make_app, member, publish, pod):
    from core.security import CONTENT_SECURITY_POLICY

    alice = member("alice")
    quiet = publish(alice, "No video here, just https://example.org/")
    assert alice.get("/stream").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    # A page showing a video lets the player in, as a frame only: scripts and styles stay the
    # pod's own.
    page = alice.get(f"/posts/{guid}")
    assert frame_src(page) == f"'self' {NOCOOKIE}"
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert NOCOOKIE in frame_src(alice.get("/stream"))
    # Every other answer keeps core's policy: pages without a video, the plugin's script,
    # federation documents.
    for path in (f"/posts/{quiet}", "/users/sign_in", "/p/youtube_embed/static/youtube_embed.js",
                 "/.well-known/nodeinfo"):
        assert alice.get(path).headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path

    # Another player host is the one allowed.
    other = make_app(**{"youtube_embed.player_url": "https://player.example.net/embed/"})
    assert frame_src(other.get(f"/posts/{guid}")) == "'self' https://player.example.net"


def test_the_card_is_in_streams_and_under_comments(member, publish, add_comment, pod, person_of):
    alice, bob = member("alice"), member("bob")
    guid = publish(alice, f"Have a look: https://www.youtube.com/watch?v={VIDEO}")
    add_comment(bob, guid, f"Better: https://www.youtube.com/shorts/{OTHER}")
    pod.jobs.drain()

    stream = alice.get("/stream")
    [figure] = embeds(stream)
    assert figure.cssselect(".youtube-embed-title")[0].text == f"Video {VIDEO}"
    assert "youtube_embed.js" in stream.text and "youtube_embed.css" in stream.text
    assert embeds(bob.get(f"/people/{person_of('alice').guid}")) != []

    page = bob.get(f"/posts/{guid}")
    [in_comment] = embeds(page, within="article[data-testid=comment]")
    assert in_comment.cssselect(".youtube-embed-title")[0].text == f"Video {OTHER}"
    assert len(embeds(page)) == 1  # the post's own card is not repeated for the comment


def test_a_hostile_title_and_author_are_shown_as_text(member, publish, youtube, pod):
    youtube.titles[VIDEO] = '<script>alert("title")</script> & <b>"bold"</b>'
    youtube.authors[VIDEO] = '<img src=x onerror="alert(2)">Channel'
    alice = member("alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    pod.jobs.drain()
    page = alice.get(f"/posts/{guid}")
    assert "<script>alert" not in page.text and "<b>" not in page.text
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in page.text
    [figure] = embeds(page)
    assert figure.cssselect(".youtube-embed-title")[0].text == youtube.titles[VIDEO]
    assert figure.get("data-youtube-title") == youtube.titles[VIDEO]
    assert figure.cssselect(".youtube-embed-author")[0].text == youtube.authors[VIDEO]
    assert "<img src=x" not in page.text and figure.cssselect("img") != []  # the pod's thumbnail only
    assert [img.get("class") for img in figure.cssselect("img")] == ["youtube-embed-thumbnail"]


def test_the_oembed_html_is_never_used(member, publish, youtube, pod, videos):
    alice = member("alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    pod.jobs.drain()
    page = alice.get(f"/posts/{guid}")
    assert "from oembed" not in page.text
    assert f"https://www.youtube.com/embed/{VIDEO}" not in page.text  # oEmbed's own iframe
    assert "<iframe" not in page.text  # privacy mode: no player until a click
    assert not any("from oembed" in str(value) for value in vars(videos()[VIDEO]).values())


@pytest.mark.parametrize("text", [
    "https://www.youtube.com/watch?v=dQw4w9WgXc",
    "https://youtu.be/dQw4w9WgXcQQ",
    "https://www.youtube.com/watch?v=dQw4w9W%3CXcQ",
    "https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
])
def test_links_without_a_valid_video_stay_plain_links(member, publish, youtube, pod, text, videos):
    alice = member("alice")
    guid = publish(alice, f"See {text}")
    page = alice.get(f"/posts/{guid}")
    assert embeds(page) == []
    assert lxml.html.fromstring(page.text).cssselect(".post-text p a")[0].get("href") == text
    pod.jobs.drain()
    assert videos() == {} and youtube.requests == []


def test_at_most_max_embeds_per_post(make_app, member, publish, add_comment, pod):
    alice = member("alice")
    links = [f"https://youtu.be/{VIDEO}", f"https://www.youtube.com/watch?v={VIDEO}&t=5",  # the same video
             f"https://youtu.be/{OTHER}", f"https://youtu.be/{THIRD}", f"https://youtu.be/{FOURTH}"]
    guid = publish(alice, "\n".join(links))
    page = alice.get(f"/posts/{guid}")
    shown = [f.cssselect("a")[0].get("href") for f in embeds(page)]
    assert shown == [f"https://www.youtube.com/watch?v={v}" for v in (VIDEO, OTHER, THIRD)]
    # The links beyond the limit are still there, as plain links.
    assert len(lxml.html.fromstring(page.text).cssselect(".post-text p a")) == 5
    # A comment counts on its own.
    add_comment(alice, guid, f"https://youtu.be/{FOURTH} https://youtu.be/{THIRD}")
    page = alice.get(f"/posts/{guid}")
    assert len(embeds(page, within="article[data-testid=comment]")) == 2

    none = make_app(**{"youtube_embed.max_embeds_per_post": "0"})
    page = none.get(f"/posts/{guid}")
    assert embeds(page) == [] and "youtu.be/" in page.text


def test_the_limit_holds_for_each_post_of_a_page(make_app, member, publish, person_of):
    alice = member("alice")
    for _ in range(3):
        publish(alice, f"https://youtu.be/{VIDEO} https://youtu.be/{OTHER}")
    app = make_app(**{"youtube_embed.max_embeds_per_post": "1"})
    stream = lxml.html.fromstring(app.get(f"/people/{person_of('alice').guid}").text)
    posts = stream.cssselect("article[data-testid=post]")
    assert len(posts) == 3
    assert [len(p.cssselect("figure[data-testid=youtube-embed]")) for p in posts] == [1, 1, 1]


def test_privacy_mode_off_shows_the_nocookie_player_at_once(make_app, publish, youtube):
    from core.testing import sign_in_as_new_member

    app = make_app(**{"youtube_embed.privacy_mode": "false"})
    alice = sign_in_as_new_member(app.pod, app, "alice")
    guid = publish(alice, f"https://www.youtube.com/watch?v={VIDEO}&t=90&list=PL123abc")
    page = alice.get(f"/posts/{guid}")
    [figure] = embeds(page)
    [frame] = figure.cssselect("iframe")
    assert frame.get("src") == f"{NOCOOKIE}/embed/{VIDEO}?start=90&list=PL123abc"  # no autoplay
    assert frame.get("referrerpolicy") == "strict-origin-when-cross-origin"
    assert figure.cssselect("figcaption a")[0].get("href") == \
        f"https://www.youtube.com/watch?v={VIDEO}&t=90s&list=PL123abc"
    assert NOCOOKIE in frame_src(page)


def test_without_javascript_the_card_is_a_link_with_thumbnail_and_title(make_app, publish, youtube):
    from core.testing import sign_in_as_new_member

    app = make_app(theme="plain")
    alice = sign_in_as_new_member(app.pod, app, "alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    app.pod.jobs.drain()
    page = alice.get(f"/posts/{guid}")
    assert "<script" not in page.text
    [figure] = embeds(page)
    [link] = figure.cssselect("a.youtube-embed-card")
    assert link.get("href") == f"https://www.youtube.com/watch?v={VIDEO}"
    assert link.cssselect("img.youtube-embed-thumbnail")
    assert link.cssselect(".youtube-embed-title")[0].text == f"Video {VIDEO}"


def test_disabled_plugin_leaves_links_plain_and_the_policy_alone(make_app, publish, youtube):
    from core.security import CONTENT_SECURITY_POLICY
    from core.testing import sign_in_as_new_member

    app = make_app(plugins="")
    alice = sign_in_as_new_member(app.pod, app, "alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    page = alice.get(f"/posts/{guid}")
    assert embeds(page) == [] and "youtube-embed" not in page.text and "youtube_embed" not in page.text
    assert f'href="https://youtu.be/{VIDEO}"' in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    app.get("/p/youtube_embed/static/youtube_embed.js", status=404)
    app.pod.jobs.drain()
    assert youtube.requests == []


def test_viewing_a_page_twice_records_the_video_once(member, publish, youtube, pod, videos):
    alice, bob = member("alice"), member("bob")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    alice.get(f"/posts/{guid}")
    bob.get(f"/posts/{guid}")
    assert list(videos()) == [VIDEO]
    pod.jobs.drain()
    assert len(youtube.oembed_requests()) == 1


def test_two_readers_recording_the_same_video_at_once_both_succeed(pod, videos):
    # The first reader found no row, then the second recorded it before the first wrote.
    first = pod.session_factory()
    try:
        assert services.cached(first, [VIDEO]) == {}
        with pod.session_factory() as second:
            assert services.remember(second, VIDEO) is True
            second.commit()
        assert services.remember(first, VIDEO) is False  # no error: the row is there
        first.commit()
    finally:
        first.close()
    assert list(videos()) == [VIDEO]


@pytest.mark.parametrize("overrides, message", [
    ({"youtube_embed.max_embeds_per_post": "-1"}, "youtube_embed.max_embeds_per_post is -1: use 0 to 20"),
    ({"youtube_embed.max_embeds_per_post": "100"}, "youtube_embed.max_embeds_per_post is 100"),
    ({"youtube_embed.oembed_url": "ftp://example.org/oembed"}, "youtube_embed.oembed_url is 'ftp://"),
    ({"youtube_embed.oembed_url": "not a url"}, "youtube_embed.oembed_url is 'not a url'"),
    ({"youtube_embed.oembed_url": "https://example.org/oembed?format=xml"}, "without credentials, query"),
    ({"youtube_embed.player_url": "http://www.youtube-nocookie.com/embed/"}, "it must be an https URL"),
    ({"youtube_embed.player_url": "https://www.youtube-nocookie.com/embed"}, "end it with '/'"),
    ({"youtube_embed.player_url": "https://x.example/embed/; script-src *"}, "youtube_embed.player_url is"),
])
def test_bad_settings_stop_the_pod(make_app, overrides, message):
    with pytest.raises(StartupError, match=message.replace("?", r"\?").replace("(", r"\(")):
        make_app(**overrides)


def test_a_setting_that_is_not_a_number_stops_the_pod(make_pod):
    with pytest.raises(StartupError, match="youtube_embed.max_embeds_per_post"):
        make_pod(**{"youtube_embed.max_embeds_per_post": "three"})


def test_settings_have_their_defaults(pod):
    defaults = {s.name: s.default for s in pod.plugin_settings["youtube_embed"]}
    assert defaults == {"youtube_embed.privacy_mode": True, "youtube_embed.max_embeds_per_post": 3,
                        "youtube_embed.oembed_url": "https://www.youtube.com/oembed",
                        "youtube_embed.player_url": "https://www.youtube-nocookie.com/embed/"}
    assert pod.settings["youtube_embed.privacy_mode"] is True


def test_a_post_shown_twice_on_a_page_has_its_cards_both_times(member, publish):
    alice, bob = member("alice"), member("bob")
    guid = publish(alice, f"https://youtu.be/{VIDEO} https://youtu.be/{OTHER} https://youtu.be/{THIRD} "
                          f"https://youtu.be/{FOURTH}")
    page = bob.get(f"/posts/{guid}")
    reshare = next(f for f in page.forms.values() if f.action.endswith(f"/posts/{guid}/reshare"))
    assert reshare.submit().status_int == 303
    # The public stream shows alice's post and, inside bob's reshare, the same post again.
    root = lxml.html.fromstring(bob.get("/public").text)
    posts = root.cssselect("article[data-testid=post]")
    assert len(posts) == 2
    assert [len(p.cssselect("figure[data-testid=youtube-embed]")) for p in posts] == [3, 3]
