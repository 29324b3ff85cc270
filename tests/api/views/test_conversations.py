"""Conversations through the API (API_V1.md §6.8 and the §7 checklist)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.accounts.models import Person
from core.aspects.services import AspectService
from core.conversations.models import Conversation, ConversationParticipant, Message
from core.conversations.services import ConversationService
from core.events.models import Event
from core.notifications.models import Notification
from tests.api.conftest import error, links

SCOPES = "openid public:read conversations"
CANT_PROCESS = "Couldn't accept or process the conversation"
CANT_UPDATE = "Couldn't update the conversation"
NOT_FOUND = "Conversation with provided guid could not be found"


def share(api, owner, other) -> None:
    """``owner`` puts ``other`` in their first aspect, so ``owner`` shares with ``other``."""
    with api.session() as s:
        user = owner.user(s)
        AspectService(s, api.pod).set_aspects(user, s.get(Person, other.person_id), [user.aspects[0].id])


def befriend(api, one, other) -> None:
    share(api, one, other)
    share(api, other, one)


@pytest.fixture
def people(api):
    """alice and bob share with each other; carol shares with alice only, and alice with dave only."""
    alice, bob, carol, dave = api.users("alice", "bob", "carol", "dave")
    befriend(api, alice, bob)
    share(api, carol, alice)
    share(api, alice, dave)
    return alice, bob, carol, dave


def start(api, token, recipients, subject="Lunch?", body="Shall we meet at noon?", status=201):
    return api.post("/conversations", token, json_body={"subject": subject, "body": body, "recipients": recipients},
                    status=status)


def count(api, model) -> int:
    with api.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def events(api, name: str) -> int:
    with api.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.name == name))


# --- POST /conversations ---------------------------------------------------------------------

def test_start_a_conversation_with_a_mutual_contact(api, people):
    alice, bob, *_ = people
    body = start(api, alice.token(SCOPES), [bob.guid]).json
    assert body["subject"] == "Lunch?"
    assert body["read"] is True  # the creator's copy starts read
    assert [p["guid"] for p in body["participants"]] == [alice.guid, bob.guid]
    assert body["participants"][1]["diaspora_id"] == bob.diaspora_id
    assert events(api, "conversation_started") == 1
    with api.session() as s:
        conversation = s.scalar(sa.select(Conversation).where(Conversation.guid == body["guid"]))
        assert [m.text for m in conversation.messages] == ["Shall we meet at noon?"]
    # bob has it unread, with the first message as a private-message notification
    seen_by_bob = api.get(f"/conversations/{body['guid']}", bob.token(SCOPES)).json
    assert seen_by_bob["read"] is False
    assert seen_by_bob["participants"] == body["participants"]


def test_start_takes_form_encoded_arrays(api, people):
    alice, bob, *_ = people
    params = {"subject": "Hi", "body": "there", "recipients[]": bob.guid}
    body = api.post("/conversations", alice.token(SCOPES), params=params, status=201).json
    assert {p["guid"] for p in body["participants"]} == {alice.guid, bob.guid}


def test_a_missing_or_malformed_field_is_refused(api, people):
    alice, bob, *_ = people
    token = alice.token(SCOPES)
    good = {"subject": "Lunch?", "body": "text", "recipients": [bob.guid]}
    for name, junk in (("subject", None), ("body", None), ("recipients", None), ("subject", " "),
                       ("body", "   "), ("recipients", []), ("recipients", [""]), ("subject", ["Lunch?"]),
                       ("body", {"a": "b"}), ("recipients", {"a": bob.guid}), ("recipients", [True]),
                       ("recipients", [[bob.guid]]), ("subject", "x" * 300), ("body", ["text"])):
        given = {**good, name: junk} if junk is not None else {k: v for k, v in good.items() if k != name}
        error(api.post("/conversations", token, json_body=given), 422, CANT_PROCESS)
    assert count(api, Conversation) == 0


def test_an_empty_request_is_refused(api, people):
    error(api.post("/conversations", people[0].token(SCOPES)), 422, CANT_PROCESS)


def test_only_mutual_contacts_can_be_written_to(api, people):
    alice, bob, carol, dave = people
    token = alice.token(SCOPES)
    eve = api.user("eve")
    for recipients in (["999_999_999"], ["x" * 300], [carol.guid], [dave.guid], [eve.guid], [alice.guid],
                       [bob.guid, "999_999_999"], [bob.guid, dave.guid]):
        error(start(api, token, recipients, status=None), 422, CANT_PROCESS)
    assert count(api, Conversation) == 0
    assert events(api, "conversation_started") == 0


def test_a_blocked_contact_cannot_be_written_to(api, people):
    alice, bob, *_ = people
    with api.session() as s:
        AspectService(s, api.pod).block(alice.user(s), s.get(Person, bob.person_id))
    error(start(api, alice.token(SCOPES), [bob.guid], status=None), 422, CANT_PROCESS)


# --- GET /conversations ----------------------------------------------------------------------

def three_conversations(api, alice, bob) -> list[str]:
    """Three conversations alice started with bob, oldest first, an hour apart; bob then replies
    in the oldest, so alice has exactly one unread."""
    token = alice.token(SCOPES)
    guids = [start(api, token, [bob.guid], subject=f"Subject {n}").json["guid"] for n in range(3)]
    now = dt.datetime.now(dt.timezone.utc)
    with api.session() as s:
        for hours, guid in zip((2, 1), guids):
            s.execute(sa.update(Conversation).where(Conversation.guid == guid)
                      .values(created_at=now - dt.timedelta(hours=hours)))
    api.post(f"/conversations/{guids[0]}/messages", bob.token(SCOPES), params={"body": "Sure!"}, status=201)
    return guids


def test_list_newest_first_with_filters(api, people):
    alice, bob, *_ = people
    guids = three_conversations(api, alice, bob)
    token = alice.token(SCOPES)
    listed = api.get("/conversations", token).json
    assert [c["guid"] for c in listed] == guids[::-1]
    assert [c["read"] for c in listed] == [True, True, False]
    assert [c["guid"] for c in api.get("/conversations", token, params={"only_unread": "true"}).json] == [guids[0]]
    assert len(api.get("/conversations", token, params={"only_unread": "false"}).json) == 3
    newest = listed[0]["created_at"]
    assert [c["guid"] for c in api.get("/conversations", token, params={"only_after": newest}).json] == [guids[2]]
    assert api.get("/conversations", bob.token(SCOPES), params={"only_unread": "true"}).json != []


def test_list_filters_must_be_readable(api, people):
    token = people[0].token(SCOPES)
    error(api.get("/conversations", token, params={"only_unread": "maybe"}), 422, "only_unread must be true or false")
    for junk in ("January 1, 2018", "2024-13-45", "99999-01-01"):
        error(api.get("/conversations", token, params={"only_after": junk}), 422,
              "only_after must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
    error(api.get("/conversations", token, params={"per_page": "0"}), 422,
          "per_page must be a whole number from 1 to 100")


def test_list_pages_with_links(api, people):
    alice, bob, *_ = people
    guids = three_conversations(api, alice, bob)
    token = alice.token(SCOPES)
    seen = []
    response = api.get("/conversations", token, params={"per_page": "1", "only_unread": "false"})
    while response.json:
        assert len(response.json) == 1
        seen.append(response.json[0]["guid"])
        found = links(response)
        assert list(found) == ["next", "previous"]
        assert "only_unread=false" in found["next"] and "per_page=1" in found["next"]
        response = api.get(found["next"], token)
    assert seen == guids[::-1]
    assert "Link" not in response.headers
    newer = api.get(links(api.get("/conversations", token, params={"per_page": "1", "before": "2999-01-01"}))["previous"],
                    token)
    assert newer.json == []


def test_list_leaves_out_hidden_and_others_conversations(api, people):
    alice, bob, carol, _ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    assert api.get("/conversations", carol.token(SCOPES)).json == []
    with api.session() as s:
        service = ConversationService(s, api.pod)
        service.hide(bob.user(s), service.of_participant(bob.user(s), guid))
    assert api.get("/conversations", bob.token(SCOPES)).json == []
    api.post(f"/conversations/{guid}/messages", alice.token(SCOPES), params={"body": "Still there?"}, status=201)
    assert [c["guid"] for c in api.get("/conversations", bob.token(SCOPES)).json] == [guid]


# --- GET /conversations/{guid} ---------------------------------------------------------------

def test_show(api, people):
    alice, bob, carol, _ = people
    created = start(api, alice.token(SCOPES), [bob.guid]).json
    assert api.get(f"/conversations/{created['guid']}", alice.token(SCOPES)).json == created
    for guid in ("-1", "999_999_999", "x" * 300):
        error(api.get(f"/conversations/{guid}", alice.token(SCOPES)), 404, NOT_FOUND)
    error(api.get(f"/conversations/{created['guid']}", carol.token(SCOPES)), 404, NOT_FOUND)


# --- PATCH/PUT /conversations/{guid} ---------------------------------------------------------

def test_mark_read_and_unread(api, people):
    alice, bob, *_ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    token = bob.token(SCOPES)
    with api.session() as s:
        unread = sa.select(Notification.unread).where(Notification.recipient_id == bob.id,
                                                      Notification.kind == "private_message")
        assert s.scalar(unread) is True
    assert api.patch(f"/conversations/{guid}", token, params={"read": "true"}).json["read"] is True
    with api.session() as s:
        assert s.scalar(unread) is False  # its notification goes read with it
    assert api.put(f"/conversations/{guid}", token, json_body={"read": False}).json["read"] is False
    assert api.get(f"/conversations/{guid}", token).json["read"] is False
    assert api.patch(f"/conversations/{guid}", token, json_body={"read": True}).json["read"] is True
    assert api.get(f"/conversations/{guid}", alice.token(SCOPES)).json["read"] is True


def test_update_needs_a_read_flag_and_a_known_conversation(api, people):
    alice, bob, carol, _ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    token = bob.token(SCOPES)
    for given in ({}, {"read": "maybe"}, {"read": ""}, {"read": ["true"]}, {"read": 3}):
        error(api.patch(f"/conversations/{guid}", token, json_body=given or None, params={} if given else None),
              422, CANT_UPDATE)
    assert api.get(f"/conversations/{guid}", token).json["read"] is False
    error(api.patch("/conversations/-1", token, params={"read": "true"}), 422, CANT_UPDATE)
    error(api.put(f"/conversations/{guid}", carol.token(SCOPES), params={"read": "true"}), 422, CANT_UPDATE)


# --- DELETE /conversations/{guid} ------------------------------------------------------------

def test_delete_removes_it_for_the_caller_only_then_for_good(api, people):
    alice, bob, *_ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    assert api.delete(f"/conversations/{guid}", alice.token(SCOPES), status=204).body == b""
    error(api.get(f"/conversations/{guid}", alice.token(SCOPES)), 404, NOT_FOUND)
    assert api.get("/conversations", alice.token(SCOPES)).json == []
    error(api.delete(f"/conversations/{guid}", alice.token(SCOPES)), 404, NOT_FOUND)
    kept = api.get(f"/conversations/{guid}", bob.token(SCOPES)).json
    assert [p["guid"] for p in kept["participants"]] == [bob.guid]
    api.delete(f"/conversations/{guid}", bob.token(SCOPES), status=204)
    error(api.get(f"/conversations/{guid}", bob.token(SCOPES)), 404, NOT_FOUND)
    assert count(api, Conversation) == count(api, Message) == count(api, ConversationParticipant) == 0
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == "private_message")) == 0


def test_delete_unknown_is_not_found(api, people):
    alice, bob, carol, _ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    error(api.delete("/conversations/42", alice.token(SCOPES)), 404, NOT_FOUND)
    error(api.delete(f"/conversations/{guid}", carol.token(SCOPES)), 404, NOT_FOUND)
    assert count(api, ConversationParticipant) == 2


# --- who may call ----------------------------------------------------------------------------

def test_scopes(api, people):
    alice, bob, *_ = people
    guid = start(api, alice.token(SCOPES), [bob.guid]).json["guid"]
    params = {"subject": "Hi", "body": "there", "recipients[]": bob.guid, "read": "true"}
    minimum, invalid = alice.token(), "0123456789abcdef" * 4
    for method, path in (("GET", "/conversations"), ("POST", "/conversations"), ("GET", f"/conversations/{guid}"),
                         ("PATCH", f"/conversations/{guid}"), ("PUT", f"/conversations/{guid}"),
                         ("DELETE", f"/conversations/{guid}")):
        send = getattr(api, method.lower())
        error(send(path, minimum, params=params), 403, "insufficient_scope")
        error(send(path, params=params), 403, "Unauthorized user")
        response = send(path, invalid, params=params)
        assert response.status_int == 401, (method, path)
        assert response.json["error"] == "invalid_token"
        assert "Bearer" in response.headers["WWW-Authenticate"]
    assert count(api, Conversation) == 1 and count(api, ConversationParticipant) == 2
    assert api.get(f"/conversations/{guid}", bob.token(SCOPES)).json["read"] is False
