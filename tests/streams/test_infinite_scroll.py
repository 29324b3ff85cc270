"""Infinite scroll in a real browser: scrolling to the "Older posts" link appends the next page
in place, until the stream ends; with JavaScript off the link goes to the next page."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import post, remote_person

CARDS = "[data-stream-items] [data-testid=post]"


def seed(pod, count: int) -> list[str]:
    author = remote_person(pod, "writer")
    return [post(pod, author, f"public post number {n}", public=True) for n in range(count)]


def test_scrolling_appends_older_pages_until_the_end(make_live_server, chromium):
    server = make_live_server()
    written = seed(server.pod, 40)
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    errors = []
    try:
        page = context.new_page()
        # A refused script or fetch is reported on the console (a missing favicon is not our business).
        page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
        page.goto(server.url + "/public")
        cards = page.locator(CARDS)
        expect(cards).to_have_count(15)
        for at_least in (30, 40):
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_function("([selector, n]) => document.querySelectorAll(selector).length >= n",
                                   arg=[CARDS, at_least], timeout=15_000)
        expect(cards).to_have_count(40)
        expect(page.locator("a[data-older]")).to_have_count(0)
        assert page.url == server.url + "/public"  # appended in place, no navigation
        guids = [cards.nth(n).get_attribute("data-guid") for n in range(40)]
        assert guids == list(reversed(written))
        assert errors == []  # nothing refused by the content security policy
    finally:
        context.close()


def test_without_javascript_the_link_opens_the_next_page(make_live_server, chromium):
    server = make_live_server()
    written = seed(server.pod, 20)
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/public")
        expect(page.locator(CARDS)).to_have_count(15)
        page.get_by_role("link", name="Older posts").click()
        expect(page.locator(CARDS)).to_have_count(5)
        assert "/public?max=" in page.url
        assert page.locator(CARDS).first.get_attribute("data-guid") == written[4]
    finally:
        context.close()
