"""Streams with posts written through the composer, as people really post."""
from __future__ import annotations

from .conftest import add_to_aspect, person_id, shown

from core.testing import sign_up


def share(browser, text: str, visibility: str) -> str:
    """Post from the composer on the stream page; returns the new post's guid."""
    form = browser.get("/stream").forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    page = form.submit().follow()
    return shown(page)[0]


def test_composed_posts_reach_the_right_streams(app, new_browser):
    sign_up(app, "alice")
    bob = new_browser()
    sign_up(bob, "bob")
    visitor = new_browser()
    pod = app.pod
    add_to_aspect(pod, "alice", person_id(pod, "bob"))
    add_to_aspect(pod, "bob", person_id(pod, "alice"))

    public = share(bob, "Knitting all day #knitting", "public")
    limited = share(bob, "Only for my aspects", "all_aspects")
    assert shown(app.get("/stream"))[:2] == [limited, public]
    assert shown(visitor.get("/tags/knitting")) == [public]
    assert shown(visitor.get("/public")) == [public]

    carol = new_browser()
    sign_up(carol, "carol")
    assert limited not in shown(carol.get("/public"))
    assert shown(carol.get("/stream")) == []
