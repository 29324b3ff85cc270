"""Messages of a conversation through the API (API_V1.md §6.9 and the §7 checklist)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.conversations.models import Message
from core.events.models import Event
from tests.api.conftest import error, links
from tests.api.views.test_conversations import befriend

SCOPES = "openid public:read conversations"
CANT_PROCESS = "Couldn\u2019t accept or process the conversation"
NOT_FOUND = "Conversation with provided guid could not be found"


@pytest.fixture
def talk(api):
    """alice started a conversation with bob; carol is no part of it."""
    alice, bob, carol = api.users("alice", "bob", "carol")
    befriend(api, alice, bob)
    body = {"subject": "Lunch?", "body": "Shall we meet at noon?", "recipients": [bob.guid]}
    guid = api.post("/conversations", alice.token(SCOPES), json_body=body, status=201).json["guid"]
    return alice, bob, carol, guid


def messages_in_db(api) -> int:
    with api.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Message))


def test_reply_then_list_oldest_first(api, talk):
    alice, bob, _, guid = talk
    reply = api.post(f"/conversations/{guid}/messages", bob.token(SCOPES), params={"body": "Sure!"}, status=201).json
    assert reply["body"] == "Sure!"
    assert reply["author"]["guid"] == bob.guid
    assert set(reply) == {"guid", "created_at", "author", "body"}
    listed = api.get(f"/conversations/{guid}/messages", alice.token(SCOPES)).json
    assert [m["body"] for m in listed] == ["Shall we meet at noon?", "Sure!"]
    assert listed[1] == reply
    assert listed[0]["author"]["guid"] == alice.guid
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.name == "message_sent")) == 1


def test_a_json_reply_is_taken_too(api, talk):
    alice, _, _, guid = talk
    api.post(f"/conversations/{guid}/messages", alice.token(SCOPES), json_body={"body": "Or at one?"}, status=201)
    assert messages_in_db(api) == 2


def test_listing_leaves_the_conversation_unread(api, talk):
    alice, bob, _, guid = talk
    token = bob.token(SCOPES)
    assert len(api.get(f"/conversations/{guid}/messages", token).json) == 1
    assert api.get(f"/conversations/{guid}", token).json["read"] is False
    # a reply makes it unread for the others, not for its author
    api.post(f"/conversations/{guid}/messages", token, params={"body": "Sure!"}, status=201)
    assert api.get(f"/conversations/{guid}", alice.token(SCOPES)).json["read"] is False
    assert api.get(f"/conversations/{guid}", token).json["read"] is False


def test_a_missing_or_empty_body_is_refused(api, talk):
    alice, _, _, guid = talk
    token = alice.token(SCOPES)
    for given in ({}, {"body": ""}, {"body": "  \n "}, {"body": ["text"]}, {"body": {"a": "b"}},
                  {"body": None}, {"body": "x" * 70000}):
        error(api.post(f"/conversations/{guid}/messages", token, json_body=given), 422, CANT_PROCESS)
    error(api.post(f"/conversations/{guid}/messages", token), 422, CANT_PROCESS)
    assert messages_in_db(api) == 1


def test_an_unknown_conversation_is_not_found_first(api, talk):
    alice, _, carol, guid = talk
    for path in ("/conversations/-1/messages", "/conversations/999_999_999/messages"):
        error(api.post(path, alice.token(SCOPES), params={"body": "Hello"}), 404, NOT_FOUND)
        error(api.post(path, alice.token(SCOPES)), 404, NOT_FOUND)
        error(api.get(path, alice.token(SCOPES)), 404, NOT_FOUND)
    # someone else's conversation is as unknown
    error(api.post(f"/conversations/{guid}/messages", carol.token(SCOPES), params={"body": "Hi"}), 404, NOT_FOUND)
    error(api.get(f"/conversations/{guid}/messages", carol.token(SCOPES)), 404, NOT_FOUND)
    assert messages_in_db(api) == 1


def test_list_pages_with_links(api, talk):
    alice, bob, _, guid = talk
    api.post(f"/conversations/{guid}/messages", bob.token(SCOPES), params={"body": "Sure!"}, status=201)
    api.post(f"/conversations/{guid}/messages", alice.token(SCOPES), params={"body": "Great"}, status=201)
    token = alice.token(SCOPES)
    first = api.get(f"/conversations/{guid}/messages", token, params={"per_page": "1"})
    assert [m["body"] for m in first.json] == ["Shall we meet at noon?"]
    assert list(links(first)) == ["next"]
    second = api.get(links(first)["next"], token)
    assert [m["body"] for m in second.json] == ["Sure!"]
    assert list(links(second)) == ["next", "previous"]
    assert "page=1" in links(second)["previous"]
    third = api.get(links(second)["next"], token)
    assert [m["body"] for m in third.json] == ["Great"]
    assert list(links(third)) == ["previous"]
    error(api.get(f"/conversations/{guid}/messages", token, params={"per_page": "many"}), 422,
          "per_page must be a whole number from 1 to 100")
    assert api.get(f"/conversations/{guid}/messages", token, params={"page": "junk"}).json == first.json + \
        second.json + third.json


def test_scopes(api, talk):
    alice, _, _, guid = talk
    path = f"/conversations/{guid}/messages"
    minimum, invalid = alice.token(), "0123456789abcdef" * 4
    for send in (api.get, api.post):
        error(send(path, minimum, params={"body": "Hi"}), 403, "insufficient_scope")
        error(send(path, params={"body": "Hi"}), 403, "Unauthorized user")
        response = send(path, invalid, params={"body": "Hi"})
        assert response.status_int == 401
        assert response.json["error"] == "invalid_token"
    assert messages_in_db(api) == 1
