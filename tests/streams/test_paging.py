"""The "Older posts" link walks a stream by (timestamp, id) cursors: 15 posts a page, every
post once, in order, even when many posts share a timestamp."""
from __future__ import annotations

import datetime as dt

from .conftest import add_to_aspect, aspect_id, interact, older_link, person_id, post, shown, walk

from core.testing import sign_up

NOON = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)


def test_older_links_walk_every_post_once_in_order_across_equal_timestamps(app):
    sign_up(app, "alice")
    alice = person_id(app.pod, "alice")
    # 40 posts, in runs of four sharing a timestamp: the id breaks the ties.
    written = [post(app.pod, alice, f"post {n}", public=True, at=NOON + dt.timedelta(seconds=n // 4))
               for n in range(40)]
    first = app.get("/stream")
    assert len(shown(first)) == 15
    assert older_link(first).startswith("/stream?max=")
    assert walk(app, "/stream") == list(reversed(written))
    visitor = app.__class__(app.app)
    assert walk(visitor, "/public") == list(reversed(written))


def test_the_last_page_has_no_older_link(app):
    sign_up(app, "alice")
    alice = person_id(app.pod, "alice")
    for n in range(15):
        post(app.pod, alice, f"post {n}")
    page = app.get("/stream")
    assert len(shown(page)) == 15
    assert older_link(page) is None


def test_a_broken_cursor_is_a_400_with_a_message(app):
    sign_up(app, "alice")
    for url in ("/stream?max=yesterday", "/public?max=12_x", "/activity?max=99999999999999999999999_1",
                "/tags/cats?max=_"):
        page = app.get(url, status=400)
        assert "That page link is broken" in page.html.select_one("[data-testid=stream-error]").text
        assert shown(page) == []


def test_the_older_link_keeps_the_chosen_aspects(app, new_browser):
    sign_up(app, "alice")
    sign_up(new_browser(), "bob")
    pod = app.pod
    bob = person_id(pod, "bob")
    add_to_aspect(pod, "alice", bob, "Work")
    written = [post(pod, bob, f"work {n}", given_to=("alice",)) for n in range(20)]
    work = aspect_id(pod, "alice", "Work")
    first = app.get(f"/aspects?a={work}")
    assert f"a={work}" in older_link(first)
    assert walk(app, f"/aspects?a={work}") == list(reversed(written))
    assert walk(app, f"/aspects?a={aspect_id(pod, 'alice', 'Family')}") == []


def test_activity_pages_by_the_latest_interaction(app, new_browser):
    sign_up(app, "alice")
    sign_up(new_browser(), "bob")
    pod = app.pod
    alice, bob = person_id(pod, "alice"), person_id(pod, "bob")
    mine = [post(pod, alice, f"mine {n}", public=True) for n in range(16)]
    liked = post(pod, bob, "bob's oldest", public=True, at=NOON - dt.timedelta(days=30))
    commented = post(pod, bob, "bob's other", public=True, at=NOON - dt.timedelta(days=31))
    untouched = post(pod, bob, "bob's untouched", public=True)
    interact(pod, alice, liked, "like", at=NOON + dt.timedelta(days=400))
    interact(pod, alice, commented, "comment", at=NOON + dt.timedelta(days=401))
    streamed = walk(app, "/activity")
    assert streamed[:2] == [commented, liked]
    assert streamed[2:] == list(reversed(mine))
    assert untouched not in streamed
