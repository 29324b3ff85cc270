"""The privacy property, over generated pods: nobody sees a limited post they were not given.

Hypothesis builds users, aspect memberships (added and removed over time) and posts, public
or limited to some aspects, with photos, tags and mentions, all through the web pages. Then,
for every user and a visitor, every stream, every person page, the tag page, every post page
and every photo URL is read. A limited post is given to its author and to the people in its
aspects at the moment it was posted, and to nobody else: not to someone added later, not to
someone it mentions, not to a visitor.
"""
from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from core.testing import sign_up

USERS = 3
TAG = "garden"
STREAMS = ("/stream", "/aspects", "/activity", "/mentions", "/followed_tags", "/public", "/liked",
           "/commented", f"/tags/{TAG}")
GUID_ATTR = re.compile(r'data-guid="([0-9a-f]+)"')
PHOTO_SRC = re.compile(r'/uploads/images/[A-Za-z0-9_.\-]+')
run_ids = itertools.count()

# One step of a generated history: (kind, actor, other, aspect index or aspect set, flags).
membership = st.tuples(st.just("add"), st.integers(0, USERS - 1), st.integers(0, USERS - 1), st.integers(0, 3))
removal = st.tuples(st.just("remove"), st.integers(0, USERS - 1), st.integers(0, USERS - 1), st.just(0))
post = st.tuples(st.just("post"), st.integers(0, USERS - 1), st.integers(0, USERS - 1),
                 st.one_of(st.just("public"), st.just("all"), st.frozensets(st.integers(0, 3), min_size=1)),
                 st.booleans())
histories = st.lists(st.one_of(membership, removal, post), min_size=3, max_size=9)


@dataclass
class World:
    """What the test itself knows: who is in which aspect, and who was given which post."""

    browsers: list
    people: list  # (username, guid, diaspora_id)
    aspects: list  # per user: aspect ids in order
    members: dict = field(default_factory=dict)  # (owner, aspect index) -> set of users
    limited: dict = field(default_factory=dict)  # post marker -> set of users given it
    guids: dict = field(default_factory=dict)  # post marker -> guid
    photos: dict = field(default_factory=dict)  # post marker -> photo URLs


def csrf(browser) -> str:
    page = browser.get("/user/edit")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def aspect_ids_of(browser) -> list[int]:
    page = browser.get("/contacts/aspects")
    found = re.findall(r"/contacts/aspects/(\d+)/rename", page.text)
    return [int(i) for i in dict.fromkeys(found)]


def set_aspects(world: World, owner: int, other: int, indexes: set[int]) -> None:
    browser = world.browsers[owner]
    guid = world.people[other][1]
    ids = [world.aspects[owner][i] for i in sorted(indexes)]
    browser.post(f"/people/{guid}/aspects", {"csrf_token": csrf(browser), "aspect_ids": ids}, status=[302, 303])


def write_post(world: World, step_no: int, author: int, mentioned: int, audience, with_photo: bool) -> None:
    browser = world.browsers[author]
    marker = f"marker{next(run_ids)}x{step_no}"
    text = f"{marker} #{TAG} @{{{world.people[mentioned][0]}; {world.people[mentioned][2]}}}"
    params = [("csrf_token", csrf(browser)), ("text", text)]
    if audience == "public":
        params.append(("visibility", "public"))
    elif audience == "all":
        params.append(("visibility", "all_aspects"))
    else:
        params.append(("visibility", "aspects"))
        params += [("aspect_ids", str(world.aspects[author][i])) for i in sorted(audience)]
    files = [("photo", "leaf.png", png())] if with_photo else []
    if with_photo:
        params.append(("photo_alt", "a green square"))
    browser.post("/status_messages", params, upload_files=files, status=[302, 303])
    own = browser.get(f"/people/{world.people[author][1]}")
    match = re.search(r'data-guid="([0-9a-f]+)"[^>]*>(?:(?!data-guid=).)*?' + marker, own.text, re.S)
    assert match, f"the author's own page doesn't show {marker}"
    world.guids[marker] = guid = match.group(1)
    world.photos[marker] = set(PHOTO_SRC.findall(browser.get(f"/posts/{guid}").text)) if with_photo else set()
    if audience != "public":
        chosen = range(4) if audience == "all" else audience
        world.limited[marker] = {author} | set().union(*(world.members.get((author, i), set()) for i in chosen))


def apply(world: World, history) -> None:
    for step_no, step in enumerate(history):
        kind, actor, other = step[:3]
        if kind in ("add", "remove") and actor == other:
            continue
        if kind == "add":
            world.members.setdefault((actor, step[3]), set()).add(other)
            mine = {i for i in range(4) if other in world.members.get((actor, i), set())}
            set_aspects(world, actor, other, mine)
        elif kind == "remove":
            for i in range(4):
                world.members.get((actor, i), set()).discard(other)
            set_aspects(world, actor, other, set())
        else:
            write_post(world, step_no, actor, other, step[3], step[4])


def assert_private(world: World, viewer: int | None, browser) -> None:
    def allowed(marker: str) -> bool:
        return viewer is not None and viewer in world.limited[marker]

    hidden = {m: g for m, g in world.guids.items() if m in world.limited and not allowed(m)}
    pages = list(STREAMS) + [f"/people/{p[1]}" for p in world.people]
    for path in pages:
        page = browser.get(path, status="*")
        if page.status_int in (302, 303):  # a visitor sent to sign in: sees nothing
            assert viewer is None, f"{path} redirected a signed-in user"
            continue
        assert page.status_int == 200, f"{path} answered {page.status_int}"
        for marker, guid in hidden.items():
            assert marker not in page.text and guid not in page.text, \
                f"user {viewer} sees limited post {marker} on {path}"
    for marker, guid in world.guids.items():
        visible = marker not in world.limited or allowed(marker)
        status = browser.get(f"/posts/{guid}", status="*").status_int
        assert status == (200 if visible else 404), f"user {viewer}: /posts/{guid} ({marker}) answered {status}"
        for url in world.photos[marker]:
            status = browser.get(url, status="*").status_int
            assert status == (200 if visible else 404), f"user {viewer}: photo {url} answered {status}"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(history=histories)
def test_nobody_sees_a_limited_post_they_were_not_given(new_browser, history):
    run = next(run_ids)
    browsers = [new_browser() for _ in range(USERS)]
    people, aspects = [], []
    for index, browser in enumerate(browsers):
        name = f"u{run}n{index}"
        # Each person signs up from their own address, clear of the per-address sign-up limit.
        browser.extra_environ["REMOTE_ADDR"] = f"198.51.{run % 250}.{index + 1}"
        sign_up(browser, name)
        guid = re.search(r'/people/([0-9a-f]+)"', browser.get("/stream").text).group(1)
        people.append((name, guid, f"{name}@pod.test"))
        aspects.append(aspect_ids_of(browser))
    world = World(browsers, people, aspects)
    apply(world, history)
    for viewer, browser in enumerate(browsers):
        assert_private(world, viewer, browser)
    assert_private(world, None, new_browser())
