"""Reshares through the API: who reshared a post, and resharing it (API_V1.md §6.6)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.models import Person
from core.aspects.services import AspectService
from core.events.models import Event
from core.posts.models import Post
from tests.api.conftest import error, links
from tests.api.views.test_posts import aspect_with, interact, make_post, profile, stored

READ = "openid public:read private:read contacts:read"
WRITE = "openid public:read public:modify"
RANDOM_TOKEN = "fedcba9876543210" * 4
NOT_FOUND = "Post with provided guid could not be found"
FAILED = "Failed to reshare"


def post_count(api) -> int:
    with api.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Post))


# --- GET /posts/:guid/reshares ----------------------------------------------------------------------

def test_list_reshares_with_the_callers_own_first(api):
    alice, bob, eve, carol = api.users("alice", "bob", "eve", "carol")
    guid = make_post(api, alice, "Share me")
    assert api.get(f"/posts/{guid}/reshares", carol.token()).json == []
    bobs = interact(api, bob, guid, "reshare")
    carols = interact(api, carol, guid, "reshare")
    eves = interact(api, eve, guid, "reshare")
    listed = api.get(f"/posts/{guid}/reshares", carol.token()).json
    assert [r["guid"] for r in listed] == [carols, bobs, eves]
    assert [r["author"] for r in listed] == [profile(api, carol), profile(api, bob), profile(api, eve)]
    with api.session() as session:
        created = session.scalar(sa.select(Post.created_at).where(Post.guid == carols))
    assert listed[0]["created_at"].startswith(created.strftime("%Y-%m-%dT%H:%M:%S."))
    # Anyone else sees them oldest first.
    assert [r["guid"] for r in api.get(f"/posts/{guid}/reshares", alice.token()).json] == [bobs, carols, eves]


def test_reshares_are_paged(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    guid = make_post(api, alice)
    bobs = interact(api, bob, guid, "reshare")
    eves = interact(api, eve, guid, "reshare")
    first = api.get(f"/posts/{guid}/reshares", alice.token(), params={"per_page": "1"})
    assert [r["guid"] for r in first.json] == [bobs]
    assert set(links(first)) == {"next"} and "page=2" in links(first)["next"]
    second = api.get(links(first)["next"], alice.token())
    assert [r["guid"] for r in second.json] == [eves]
    assert set(links(second)) == {"previous"}
    error(api.get(f"/posts/{guid}/reshares", alice.token(), params={"per_page": "abc"}), 422,
          "per_page must be a whole number from 1 to 100")


def test_reshares_of_a_reshare_are_the_originals(api):
    """Reshares always point at the original; a reshare itself has none."""
    alice, bob, eve = api.users("alice", "bob", "eve")
    guid = make_post(api, alice)
    bobs = interact(api, bob, guid, "reshare")
    assert api.get(f"/posts/{bobs}/reshares", eve.token()).json == []


def test_reshares_by_blocked_people_are_left_out(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    guid = make_post(api, alice)
    interact(api, bob, guid, "reshare")
    eves = interact(api, eve, guid, "reshare")
    with api.session() as session:
        AspectService(session, api.pod).block(alice.user(session), session.get(Person, bob.person_id))
    assert [r["guid"] for r in api.get(f"/posts/{guid}/reshares", alice.token()).json] == [eves]


def test_a_visible_limited_post_has_no_reshares(api):
    alice, bob = api.users("alice", "bob")
    aspect = aspect_with(api, alice, "Circle", bob)
    guid = make_post(api, alice, "limited", aspect_ids=[aspect])
    for caller in (alice, bob):
        assert api.get(f"/posts/{guid}/reshares", caller.token(READ)).json == []
        assert api.get(f"/posts/{guid}/reshares", caller.token()).json == []


@pytest.mark.parametrize("guid", ["999_999_999", "%00", "z" * 300])
def test_list_for_an_unknown_post(api, guid):
    alice = api.user("alice")
    error(api.get(f"/posts/{guid}/reshares", alice.token(READ)), 404, NOT_FOUND)


def test_list_for_a_limited_post_the_caller_cant_see(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice, "limited", aspect_ids=[aspect_with(api, alice, "Kin")])
    error(api.get(f"/posts/{guid}/reshares", bob.token(READ)), 404, NOT_FOUND)


def test_listing_needs_a_valid_token(api):
    alice = api.user("alice")
    guid = make_post(api, alice)
    response = api.get(f"/posts/{guid}/reshares", RANDOM_TOKEN)
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    error(api.get(f"/posts/{guid}/reshares"), 403, "Unauthorized user")


# --- POST /posts/:guid/reshares ---------------------------------------------------------------------

def test_reshare_a_post(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice, "This is Alice's status message")
    shown = api.post(f"/posts/{guid}/reshares", bob.token(WRITE)).json
    assert shown["post_type"] == "Reshare"
    assert shown["body"] == "This is Alice's status message"
    assert shown["title"] == "This is Alice's status message"
    assert shown["author"] == profile(api, bob)
    assert shown["public"] is True
    assert shown["root"]["guid"] == guid
    assert shown["root"]["author"] == profile(api, alice)
    assert shown["root"]["post_type"] == "StatusMessage"
    assert shown["root"]["interaction_counters"]["reshares"] == 1
    assert shown["own_interaction_state"]["subscribed"] is True
    reshare = stored(api, shown["guid"])
    assert reshare.type == "Reshare" and reshare.author_id == bob.person_id
    assert stored(api, guid).reshares_count == 1
    with api.session() as session:
        published = session.scalars(sa.select(Event.payload).where(Event.name == "post_published")).all()
    assert {"post_id": reshare.id} in published
    assert [r["guid"] for r in api.get(f"/posts/{guid}/reshares", alice.token()).json] == [shown["guid"]]
    assert api.get(f"/posts/{guid}", bob.token()).json["own_interaction_state"]["reshared"] is True


def test_resharing_a_reshare_reshares_its_original(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    guid = make_post(api, alice, "The original")
    bobs = interact(api, bob, guid, "reshare")
    shown = api.post(f"/posts/{bobs}/reshares", eve.token(WRITE)).json
    assert shown["root"]["guid"] == guid and shown["body"] == "The original"
    assert stored(api, guid).reshares_count == 2
    # ...so eve has now reshared the original, through whichever copy she asks.
    error(api.post(f"/posts/{guid}/reshares", eve.token(WRITE)), 409, "Reshare already exists")


def test_resharing_twice_is_a_conflict(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice)
    api.post(f"/posts/{guid}/reshares", bob.token(WRITE))
    before = post_count(api)
    error(api.post(f"/posts/{guid}/reshares", bob.token(WRITE)), 409, "Reshare already exists")
    assert post_count(api) == before


def test_resharing_what_cant_be_reshared_fails(api):
    alice, bob = api.users("alice", "bob")
    own = make_post(api, bob, "Bob's own")
    hidden = make_post(api, alice, "not for bob", aspect_ids=[aspect_with(api, alice, "Kin")])
    shared = make_post(api, alice, "for bob", aspect_ids=[aspect_with(api, alice, "Circle", bob)])
    before = post_count(api)
    token = bob.token("openid public:read public:modify private:read contacts:read")
    for guid in ("999_999_999", own, hidden, shared, "%00", "q" * 300):
        error(api.post(f"/posts/{guid}/reshares", token), 422, FAILED)
    assert post_count(api) == before


def test_resharing_a_post_whose_author_blocked_the_caller_fails(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice)
    with api.session() as session:
        AspectService(session, api.pod).block(alice.user(session), session.get(Person, bob.person_id))
    error(api.post(f"/posts/{guid}/reshares", bob.token(WRITE)), 422, FAILED)


def test_resharing_needs_public_modify(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice)
    error(api.post(f"/posts/{guid}/reshares", bob.token(READ)), 403, "insufficient_scope")
    response = api.post(f"/posts/{guid}/reshares", RANDOM_TOKEN)
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    error(api.post(f"/posts/{guid}/reshares"), 403, "Unauthorized user")
    assert stored(api, guid).reshares_count == 0
