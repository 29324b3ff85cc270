"""Posts through the API: read one, publish one, delete one (API_V1.md §6.3)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from core.accounts.models import Person
from core.admin.models import Report
from core.api.presenters.people import display_name
from core.aspects.services import AspectService
from core.events.models import Event
from core.notifications.models import Notification
from core.posts.interactions import InteractionService
from core.posts.models import (AspectVisibility, Mention, Photo, Poll, PollAnswer, Post, ShareVisibility,
                               Tagging)
from core.posts.photos import PhotoService
from core.posts.services import Draft, PostService
from tests.api.conftest import error

READ = "openid public:read private:read contacts:read"
PUBLIC_WRITE = "openid public:read public:modify"
FULL = "openid public:read public:modify private:read private:modify contacts:read"
RANDOM_TOKEN = "0123456789abcdef" * 4
NOT_FOUND = "Post with provided guid could not be found"
FAILED = "Failed to create the post"
ROWS = (Post, Photo, Poll, PollAnswer, AspectVisibility, ShareVisibility, Mention, Tagging, Event)


# --- helpers, shared with the reshare and photo tests ------------------------------------------

def image_bytes(width: int = 40, height: int = 30, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def aspect_with(api, owner, name: str, *members) -> int:
    """A new aspect of ``owner`` holding ``members`` (which starts sharing with them)."""
    with api.session() as session:
        user = owner.user(session)
        service = AspectService(session, api.pod)
        aspect = service.create(user, name)
        for member in members:
            service.add_member(user, aspect, session.get(Person, member.person_id))
        return aspect.id


def make_post(api, author, text: str = "Hello there", aspect_ids=None, **extra) -> str:
    """A post written through the composer's service; public unless given aspects."""
    with api.session() as session:
        draft = Draft(text=text, visibility="aspects" if aspect_ids else "public",
                      aspect_ids=list(aspect_ids or []), **extra)
        return PostService(session, api.pod).create(author.user(session), draft).guid


def upload_photo(api, owner, pending: bool = True, size=(40, 30)) -> str:
    with api.session() as session:
        return PhotoService(session, api.pod).upload(owner.user(session), image_bytes(*size), pending=pending).guid


def interact(api, caller, guid: str, action: str, *args):
    """Run an InteractionService action of ``caller`` on the post ``guid``."""
    with api.session() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == guid))
        result = getattr(InteractionService(session, api.pod), action)(caller.user(session), post, *args)
        return getattr(result, "guid", None)


def count_rows(api) -> dict:
    with api.session() as session:
        return {model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model)) for model in ROWS}


def name_of(api, caller) -> str:
    with api.session() as session:
        return display_name(session.get(Person, caller.person_id))


def profile(api, caller) -> dict:
    """The short_profile the API should show for ``caller`` (no avatar in these tests)."""
    return {"guid": caller.guid, "diaspora_id": caller.diaspora_id, "name": name_of(api, caller)}


def stored(api, guid: str) -> Post | None:
    with api.session() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == guid))
        if post is not None:
            session.expunge(post)
        return post


# --- GET /posts/:guid ---------------------------------------------------------------------------

