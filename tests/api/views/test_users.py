"""Other people through the API (API_V1.md §6.13): profiles, contacts, photos, posts, blocks."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from core.accounts.models import Person, Profile
from core.aspects.services import AspectService, contact_for
from core.posts.photos import PhotoService
from core.posts.services import Draft, PostService
from tests.api.conftest import error, links

PROFILE = "openid public:read profile"
CONTACTS = "openid public:read profile contacts:read"
PRIVATE = "openid public:read contacts:read private:read"
BLOCK = "openid public:read profile contacts:read contacts:modify"
NOT_FOUND = "User not found"
UNKNOWN_GUID = "0123456789abcdef0123456789abcdef"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def share(api, owner, person, aspects=1) -> None:
    """``owner`` puts ``person`` in their first ``aspects`` aspects."""
    with api.session() as s:
        user = owner.user(s)
        ids = [a.id for a in AspectService(s, api.pod).aspects(user)][:aspects]
        AspectService(s, api.pod).set_aspects(user, s.get(Person, person.person_id), ids)


def publish(api, author, text, *, public=True, photos=0) -> str:
    with api.session() as s:
        draft = Draft(text=text, visibility="public" if public else "all_aspects",
                      photos=[(png(), "") for _ in range(photos)])
        return PostService(s, api.pod).create(author.user(s), draft).guid


def set_profile(api, caller, **values) -> None:
    with api.session() as s:
        profile = s.get(Profile, caller.person_id)
        for key, value in values.items():
            setattr(profile, key, value)


def stance(api, owner, person) -> tuple[bool, bool] | None:
    with api.session() as s:
        contact = contact_for(s, owner.id, person.person_id)
        return None if contact is None else (contact.sharing, contact.receiving)


DETAILS = {"bio": "Likes tea", "location": "Oxford", "gender": "girl"}


@pytest.fixture
def alice_and_bob(api):
    alice, bob = api.users("alice", "bob")
    set_profile(api, bob, first_name="Bob", last_name="Builder", tag_string="#tools #yes", **DETAILS)
    return alice, bob


# --- GET /users/:guid -------------------------------------------------------------------------

def test_show_someone_who_shows_their_profile_info(api, alice_and_bob):
    alice, bob = alice_and_bob
    set_profile(api, bob, public_details=True, birthday=dt.date(1980, 2, 29))
    shown = api.get(f"/users/{bob.guid}", alice.token(PROFILE)).json
    assert shown == {"guid": bob.guid, "diaspora_id": bob.diaspora_id, "name": "Bob Builder",
                     "tags": ["tools", "yes"], "birthday": "1980-02-29", **DETAILS, "blocked": False,
                     "relationship": {"receiving": False, "sharing": False}, "aspects": []}


def test_details_are_hidden_until_they_share_with_the_caller(api, alice_and_bob):
    alice, bob = alice_and_bob
    token = alice.token(PROFILE)
    hidden = api.get(f"/users/{bob.guid}", token).json
    assert not {"birthday", "gender", "location", "bio"} & set(hidden)
    share(api, bob, alice)
    shown = api.get(f"/users/{bob.guid}", token).json
    assert {key: shown[key] for key in DETAILS} == DETAILS
    assert "birthday" not in shown  # none set: left out, never null
    assert shown["relationship"] == {"receiving": False, "sharing": True}


def test_someone_in_the_callers_aspects(api, alice_and_bob):
    alice, bob = alice_and_bob
    share(api, alice, bob, aspects=2)
    shown = api.get(f"/users/{bob.guid}", alice.token(PROFILE)).json
    assert shown["relationship"] == {"receiving": True, "sharing": False}
    assert [a["name"] for a in shown["aspects"]] == ["Family", "Friends"]
    assert all(set(a) == {"id", "name"} for a in shown["aspects"])
    # Alice sharing with Bob doesn't show her Bob's details.
    assert "bio" not in shown


def test_someone_blocked_is_shown_as_blocked(api, alice_and_bob):
    alice, bob = alice_and_bob
    api.post(f"/users/{bob.guid}/block", alice.token(BLOCK), status=201)
    assert api.get(f"/users/{bob.guid}", alice.token(PROFILE)).json["blocked"] is True


def test_the_caller_themselves(api, alice_and_bob):
    alice, bob = alice_and_bob
    shown = api.get(f"/users/{bob.guid}", bob.token(PROFILE)).json
    assert shown["bio"] == "Likes tea"
    assert shown["aspects"] == [] and shown["blocked"] is False


def test_someone_not_searchable_needs_contacts_read(api, alice_and_bob):
    alice, bob = alice_and_bob
    set_profile(api, bob, searchable=False)
    error(api.get(f"/users/{bob.guid}", alice.token(PROFILE)), 404, NOT_FOUND)
    assert api.get(f"/users/{bob.guid}", alice.token(CONTACTS)).json["guid"] == bob.guid


def test_unknown_or_junk_guid_is_not_found(api):
    token = api.user("alice").token(PROFILE)
    for guid in (UNKNOWN_GUID, "-1", "x" * 400, "%20"):
        error(api.get(f"/users/{guid}", token), 404, NOT_FOUND)


def test_a_remote_person_is_shown(api):
    alice = api.user("alice")
    with api.session() as s:
        s.add(Person(guid="remoteguid0123456789", diaspora_id="zoe@far.example", public_key_pem="-",
                     profile=Profile(first_name="Zoe", public_details=True, bio="Far away")))
    shown = api.get("/users/remoteguid0123456789", alice.token(PROFILE)).json
    assert (shown["name"], shown["bio"], shown["tags"]) == ("Zoe", "Far away", [])


def test_show_needs_the_profile_scope(api, alice_and_bob):
    alice, bob = alice_and_bob
    error(api.get(f"/users/{bob.guid}", alice.token()), 403, "insufficient_scope")
    error(api.get(f"/users/{bob.guid}", alice.token("openid contacts:read")), 403, "insufficient_scope")
    error(api.get(f"/users/{bob.guid}"), 403, "Unauthorized user")


# --- GET /users/:guid/contacts ----------------------------------------------------------------

def test_own_contacts(api, alice_and_bob):
    alice, bob = alice_and_bob
    carol = api.user("carol")
    set_profile(api, carol, first_name="Carol")
    token = alice.token(CONTACTS)
    assert api.get(f"/users/{alice.guid}/contacts", token).json == []
    share(api, alice, bob)
    listed = api.get(f"/users/{alice.guid}/contacts", token).json
    assert listed == [{"guid": bob.guid, "diaspora_id": bob.diaspora_id, "name": "Bob Builder"}]
    share(api, carol, alice)  # sharing with Alice makes Carol a contact too
    assert [p["guid"] for p in api.get(f"/users/{alice.guid}/contacts", token).json] == [bob.guid, carol.guid]
    first = api.get(f"/users/{alice.guid}/contacts", token, params={"per_page": 1})
    assert [p["guid"] for p in first.json] == [bob.guid]
    assert [p["guid"] for p in api.get(links(first)["next"], token).json] == [carol.guid]


def test_someone_elses_contacts_are_not_found(api, alice_and_bob):
    alice, bob = alice_and_bob
    share(api, bob, alice)
    token = alice.token(CONTACTS)
    for guid in (bob.guid, UNKNOWN_GUID, "abc"):
        error(api.get(f"/users/{guid}/contacts", token), 404, NOT_FOUND)


def test_contacts_need_contacts_read(api):
    alice = api.user("alice")
    error(api.get(f"/users/{alice.guid}/contacts", alice.token(PROFILE)), 403, "insufficient_scope")
    assert api.get(f"/users/{alice.guid}/contacts", alice.token("openid contacts:read")).json == []


# --- GET /users/:guid/photos and /posts -------------------------------------------------------

@pytest.fixture
def bobs_things(api, alice_and_bob):
    """Bob shares with Alice, then posts: a public post with two photos, a limited one with one
    photo, and uploads a photo he hasn't posted yet."""
    alice, bob = alice_and_bob
    share(api, bob, alice)
    public = publish(api, bob, "Public with photos", photos=2)
    limited = publish(api, bob, "For my aspects", public=False, photos=1)
    text_only = publish(api, bob, "Just words")
    with api.session() as s:
        PhotoService(s, api.pod).upload(bob.user(s), png())
    return alice, bob, {"public": public, "limited": limited, "text": text_only}


