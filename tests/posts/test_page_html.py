"""A post's text on a page: core's HTML, then plugins' filters and embeds (core/posts/page_html.py)."""
from __future__ import annotations

import lxml.html
import pytest
from markupsafe import Markup, escape

from core.hookspecs import hookimpl
from core.posts.page_html import links_of
from core.testing import sign_up


class Shouting:
    """Upper-cases every post's HTML, and records what it was given."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def filter_post_html(self, post, fragment, request):
        self.seen.append((type(post).__name__, fragment))
        return fragment.replace("quiet", "LOUD")


class Bracketing:
    @hookimpl
    def filter_post_html(self, post, fragment):
        return f"[{fragment}]" if "LOUD" in fragment else None


class Cards:
    """A card for every example.org link; records the items it was asked about."""

    def __init__(self):
        self.items = []

    @hookimpl
    def embed_for_url(self, url, request, item):
        self.items.append((url, type(item).__name__))
        if "example.org" not in url:
            return None
        return Markup('<aside class="card">{}</aside>').format(url)


def publish(browser, text, visibility="public"):
    form = browser.get("/status_messages").forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    return form.submit(status=303)


def post_page(browser):
    stream = browser.get("/stream")
    link = lxml.html.fromstring(stream.text).xpath("//a[contains(@href, '/posts/')]/@href")[0]
    return browser.get(link)


@pytest.mark.plugins("none")
def test_hook_filter_post_html(make_app):
    shouting = Shouting()
    app = make_app(extra_plugins={"shouting": shouting, "bracketing": Bracketing()})
    sign_up(app, "alice")
    publish(app, "a quiet word")

    page = post_page(app)

    text = lxml.html.fromstring(page.text).xpath("//div[@class='post-text']")[0]
    assert lxml.html.tostring(text, encoding="unicode").count("LOUD") == 1
    assert "[<p>a LOUD word</p>\n]" in page.text  # the second filter got the first one's result
    assert ("Post", "<p>a quiet word</p>\n") in shouting.seen


@pytest.mark.plugins("none")
def test_filters_see_comments_too(make_app):
    shouting = Shouting()
    app = make_app(extra_plugins={"shouting": shouting})
    sign_up(app, "alice")
    publish(app, "hello")
    page = post_page(app)
    form = next(f for f in page.forms.values() if (f.action or "").endswith("/comments"))
    form["text"] = "a quiet comment"
    form.submit()

    assert "a LOUD comment" in post_page(app).text
    assert ("Comment", "<p>a quiet comment</p>\n") in shouting.seen


@pytest.mark.plugins("none")
def test_embeds_come_below_the_text_once_per_distinct_link(make_app):
    cards = Cards()
    app = make_app(extra_plugins={"cards": cards})
    sign_up(app, "alice")
    publish(app, "see https://example.org/a and https://example.org/a again, "
                 "then [this](https://example.org/b?x=1&y=2) and https://other.test/")

    page = lxml.html.fromstring(post_page(app).text)

    embeds = page.xpath("//div[@class='post-text']//div[@class='embeds']/aside/text()")
    assert embeds == ["https://example.org/a", "https://example.org/b?x=1&y=2"]
    assert ("https://other.test/", "Post") in cards.items  # asked, answered None: stays a link
    assert page.xpath("//a[@href='https://other.test/']")


@pytest.mark.plugins("none")
def test_without_plugins_the_text_is_cores_html_alone(make_app):
    app = make_app()
    sign_up(app, "alice")
    publish(app, "plain https://example.org/a")
    assert 'class="embeds"' not in post_page(app).text


def test_links_are_read_unescaped_and_only_http():
    fragment = ('<p><a href="https://a.test/?q=1&amp;r=2">x</a> <a href="/people/abc">me</a> '
                '<a href="mailto:a@b.test">m</a> <a href="http://b.test/">b</a> '
                '<a href="https://a.test/?q=1&amp;r=2">again</a></p>')
    assert links_of(fragment) == ["https://a.test/?q=1&r=2", "http://b.test/"]
    assert links_of(str(escape('<a href="https://x.test/">'))) == []


def test_links_in_text_are_those_embeds_are_asked_about():
    from core.posts.page_html import links_in_text

    text = "see https://example.org/a, [b](https://example.org/b?x=1&y=2), `https://code.test/` and #tag"
    assert links_in_text(text) == ["https://example.org/a", "https://example.org/b?x=1&y=2"]