def test_show_a_simple_post_with_two_mentions(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    text = f"hello @{{{bob.diaspora_id}}} and @{{{eve.diaspora_id}}}from Alice!"
    guid = make_post(api, alice, text)
    shown = api.get(f"/posts/{guid}", bob.token()).json
    post = stored(api, guid)
    assert shown["guid"] == guid
    assert shown["created_at"] == post.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{post.created_at.microsecond // 1000:03d}Z"
    assert shown["title"] == f"hello {name_of(api, bob)} and {name_of(api, eve)}from Alice!"
    assert shown["body"] == text
    assert shown["post_type"] == "StatusMessage"
    assert shown["public"] is True and shown["nsfw"] is False
    assert shown["author"] == profile(api, alice)
    assert shown["mentioned_people"] == [profile(api, bob), profile(api, eve)]
    assert shown["photos"] == []
    assert shown["interaction_counters"] == {"comments": 0, "likes": 0, "reshares": 0}
    assert shown["own_interaction_state"] == {"liked": False, "reshared": False, "subscribed": False,
                                              "reported": False}
    for absent in ("poll", "location", "root", "provider_display_name", "open_graph_object", "oembed"):
        assert absent not in shown


def test_show_a_full_post(api):
    alice, bob = api.users("alice", "bob")
    photos = [upload_photo(api, alice, size=(40, 30)), upload_photo(api, alice, size=(20, 60))]
    body = f"# Big news\nwith @{{{bob.diaspora_id}}}, not for work #nsfw"
    created = api.post("/posts", alice.token(FULL), json_body={
        "body": body, "public": True, "photos": photos,
        "poll": {"question": "Which one?", "poll_answers": ["this", "that", "neither"]},
        "location": {"address": "Somewhere", "lat": 52.5, "lng": "13.4"}}).json
    shown = api.get(f"/posts/{created['guid']}", bob.token()).json
    assert shown["title"] == "Big news"
    assert shown["body"] == body
    assert shown["nsfw"] is True
    assert shown["mentioned_people"] == [profile(api, bob)]
    assert shown["location"] == {"address": "Somewhere", "lat": 52.5, "lng": 13.4}
    poll = shown["poll"]
    assert poll["question"] == "Which one?"
    assert poll["participation_count"] == 0 and poll["already_participated"] is False
    assert [a["answer"] for a in poll["poll_answers"]] == ["this", "that", "neither"]
    assert all(a["vote_count"] == 0 and a["own_answer"] is False for a in poll["poll_answers"])
    assert [p["dimensions"] for p in shown["photos"]] == [{"height": 30, "width": 40}, {"height": 60, "width": 20}]
    with api.session() as session:
        rows = session.scalars(sa.select(Photo).where(Photo.guid.in_(photos)).order_by(Photo.id)).all()
        names = [row.file_name for row in rows]
    for sizes, name in zip((p["sizes"] for p in shown["photos"]), names):
        assert sizes["small"].endswith(f"/uploads/images/thumb_small_{name}")
        assert sizes["medium"].endswith(f"/uploads/images/thumb_medium_{name}")
        assert sizes["large"].endswith(f"/uploads/images/scaled_full_{name}")
        assert sizes["raw"].endswith(f"/uploads/images/{name}")
        assert sizes["raw"].startswith("http")
    # The author takes part in what they wrote: subscribed.
    assert shown["own_interaction_state"]["subscribed"] is False
    own = api.get(f"/posts/{created['guid']}", alice.token()).json
    assert own["own_interaction_state"] == {"liked": False, "reshared": False, "subscribed": True,
                                            "reported": False}
    assert own == {**shown, "own_interaction_state": own["own_interaction_state"]}
    # Once bob votes, the poll says so for him only.
    with api.session() as session:
        answer_id = session.scalar(sa.select(PollAnswer.id).where(PollAnswer.answer == "that"))
    interact(api, bob, created["guid"], "vote", answer_id)
    voted = api.get(f"/posts/{created['guid']}", bob.token()).json["poll"]
    assert voted["participation_count"] == 1 and voted["already_participated"] is True
    assert [(a["answer"], a["vote_count"], a["own_answer"]) for a in voted["poll_answers"]] == [
        ("this", 0, False), ("that", 1, True), ("neither", 0, False)]


def test_show_a_post_the_caller_liked_reshared_and_reported(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice, "Something to react to")
    interact(api, bob, guid, "like_post")
    interact(api, bob, guid, "reshare")
    with api.session() as session:
        post_id = session.scalar(sa.select(Post.id).where(Post.guid == guid))
        InteractionService(session, api.pod).report(bob.user(session), "Post", post_id, "spam")
    shown = api.get(f"/posts/{guid}", bob.token()).json
    assert shown["own_interaction_state"] == {"liked": True, "reshared": True, "subscribed": True,
                                              "reported": True}
    assert shown["interaction_counters"] == {"comments": 0, "likes": 1, "reshares": 1}
    # Alice sees the counters, not bob's side.
    assert api.get(f"/posts/{guid}", alice.token()).json["own_interaction_state"] == {
        "liked": False, "reshared": False, "subscribed": True, "reported": False}
    with api.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_show_a_reshare(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    guid = make_post(api, alice, "Worth *sharing*")
    reshare_guid = interact(api, bob, guid, "reshare")
    shown = api.get(f"/posts/{reshare_guid}", eve.token()).json
    original = api.get(f"/posts/{guid}", eve.token()).json
    assert shown["post_type"] == "Reshare"
    assert shown["guid"] == reshare_guid
    assert shown["author"] == profile(api, bob)
    assert shown["public"] is True
    # A reshare carries the original's words.
    assert shown["body"] == "Worth *sharing*" and shown["title"] == "Worth sharing"
    assert shown["root"] == original
    assert shown["root"]["author"] == profile(api, alice)
    assert shown["root"]["interaction_counters"]["reshares"] == 1
    assert shown["interaction_counters"] == {"comments": 0, "likes": 0, "reshares": 0}


def test_a_limited_post_not_shared_with_the_caller_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    aspect = aspect_with(api, alice, "Kin")
    guid = make_post(api, alice, "family only", aspect_ids=[aspect])
    error(api.get(f"/posts/{guid}", bob.token(FULL)), 404, NOT_FOUND)


def test_a_limited_post_shared_with_the_caller_needs_private_read(api):
    alice, bob = api.users("alice", "bob")
    aspect = aspect_with(api, alice, "Circle", bob)
    guid = make_post(api, alice, "friends only", aspect_ids=[aspect])
    error(api.get(f"/posts/{guid}", bob.token()), 404, NOT_FOUND)
    shown = api.get(f"/posts/{guid}", bob.token(READ)).json
    assert shown["guid"] == guid and shown["public"] is False and shown["body"] == "friends only"
    # The author too reads their own limited post only with private:read.
    error(api.get(f"/posts/{guid}", alice.token()), 404, NOT_FOUND)
    assert api.get(f"/posts/{guid}", alice.token(READ)).json["guid"] == guid


@pytest.mark.parametrize("guid", ["999_999_999", "x" * 300, "%00", "a%00b" * 8, "%E2%9C%93" * 10])
def test_an_unknown_or_junk_guid_is_not_found(api, guid):
    alice = api.user("alice")
    error(api.get(f"/posts/{guid}", alice.token(FULL)), 404, NOT_FOUND)


def test_a_post_by_someone_the_caller_blocked_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice)
    with api.session() as session:
        AspectService(session, api.pod).block(bob.user(session), session.get(Person, alice.person_id))
    error(api.get(f"/posts/{guid}", bob.token()), 404, NOT_FOUND)


def test_showing_needs_a_valid_token(api):
    alice = api.user("alice")
    guid = make_post(api, alice)
    response = api.get(f"/posts/{guid}", RANDOM_TOKEN)
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    assert "Bearer" in response.headers["WWW-Authenticate"]
    error(api.get(f"/posts/{guid}"), 403, "Unauthorized user")


# --- POST /posts ----------------------------------------------------------------------------------

def test_create_a_public_post(api):
    alice = api.user("alice")
    before = count_rows(api)
    shown = api.post("/posts", alice.token(PUBLIC_WRITE),
                     params={"body": "Hello this is a public post!", "public": "true"}).json
    post = stored(api, shown["guid"])
    assert post.public is True and post.text == "Hello this is a public post!" and post.author_id == alice.person_id
    assert shown["body"] == "Hello this is a public post!" and shown["title"] == "Hello this is a public post!"
    assert shown["public"] is True and shown["post_type"] == "StatusMessage" and shown["nsfw"] is False
    assert shown["author"] == profile(api, alice)
    assert shown["own_interaction_state"]["subscribed"] is True
    after = count_rows(api)
    assert after["Post"] == before["Post"] + 1
    with api.session() as session:
        # Recorded as the web composer does, so federation and notifications follow.
        events = session.scalars(sa.select(Event).where(Event.name == "post_published")).all()
        assert [event.payload["post_id"] for event in events] == [post.id]


def test_create_a_limited_post_for_chosen_aspects(api):
    alice, bob, eve = api.users("alice", "bob", "eve")
    friends = aspect_with(api, alice, "Circle", bob)
    aspect_with(api, alice, "Office", eve)
    shown = api.post("/posts", alice.token(FULL), params={
        "body": "Hello this is a private post!", "public": "false", "aspects[]": [str(friends)]}).json
    assert shown["public"] is False
    with api.session() as session:
        post_id = session.scalar(sa.select(Post.id).where(Post.guid == shown["guid"]))
        assert session.scalars(sa.select(AspectVisibility.aspect_id).where(AspectVisibility.post_id == post_id)).all() \
            == [friends]
        assert session.scalars(sa.select(ShareVisibility.user_id).where(ShareVisibility.post_id == post_id)).all() \
            == [bob.id]
    assert api.get(f"/posts/{shown['guid']}", bob.token(READ)).json["body"] == "Hello this is a private post!"
    error(api.get(f"/posts/{shown['guid']}", eve.token(READ)), 404, NOT_FOUND)


@pytest.mark.parametrize("public", ["false", False, "0"])
def test_a_limited_post_needs_private_modify(api, public):
    """The string "false" is false: it can't slip past the scope check as diaspora*'s does."""
    alice = api.user("alice")
    aspect = aspect_with(api, alice, "Circle")
    before = count_rows(api)
    body = {"body": "private", "public": public, "aspects": [aspect]}
    response = (api.post("/posts", alice.token(PUBLIC_WRITE), json_body=body) if isinstance(public, bool)
                else api.post("/posts", alice.token(PUBLIC_WRITE), params={**body, "aspects[]": [str(aspect)]}))
    error(response, 422, FAILED)
    assert count_rows(api) == before


def test_create_with_own_pending_photos(api):
    alice = api.user("alice")
    photos = [upload_photo(api, alice), upload_photo(api, alice)]
    shown = api.post("/posts", alice.token(PUBLIC_WRITE),
                     params={"body": "Post with photos", "public": "true", "photos[]": photos}).json
    assert len(shown["photos"]) == 2
    assert all(set(photo) == {"dimensions", "sizes"} for photo in shown["photos"])
    with api.session() as session:
        post_id = session.scalar(sa.select(Post.id).where(Post.guid == shown["guid"]))
        rows = session.scalars(sa.select(Photo).where(Photo.guid.in_(photos))).all()
        # Attached photos stop being pending and take the post's public flag.
        assert {(row.post_id, row.pending, row.public) for row in rows} == {(post_id, False, True)}


def test_photos_alone_make_a_post(api):
    alice = api.user("alice")
    photo = upload_photo(api, alice)
    shown = api.post("/posts", alice.token(PUBLIC_WRITE), json_body={"public": True, "photos": [photo]}).json
    assert shown["body"] == "" and len(shown["photos"]) == 1
    assert shown["title"] == f"A post from {name_of(api, alice)}"


def test_photos_must_be_the_callers_own_and_pending(api):
    alice, bob = api.users("alice", "bob")
    others = upload_photo(api, bob)
    posted = upload_photo(api, alice, pending=False)
    mine = upload_photo(api, alice)
    before = count_rows(api)
    token = alice.token(PUBLIC_WRITE)
    for photos in ([others], [posted], ["999_999_999"], [mine, others], {"guid": mine}, [["nested"]]):
        error(api.post("/posts", token, json_body={"body": "Post with photos", "public": True, "photos": photos}),
              422, FAILED)
    error(api.post("/posts", token, params={"body": "x", "public": "true", "photos[]": [mine, "999_999_999"]}),
          422, FAILED)
    assert count_rows(api) == before
    with api.session() as session:
        assert session.scalar(sa.select(Photo.pending).where(Photo.guid == mine)) is True
        assert session.scalar(sa.select(Photo.post_id).where(Photo.guid == others)) is None


def test_create_with_a_poll(api):
    alice = api.user("alice")
    shown = api.post("/posts", alice.token(PUBLIC_WRITE), params={
        "body": "status with a poll", "public": "true", "poll[question]": "something?",
        "poll[poll_answers][]": ["yes", "no", "maybe"]}).json
    poll = shown["poll"]
    assert poll["question"] == "something?" and len(poll["guid"]) >= 16
    assert [(a["answer"], a["vote_count"]) for a in poll["poll_answers"]] == [("yes", 0), ("no", 0), ("maybe", 0)]
    assert poll["participation_count"] == 0 and poll["already_participated"] is False


@pytest.mark.parametrize("body, poll", [
    ("status with a poll", {"question": "something?", "poll_answers": []}),
    ("status with a poll", {"question": "something?"}),
    ("status with a poll", {"question": "question", "poll_answers": ["yes", ""]}),
    ("status with a poll", {"question": "question", "poll_answers": ["yes", "   "]}),
    ("status with a poll", {"question": "question", "poll_answers": ["only one"]}),
    ("status with a poll", {"question": "", "poll_answers": ["yes", "no"]}),
    ("status with a poll", {"poll_answers": ["yes", "no"]}),
    ("status with a poll", {"question": ["a list"], "poll_answers": ["yes", "no"]}),
    ("status with a poll", {"question": "q", "poll_answers": {"a": "yes"}}),
    ("status with a poll", "a poll?"),
    ("", {"question": "question", "poll_answers": ["yes", "no"]}),
])
def test_a_poll_needs_a_question_and_answers(api, body, poll):
    alice = api.user("alice")
    before = count_rows(api)
    error(api.post("/posts", alice.token(PUBLIC_WRITE), json_body={"body": body, "public": True, "poll": poll}),
          422, FAILED)
    assert count_rows(api) == before


def test_a_blank_poll_answer_is_refused_in_a_form_too(api):
    alice = api.user("alice")
    error(api.post("/posts", alice.token(PUBLIC_WRITE), params={
        "body": "status with a poll", "public": "true", "poll[question]": "question",
        "poll[poll_answers][]": ["yes", ""]}), 422, FAILED)


def test_create_with_a_location(api):
    alice = api.user("alice")
    shown = api.post("/posts", alice.token(PUBLIC_WRITE), params={
        "body": "status with location", "public": "true", "location[address]": "somewhere",
        "location[lat]": "1", "location[lng]": "2"}).json
    assert shown["location"] == {"address": "somewhere", "lat": 1.0, "lng": 2.0}
    post = stored(api, shown["guid"])
    assert (post.location_address, float(post.location_lat), float(post.location_lng)) == ("somewhere", 1.0, 2.0)


@pytest.mark.parametrize("location", [
    {"address": "somewhere", "lat": "north", "lng": 2},
    {"address": "somewhere", "lat": 100, "lng": 2},
    {"address": "somewhere", "lat": 1, "lng": -181},
    {"address": "somewhere", "lat": 1},
    {"address": "somewhere", "lat": "nan", "lng": 2},
    {"address": "somewhere", "lat": True, "lng": 2},
    {"lat": 1, "lng": 2},
    {"address": ["somewhere"]},
    {"address": "x" * 256},
    "somewhere",
])
def test_a_location_must_be_a_place(api, location):
    alice = api.user("alice")
    before = count_rows(api)
    error(api.post("/posts", alice.token(PUBLIC_WRITE),
                   json_body={"body": "status with location", "public": True, "location": location}), 422, FAILED)
    assert count_rows(api) == before


def test_create_with_a_mention_and_nsfw(api):
    alice, bob = api.users("alice", "bob")
    text = f"hello @{{{alice.diaspora_id}}} from Bob but this is #nsfw!"
    shown = api.post("/posts", bob.token(PUBLIC_WRITE), params={"body": text, "public": "true"}).json
    assert shown["nsfw"] is True
    assert shown["mentioned_people"] == [profile(api, alice)]
    assert shown["title"] == f"hello {name_of(api, alice)} from Bob but this is #nsfw!"
    with api.session() as session:
        post_id = session.scalar(sa.select(Post.id).where(Post.guid == shown["guid"]))
        told = session.scalars(sa.select(Notification.recipient_id).where(
            Notification.kind == "mentioned", Notification.target_id == post_id)).all()
    assert told == [alice.id]
    plain = api.post("/posts", bob.token(PUBLIC_WRITE), params={"body": "safe for work", "public": "true"}).json
    assert plain["nsfw"] is False and plain["mentioned_people"] == []


@pytest.mark.parametrize("given", [
    {"public": True},                                    # no body
    {"body": "   ", "public": True},                     # a blank body
    {"body": "hello"},                                   # no public
    {"body": "hello", "public": False},                  # limited, no aspects
    {"body": "hello", "public": False, "aspects": []},
    {"body": "hello", "public": False, "aspects": [-1]},  # unknown aspect
    {"body": "hello", "public": False, "aspects": ["abc"]},
    {"body": "hello", "public": False, "aspects": [10 ** 30]},
    {"body": "hello", "public": False, "aspects": {"id": 1}},
    {"body": "hello", "aspects": ["ASPECT"]},             # aspects without public
    {"body": "hello", "public": "maybe"},
    {"body": "hello", "public": None},
    {"body": "hello", "public": [True]},
    {"body": ["hello"], "public": True},
    {"body": {"text": "hello"}, "public": True},
    {"body": "x" * 70_000, "public": True},
])
def test_refused_posts_change_nothing(api, given):
    alice = api.user("alice")
    aspect = aspect_with(api, alice, "Circle")
    given = {k: ([aspect] if v == ["ASPECT"] else v) for k, v in given.items()}
    before = count_rows(api)
    error(api.post("/posts", alice.token(FULL), json_body=given), 422, FAILED)
    assert count_rows(api) == before


def test_someone_elses_aspect_is_refused(api):
    alice, bob = api.users("alice", "bob")
    bobs = aspect_with(api, bob, "Bob's")
    error(api.post("/posts", alice.token(FULL), params={"body": "hi", "public": "false", "aspects[]": [str(bobs)]}),
          422, FAILED)


def test_the_form_fields_of_diaspora_clients_are_refused_cleanly(api):
    """A body missing, or given as a file, never crashes the create."""
    alice = api.user("alice")
    token = alice.token(FULL)
    error(api.post("/posts", token, params={"status_message[text]": "Hello", "public": "true"}), 422, FAILED)
    error(api.post("/posts", token, params={"public": "true"}, upload_files=[("body", "b.txt", b"hello")]),
          422, FAILED)


def test_creating_needs_public_modify(api):
    alice = api.user("alice")
    before = count_rows(api)
    error(api.post("/posts", alice.token(READ), params={"body": "Hello", "public": "true"}), 403,
          "insufficient_scope")
    response = api.post("/posts", RANDOM_TOKEN, params={"body": "Hello", "public": "true"})
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    error(api.post("/posts", params={"body": "Hello", "public": "true"}), 403, "Unauthorized user")
    assert count_rows(api) == before


# --- DELETE /posts/:guid ----------------------------------------------------------------------------

def test_delete_own_post(api):
    alice = api.user("alice")
    photo = upload_photo(api, alice)
    guid = api.post("/posts", alice.token(FULL), json_body={"body": "bye", "public": True, "photos": [photo]}).json["guid"]
    assert api.delete(f"/posts/{guid}", alice.token(PUBLIC_WRITE), status=204).body == b""
    assert stored(api, guid) is None
    with api.session() as session:
        assert session.scalar(sa.select(Photo.id).where(Photo.guid == photo)) is None
        events = session.scalars(sa.select(Event).where(Event.name == "post_deleted")).all()
        assert [event.payload["guid"] for event in events] == [guid]
    error(api.get(f"/posts/{guid}", alice.token()), 404, NOT_FOUND)


def test_delete_needs_public_modify(api):
    alice = api.user("alice")
    guid = make_post(api, alice)
    error(api.delete(f"/posts/{guid}", alice.token(READ)), 403, "insufficient_scope")
    response = api.delete(f"/posts/{guid}", RANDOM_TOKEN)
    assert response.status_int == 401
    error(api.delete(f"/posts/{guid}"), 403, "Unauthorized user")
    assert stored(api, guid) is not None


def test_deleting_a_limited_post_needs_private_modify(api):
    alice = api.user("alice")
    aspect = aspect_with(api, alice, "Circle")
    guid = make_post(api, alice, "limited", aspect_ids=[aspect])
    error(api.delete(f"/posts/{guid}", alice.token(PUBLIC_WRITE)), 403, "Not allowed to delete the post")
    assert stored(api, guid) is not None
    api.delete(f"/posts/{guid}", alice.token(FULL), status=204)
    assert stored(api, guid) is None


def test_delete_an_unknown_post(api):
    alice = api.user("alice")
    for guid in ("999_999_999", "%00", "y" * 300):
        error(api.delete(f"/posts/{guid}", alice.token(FULL)), 404, NOT_FOUND)


def test_delete_someone_elses_post(api):
    alice, bob = api.users("alice", "bob")
    guid = make_post(api, alice)
    error(api.delete(f"/posts/{guid}", bob.token(FULL)), 403, "Not allowed to delete the post")
    assert stored(api, guid) is not None
    # A limited post bob can't see is simply not there for him.
    hidden = make_post(api, alice, "limited", aspect_ids=[aspect_with(api, alice, "Kin")])
    error(api.delete(f"/posts/{hidden}", bob.token(FULL)), 404, NOT_FOUND)
    assert stored(api, hidden) is not None