def test_photos_visible_to_a_contact(api, bobs_things):
    alice, bob, posts = bobs_things
    photos = api.get(f"/users/{bob.guid}/photos", alice.token(PRIVATE)).json
    assert len(photos) == 3
    assert [p["post"] for p in photos] == [posts["limited"], posts["public"], posts["public"]]
    assert photos[1]["created_at"] >= photos[2]["created_at"]


def test_photos_without_private_read_are_the_public_ones(api, bobs_things):
    alice, bob, posts = bobs_things
    for caller in (alice, bob):
        photos = api.get(f"/users/{bob.guid}/photos", caller.token(PROFILE)).json
        assert [p["post"] for p in photos] == [posts["public"], posts["public"]]


def test_own_photos_and_a_strangers_view(api, bobs_things):
    alice, bob, posts = bobs_things
    assert len(api.get(f"/users/{bob.guid}/photos", bob.token(PRIVATE)).json) == 3
    carol = api.user("carol")
    assert len(api.get(f"/users/{bob.guid}/photos", carol.token(PRIVATE)).json) == 2


def test_photos_page_by_time(api, bobs_things):
    alice, bob, posts = bobs_things
    token = alice.token(PRIVATE)
    first = api.get(f"/users/{bob.guid}/photos", token, params={"per_page": 2})
    assert len(first.json) == 2
    rest = api.get(links(first)["next"], token).json
    assert len(rest) == 1
    assert {p["guid"] for p in first.json}.isdisjoint(p["guid"] for p in rest)
    error(api.get(f"/users/{bob.guid}/photos", token, params={"before": "yesterday"}), 422,
          "before must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")


