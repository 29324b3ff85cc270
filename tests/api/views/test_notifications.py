"""Notifications through the API (API_V1.md §6.10 and the §7 checklist)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from core.accounts.models import Person
from core.aspects.services import AspectService
from core.conversations.services import ConversationService
from core.notifications.models import Notification
from core.posts.interactions import InteractionService
from core.posts.models import Post
from core.posts.services import Draft, PostService
from tests.api.conftest import error, links
from tests.api.views.test_conversations import share

SCOPES = "openid public:read notifications"
NOT_FOUND = "Notification with provided guid could not be found"
CANT_PROCESS = "Could not process the notifications request"
# What bob does to alice in ``world``, newest first.
KINDS = ["mentioned", "liked_comment", "comment_on_post", "liked", "started_sharing"]


@dataclass
class World:
    alice: object
    bob: object
    alice_post: str
    bob_post: str

    def guid_of(self, api, kind: str, recipient=None) -> str:
        with api.session() as s:
            return s.scalar(sa.select(Notification.guid).where(
                Notification.recipient_id == (recipient or self.alice).id, Notification.kind == kind))


@pytest.fixture
def world(api) -> World:
    """bob starts sharing with alice, likes her post, comments on it, likes her comment there,
    mentions her in a post of his, then writes to her privately: all real actions."""
    alice, bob = api.users("alice", "bob")
    with api.session() as s:
        alice_post = PostService(s, api.pod).create(alice.user(s), Draft(text="Hello world", visibility="public"))
        alice_post_id, alice_post_guid = alice_post.id, alice_post.guid
    share(api, bob, alice)
    share(api, alice, bob)
    with api.session() as s:
        interactions = InteractionService(s, api.pod)
        alice_user, bob_user = alice.user(s), bob.user(s)
        post = s.get(Post, alice_post_id)
        interactions.like_post(bob_user, post)
        interactions.comment(bob_user, post, "Nice one")
        comment = interactions.comment(alice_user, post, "Thanks")
        interactions.like_comment(bob_user, comment)
        mention = PostService(s, api.pod).create(bob_user, Draft(text=f"Hi @{{{alice.diaspora_id}}}",
                                                                 visibility="public"))
        bob_post_guid = mention.guid
        ConversationService(s, api.pod).start(bob_user, [alice.guid], "Psst", "A secret")
    return World(alice, bob, alice_post_guid, bob_post_guid)


def test_list_newest_first_with_targets(api, world):
    listed = api.get("/notifications", world.alice.token(SCOPES)).json
    assert [n["type"] for n in listed] == KINDS  # private messages stay out of the list
    bob = {"guid": world.bob.guid, "diaspora_id": world.bob.diaspora_id, "name": world.bob.diaspora_id}
    assert all(n["event_creators"] == [bob] for n in listed)
    assert all(n["read"] is False for n in listed)
    by_kind = {n["type"]: n for n in listed}
    alice = {"guid": world.alice.guid, "diaspora_id": world.alice.diaspora_id, "name": world.alice.diaspora_id}
    assert by_kind["mentioned"]["target"] == {"guid": world.bob_post, "author": bob}
    for kind in ("liked_comment", "comment_on_post", "liked"):  # a comment's notification points at its post
        assert by_kind[kind]["target"] == {"guid": world.alice_post, "author": alice}
    assert "target" not in by_kind["started_sharing"]
    assert by_kind["liked"]["guid"] == world.guid_of(api, "liked")


def test_only_unread(api, world):
    token = world.alice.token(SCOPES)
    assert len(api.get("/notifications", token, params={"only_unread": "true"}).json) == 5
    api.patch(f"/notifications/{world.guid_of(api, 'liked')}", token, params={"read": "true"}, status=204)
    unread = api.get("/notifications", token, params={"only_unread": "true"}).json
    assert [n["type"] for n in unread] == [k for k in KINDS if k != "liked"]
    assert len(api.get("/notifications", token, params={"only_unread": "false"}).json) == 5
    assert len(api.get("/notifications", token, params={"only_unread": "0"}).json) == 5


def test_only_after_a_date(api, world):
    token = world.alice.token(SCOPES)
    today = dt.datetime.now(dt.timezone.utc).date()
    assert len(api.get("/notifications", token, params={"only_after": (today - dt.timedelta(days=1)).isoformat()})
               .json) == 5
    assert api.get("/notifications", token, params={"only_after": (today + dt.timedelta(days=1)).isoformat()}).json == []
    with api.session() as s:
        s.execute(sa.update(Notification).where(Notification.kind == "started_sharing")
                  .values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)))
    since = (today - dt.timedelta(days=1)).isoformat()
    assert [n["type"] for n in api.get("/notifications", token, params={"only_after": since}).json] == KINDS[:-1]


def test_unreadable_filters_are_refused(api, world):
    token = world.alice.token(SCOPES)
    for query in ("only_after=January 1, 2018", "only_after=2018-02-30", "only_after[]=2018-01-01",
                  "only_after[a]=2018-01-01", "only_unread=maybe", "only_unread[]=true"):
        error(api.get(f"/notifications?{query}", token), 422, CANT_PROCESS)


def test_list_pages_with_links(api, world):
    token = world.alice.token(SCOPES)
    seen = []
    response = api.get("/notifications", token, params={"per_page": "2", "only_unread": "true"})
    while response.json:
        found = links(response)
        assert list(found) == ["next", "previous"]
        assert "only_unread=true" in found["next"] and "per_page=2" in found["next"]
        seen += [n["type"] for n in response.json]
        response = api.get(found["next"], token)
    assert seen == KINDS
    assert "Link" not in response.headers
    oldest_first = api.get("/notifications", token, params={"per_page": "1", "after": "2000-01-01"})
    assert [n["type"] for n in oldest_first.json] == ["started_sharing"]
    assert [n["type"] for n in api.get(links(oldest_first)["next"], token).json] == ["liked"]
    error(api.get("/notifications", token, params={"before": "yesterday"}), 422,
          "before must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")


def test_show(api, world):
    token = world.alice.token(SCOPES)
    guid = world.guid_of(api, "comment_on_post")
    shown = api.get(f"/notifications/{guid}", token).json
    assert shown == [n for n in api.get("/notifications", token).json if n["guid"] == guid][0]
    assert shown["target"]["guid"] == world.alice_post
    shared = api.get(f"/notifications/{world.guid_of(api, 'started_sharing')}", token).json
    assert "target" not in shared and shared["type"] == "started_sharing"


def test_show_unknown_or_someone_elses(api, world):
    token = world.alice.token(SCOPES)
    for guid in ("999_999_999", "-1", "x" * 300, world.guid_of(api, "private_message"),
                 world.guid_of(api, "also_commented", world.bob), world.guid_of(api, "started_sharing", world.bob)):
        error(api.get(f"/notifications/{guid}", token), 404, NOT_FOUND)


def test_what_a_blocked_person_did_is_left_out(api, world):
    with api.session() as s:
        AspectService(s, api.pod).block(world.alice.user(s), s.get(Person, world.bob.person_id))
    assert api.get("/notifications", world.alice.token(SCOPES)).json == []
    error(api.get(f"/notifications/{world.guid_of(api, 'liked')}", world.alice.token(SCOPES)), 404, NOT_FOUND)


def test_mark_read_and_unread(api, world):
    token = world.alice.token(SCOPES)
    guid = world.guid_of(api, "liked")

    def unread() -> bool:
        with api.session() as s:
            return s.scalar(sa.select(Notification.unread).where(Notification.guid == guid))

    assert api.patch(f"/notifications/{guid}", token, params={"read": "true"}, status=204).body == b""
    assert unread() is False
    assert api.get(f"/notifications/{guid}", token).json["read"] is True
    api.put(f"/notifications/{guid}", token, json_body={"read": False}, status=204)
    assert unread() is True
    api.patch(f"/notifications/{guid}", token, json_body={"read": True}, status=204)
    assert unread() is False


def test_update_needs_a_read_flag_and_an_own_notification(api, world):
    token = world.alice.token(SCOPES)
    guid = world.guid_of(api, "liked")
    for given in ({}, {"read": "maybe"}, {"read": ""}, {"read": ["true"]}, {"read": None}):
        error(api.patch(f"/notifications/{guid}", token, json_body=given), 422, CANT_PROCESS)
    error(api.patch("/notifications/999_999_999", token), 422, CANT_PROCESS)
    for other in ("999_999_999", world.guid_of(api, "private_message"),
                  world.guid_of(api, "also_commented", world.bob)):
        error(api.patch(f"/notifications/{other}", token, params={"read": "true"}), 404, NOT_FOUND)
        error(api.put(f"/notifications/{other}", token, params={"read": "false"}), 404, NOT_FOUND)
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.unread.is_(False))) == 0


def test_scopes(api, world):
    guid = world.guid_of(api, "liked")
    minimum, invalid = world.alice.token("openid public:read conversations"), "0123456789abcdef" * 4
    for method, path in (("GET", "/notifications"), ("GET", f"/notifications/{guid}"),
                         ("PATCH", f"/notifications/{guid}"), ("PUT", f"/notifications/{guid}")):
        send = getattr(api, method.lower())
        error(send(path, minimum, params={"read": "true"}), 403, "insufficient_scope")
        error(send(path, params={"read": "true"}), 403, "Unauthorized user")
        response = send(path, invalid, params={"read": "true"})
        assert response.status_int == 401
        assert response.json["error"] == "invalid_token"
    assert api.get(f"/notifications/{guid}", world.alice.token(SCOPES)).json["read"] is False
