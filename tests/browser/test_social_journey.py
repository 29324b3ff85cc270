"""Three people in a real browser: Alice shares a limited post with Bob, Carol sees none of it.

Alice creates an aspect, adds Bob to it, and posts to that aspect with a photo and a mention
of Bob. Bob finds the post in his stream, comments and likes it. Carol, signed in on the same
pod, finds it nowhere and gets a 404 at its address. Alice sees the notifications. Once with
the default theme, once with `plain` and JavaScript off.
"""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from .test_journey import THEMES, assert_no_scripts, at, header, sign_up

ASPECT = "Garden club"
SECRET = "The tomatoes are ripe"


def main(page):
    return page.locator("main")


def add_to_aspect(page, server, name: str) -> None:
    page.goto(server.url + "/search?q=" + name)
    main(page).get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_label(ASPECT).check()
    page.get_by_role("button", name="Save aspects").click()
    expect(page.get_by_label(ASPECT)).to_be_checked()


@pytest.mark.parametrize("theme, javascript", THEMES)
def test_a_limited_post_reaches_exactly_the_aspect(make_live_server, open_page, screenshot, tmp_path,
                                                    theme, javascript):
    server = make_live_server(theme=theme)
    host = server.url.split("//", 1)[1]
    alice, bob, carol = (open_page(javascript=javascript) for _ in range(3))
    for page, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        sign_up(page, server, name)

    # Alice makes an aspect and puts Bob in it: she now shares with him.
    alice.goto(server.url + "/contacts/aspects")
    alice.get_by_label("Name", exact=True).last.fill(ASPECT)
    alice.get_by_role("button", name="Create aspect").click()
    expect(main(alice).get_by_text(ASPECT).first).to_be_visible()
    add_to_aspect(alice, server, "bob")

    # A post limited to that aspect, with a photo and a mention of Bob.
    photo = tmp_path / "tomatoes.png"
    Image.new("RGB", (640, 480), (200, 40, 30)).save(photo)
    alice.goto(server.url + "/stream")
    composer = alice.get_by_label("What's on your mind?")
    if javascript:
        # The enhanced composer offers Bob after "@bo" and writes the mention for Alice.
        composer.fill(f"{SECRET}, ")
        composer.press_sequentially("@bo")
        alice.get_by_role("button", name=f"bob (bob@{host})").click()
        composer.press_sequentially("#garden")
        expect(composer).to_have_value(f"{SECRET}, @{{bob; bob@{host}}} #garden")
    else:
        composer.fill(f"{SECRET}, @{{bob; bob@{host}}} #garden")
    alice.get_by_label("Only these aspects:").check()
    alice.get_by_role("checkbox", name=ASPECT).check()
    alice.locator("summary", has_text="Photos").click()
    alice.get_by_label("Photo 1", exact=True).set_input_files(str(photo))
    alice.get_by_label("Description of photo 1 (alt text)").fill("Red tomatoes on the vine")
    alice.get_by_test_id("share").click()
    expect(alice).to_have_url(at(server, "/stream"))
    post = alice.get_by_test_id("post").filter(has_text=SECRET)
    expect(post).to_have_count(1)
    expect(post.get_by_role("link", name="bob")).to_be_visible()  # the mention is a link
    expect(post.get_by_role("img", name="Red tomatoes on the vine")).to_be_visible()

    # Bob sees it in his stream, with the photo, then comments and likes.
    bob.goto(server.url + "/stream")
    post = bob.get_by_test_id("post").filter(has_text=SECRET)
    expect(post).to_have_count(1)
    expect(post.get_by_role("img", name="Red tomatoes on the vine")).to_be_visible()
    post.get_by_test_id("like").click()
    post = bob.get_by_test_id("post").filter(has_text=SECRET)
    expect(post.get_by_test_id("unlike")).to_be_visible()
    post.locator("a.permalink").click()
    post_url = bob.url
    bob.get_by_label("Your comment").fill("Save me some, please")
    bob.get_by_test_id("send-comment").click()
    expect(main(bob).get_by_text("Save me some, please")).to_be_visible()
    screenshot(bob, "bob-post")

    # Carol sees none of it: not in her streams, not on Alice's page, not at its address.
    for path in ("/stream", "/public", "/tags/garden", "/activity"):
        carol.goto(server.url + path)
        expect(main(carol)).not_to_contain_text(SECRET)
    carol.goto(server.url + "/search?q=alice")
    main(carol).get_by_role("link", name="alice").first.click()
    expect(main(carol)).not_to_contain_text(SECRET)
    response = carol.goto(post_url)
    assert response.status == 404
    expect(main(carol)).not_to_contain_text(SECRET)

    # Alice is told: the unread count in the header, then the list.
    alice.goto(server.url + "/stream")
    expect(header(alice).get_by_test_id("unread-notifications")).to_have_text(re.compile(r"\s*2\s*"))
    header(alice).get_by_role("link", name=re.compile("^Notifications")).click()
    expect(main(alice)).to_contain_text("bob commented on your post")
    expect(main(alice)).to_contain_text("bob liked your post")
    screenshot(alice, "alice-notifications")
    # Bob was told that Alice started sharing and mentioned him.
    bob.goto(server.url + "/notifications")
    expect(main(bob)).to_contain_text("alice started sharing with you")
    expect(main(bob)).to_contain_text("alice mentioned you")
    if not javascript:
        for page in (alice, bob, carol):
            assert_no_scripts(page)