def test_posts_visible_to_a_contact(api, bobs_things):
    alice, bob, posts = bobs_things
    listed = api.get(f"/users/{bob.guid}/posts", alice.token(PRIVATE)).json
    assert [p["guid"] for p in listed] == [posts["text"], posts["limited"], posts["public"]]
    assert [p["public"] for p in listed] == [True, False, True]


def test_posts_without_private_read_or_to_a_stranger_are_the_public_ones(api, bobs_things):
    alice, bob, posts = bobs_things
    carol = api.user("carol")
    for token in (alice.token(PROFILE), bob.token(PROFILE), carol.token(PRIVATE)):
        listed = api.get(f"/users/{bob.guid}/posts", token).json
        assert [p["guid"] for p in listed] == [posts["text"], posts["public"]]


def test_own_posts(api, bobs_things):
    alice, bob, posts = bobs_things
    assert len(api.get(f"/users/{bob.guid}/posts", bob.token(PRIVATE)).json) == 3


def test_posts_page_by_time(api, bobs_things):
    alice, bob, posts = bobs_things
    token = alice.token(PRIVATE)
    first = api.get(f"/users/{bob.guid}/posts", token, params={"per_page": 1})
    assert [p["guid"] for p in first.json] == [posts["text"]]
    second = api.get(links(first)["next"], token)
    assert [p["guid"] for p in second.json] == [posts["limited"]]
    assert [p["guid"] for p in api.get(links(second)["previous"], token).json] == [posts["text"]]


def test_posts_of_someone_blocked_are_hidden(api, bobs_things):
    alice, bob, posts = bobs_things
    api.post(f"/users/{bob.guid}/block", alice.token(BLOCK), status=201)
    assert api.get(f"/users/{bob.guid}/posts", alice.token(PRIVATE)).json == []
    assert api.get(f"/users/{bob.guid}/photos", alice.token(PRIVATE)).json == []


def test_posts_and_photos_of_an_unknown_user_are_not_found(api):
    token = api.user("alice").token(PRIVATE)
    for guid in (UNKNOWN_GUID, "x" * 400):
        error(api.get(f"/users/{guid}/posts", token), 404, NOT_FOUND)
        error(api.get(f"/users/{guid}/photos", token), 404, NOT_FOUND)


def test_posts_and_photos_need_a_token(api):
    bob = api.user("bob")
    error(api.get(f"/users/{bob.guid}/posts"), 403, "Unauthorized user")
    error(api.get(f"/users/{bob.guid}/photos"), 403, "Unauthorized user")


# --- POST/DELETE /users/:guid/block ----------------------------------------------------------

def test_block_stops_sharing_both_ways_and_unblock(api, alice_and_bob):
    alice, bob = alice_and_bob
    share(api, alice, bob)
    share(api, bob, alice)
    token = alice.token(BLOCK)
    response = api.post(f"/users/{bob.guid}/block", token, status=201)
    assert response.body == b""
    assert stance(api, alice, bob) is None and stance(api, bob, alice) is None
    shown = api.get(f"/users/{bob.guid}", token).json
    assert shown["blocked"] is True
    assert shown["relationship"] == {"receiving": False, "sharing": False} and shown["aspects"] == []
    assert api.delete(f"/users/{bob.guid}/block", token, status=204).body == b""
    assert api.get(f"/users/{bob.guid}", token).json["blocked"] is False


def test_block_twice_is_a_conflict(api, alice_and_bob):
    alice, bob = alice_and_bob
    token = alice.token(BLOCK)
    api.post(f"/users/{bob.guid}/block", token, status=201)
    error(api.post(f"/users/{bob.guid}/block", token), 409, "User is already blocked")


def test_unblock_someone_not_blocked_is_gone(api, alice_and_bob):
    alice, bob = alice_and_bob
    error(api.delete(f"/users/{bob.guid}/block", alice.token(BLOCK)), 410, "User is not blocked")


def test_block_and_unblock_an_unknown_user_are_not_found(api):
    token = api.user("alice").token(BLOCK)
    for guid in (UNKNOWN_GUID, "x" * 400):
        error(api.post(f"/users/{guid}/block", token), 404, NOT_FOUND)
        error(api.delete(f"/users/{guid}/block", token), 404, NOT_FOUND)


def test_blocking_yourself_is_refused(api):
    alice = api.user("alice")
    error(api.post(f"/users/{alice.guid}/block", alice.token(BLOCK)), 422, "Failed to block the user")


def test_block_needs_contacts_modify(api, alice_and_bob):
    alice, bob = alice_and_bob
    read_only = alice.token(CONTACTS)
    error(api.post(f"/users/{bob.guid}/block", read_only), 403, "insufficient_scope")
    error(api.delete(f"/users/{bob.guid}/block", read_only), 403, "insufficient_scope")
    error(api.post(f"/users/{bob.guid}/block"), 403, "Unauthorized user")
    assert api.get(f"/users/{bob.guid}", read_only).json["blocked"] is False


def test_a_random_token_is_refused(api):
    bob = api.user("bob")
    for method, path in (("get", f"/users/{bob.guid}"), ("get", f"/users/{bob.guid}/contacts"),
                         ("get", f"/users/{bob.guid}/photos"), ("get", f"/users/{bob.guid}/posts"),
                         ("post", f"/users/{bob.guid}/block"), ("delete", f"/users/{bob.guid}/block")):
        response = getattr(api, method)(path, "e" * 64)
        assert response.status_int == 401
        assert response.json["error"] == "invalid_token"
