"""Subscribing to, muting, hiding, reporting and voting on a post through the API (API_V1.md §6.7)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person
from core.admin.models import Report
from core.aspects.services import AspectService
from core.posts.interactions import InteractionService
from core.posts.models import HiddenPost, MutedPost, Participation, Poll, PollAnswer, PollParticipation, Post
from core.posts.visibility import for_streams
from tests.api.conftest import error
from tests.api.content import publish

INTERACT = "openid public:read interactions"
PRIVATE = "openid public:read interactions private:read contacts:read"
RANDOM = "0123456789abcdef" * 4
MISSING = "Post with provided guid could not be found"
ACTIONS = ("subscribe", "mute", "hide", "report", "vote")




def post_row(s, guid) -> Post:
    return s.scalar(sa.select(Post).where(Post.guid == guid))


def subscribed(api, caller, guid) -> bool:
    with api.session() as s:
        return InteractionService(s, api.pod).is_subscribed(caller.user(s), post_row(s, guid))


def participants(api, guid) -> int:
    with api.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Participation)
                        .where(Participation.post_id == post_row(s, guid).id))


def in_streams(api, caller, guid) -> bool:
    with api.session() as s:
        user = caller.user(s)
        return s.scalar(sa.select(Post.id).where(Post.guid == guid, for_streams(user))) is not None


def answer_ids(api, guid) -> list[int]:
    with api.session() as s:
        poll = s.scalar(sa.select(Poll).where(Poll.post_id == post_row(s, guid).id))
        return [answer.id for answer in poll.answers]


def shown(api, caller, guid) -> dict:
    """The post as the caller's GET /posts/{guid} shows it."""
    return api.get(f"/posts/{guid}", caller.token(PRIVATE), status=200).json


def valid_params(api, guid, action) -> dict:
    """Parameters that make ``action`` succeed on a fresh post."""
    if action == "hide":
        return {"hide": "true"}
    if action == "report":
        return {"reason": "spam"}
    if action == "vote":
        return {"poll_answer": answer_ids(api, guid)[0]}
    return {}


# --- subscribe and mute -----------------------------------------------------------------

def test_subscribe_then_twice_is_a_conflict_with_no_body(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    assert not subscribed(api, alice, guid)
    assert shown(api, alice, guid)["own_interaction_state"]["subscribed"] is False
    response = api.post(f"/posts/{guid}/subscribe", token, status=204)
    assert response.body == b""
    assert participants(api, guid) == 2
    assert subscribed(api, alice, guid)
    assert shown(api, alice, guid)["own_interaction_state"]["subscribed"] is True
    again = api.post(f"/posts/{guid}/subscribe", token, status=409)
    assert again.body == b""
    assert participants(api, guid) == 2


def test_the_author_is_already_subscribed(api):
    bob = api.user("bob")
    guid = publish(api, bob)
    assert api.post(f"/posts/{guid}/subscribe", bob.token(INTERACT), status=409).body == b""


def test_mute_after_subscribe_then_twice_is_gone_with_no_body(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    api.post(f"/posts/{guid}/subscribe", token, status=204)
    assert api.post(f"/posts/{guid}/mute", token, status=204).body == b""
    assert not subscribed(api, alice, guid)
    assert shown(api, alice, guid)["own_interaction_state"]["subscribed"] is False
    with api.session() as s:
        assert s.get(MutedPost, (alice.id, post_row(s, guid).id)) is not None
    assert api.post(f"/posts/{guid}/mute", token, status=410).body == b""
    # Subscribing again lifts the mute.
    api.post(f"/posts/{guid}/subscribe", token, status=204)
    assert subscribed(api, alice, guid)
    assert shown(api, alice, guid)["own_interaction_state"]["subscribed"] is True
    with api.session() as s:
        assert s.get(MutedPost, (alice.id, post_row(s, guid).id)) is None


def test_muting_a_post_never_subscribed_to_is_gone(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    assert api.post(f"/posts/{guid}/mute", alice.token(INTERACT), status=410).body == b""
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(MutedPost)) == 0


def test_the_author_can_mute_their_own_post(api):
    bob = api.user("bob")
    guid = publish(api, bob)
    assert shown(api, bob, guid)["own_interaction_state"]["subscribed"] is True
    api.post(f"/posts/{guid}/mute", bob.token(INTERACT), status=204)
    assert not subscribed(api, bob, guid)
    assert shown(api, bob, guid)["own_interaction_state"]["subscribed"] is False


# --- hide -------------------------------------------------------------------------------

def test_hide_and_unhide_with_a_json_body(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    assert in_streams(api, alice, guid)
    assert api.post(f"/posts/{guid}/hide", token, json_body={"hide": True}, status=204).body == b""
    assert not in_streams(api, alice, guid)
    assert in_streams(api, bob, guid)
    error(api.post(f"/posts/{guid}/hide", token, json_body={"hide": True}), 409, "Post already hidden")
    api.post(f"/posts/{guid}/hide", token, json_body={"hide": False}, status=204)
    assert in_streams(api, alice, guid)
    error(api.post(f"/posts/{guid}/hide", token, json_body={"hide": False}), 410, "Post not hidden")


def test_a_hidden_post_leaves_the_callers_streams(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    api.post(f"/posts/{guid}/likes", token, status=204)

    def liked_stream():
        return [post["guid"] for post in api.get("/streams/liked", token, status=200).json]

    assert liked_stream() == [guid]
    api.post(f"/posts/{guid}/hide", token, json_body={"hide": True}, status=204)
    assert liked_stream() == []
    # Still there for whoever has the link.
    assert shown(api, alice, guid)["guid"] == guid
    api.post(f"/posts/{guid}/hide", token, json_body={"hide": False}, status=204)
    assert liked_stream() == [guid]


def test_hide_reads_form_booleans_properly(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    # The string "false" is false: nothing to unhide.
    error(api.post(f"/posts/{guid}/hide", token, params={"hide": "false"}), 410, "Post not hidden")
    api.post(f"/posts/{guid}/hide", token, params={"hide": "true"}, status=204)
    with api.session() as s:
        assert s.get(HiddenPost, (alice.id, post_row(s, guid).id)) is not None


def test_hide_without_a_readable_hide_is_refused(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    for body in ({}, {"hide": None}, {"hide": "maybe"}, {"hide": [True]}, {"hide": {"a": 1}}, {"hide": 7}):
        error(api.post(f"/posts/{guid}/hide", token, json_body=body), 422, "Missing parameter")
    error(api.post(f"/posts/{guid}/hide", token), 422, "Missing parameter")
    assert in_streams(api, alice, guid)


# --- report -----------------------------------------------------------------------------

def test_report_then_twice_is_a_conflict(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    assert shown(api, alice, guid)["own_interaction_state"]["reported"] is False
    assert api.post(f"/posts/{guid}/report", token, params={"reason": "It is spam"}, status=204).body == b""
    assert shown(api, alice, guid)["own_interaction_state"]["reported"] is True
    with api.session() as s:
        reports = s.scalars(sa.select(Report)).all()
        assert [(r.user_id, r.item_type, r.item_id, r.reason) for r in reports] == [
            (alice.id, "Post", post_row(s, guid).id, "It is spam")]
    error(api.post(f"/posts/{guid}/report", token, params={"reason": "again"}), 409,
          "Failed to create report on this post")
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_report_needs_a_reason_checked_before_the_post(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    for given in ({}, {"reason": ""}, {"reason": "   "}):
        error(api.post(f"/posts/{guid}/report", token, params=given), 422, "Failed to create report on this post")
    for body in ({"reason": ["spam"]}, {"reason": {"a": "b"}}, {"reason": None}):
        error(api.post(f"/posts/{guid}/report", token, json_body=body), 422, "Failed to create report on this post")
    error(api.post("/posts/unknown-post-guid-0000/report", token), 422, "Failed to create report on this post")
    error(api.post("/posts/unknown-post-guid-0000/report", token, params={"reason": "spam"}), 404, MISSING)
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_a_reason_that_cannot_be_stored_is_refused(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    for reason in ("x" * 5000,):
        error(api.post(f"/posts/{guid}/report", alice.token(INTERACT), json_body={"reason": reason}), 422,
              "Failed to create report on this post")
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


# --- vote -------------------------------------------------------------------------------

def test_vote_counts_subscribes_and_twice_is_refused(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "Pick one", poll=("Tea or coffee?", ["Tea", "Coffee"]))
    tea, coffee = answer_ids(api, guid)
    token = alice.token(INTERACT)
    assert api.post(f"/posts/{guid}/vote", token, params={"poll_answer": coffee}, status=204).body == b""
    with api.session() as s:
        assert [(a.id, a.vote_count) for a in s.scalars(sa.select(PollAnswer).order_by(PollAnswer.position))] == [
            (tea, 0), (coffee, 1)]
    assert subscribed(api, alice, guid)
    post = shown(api, alice, guid)
    assert post["own_interaction_state"]["subscribed"] is True
    assert post["poll"]["participation_count"] == 1
    assert post["poll"]["already_participated"] is True
    assert [(a["id"], a["vote_count"], a["own_answer"]) for a in post["poll"]["poll_answers"]] == [
        (tea, 0, False), (coffee, 1, True)]
    error(api.post(f"/posts/{guid}/vote", token, params={"poll_answer": tea}), 422, "Cant vote on this post")
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PollParticipation)) == 1


def test_vote_with_a_json_body(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "Pick one", poll=("Tea or coffee?", ["Tea", "Coffee"]))
    api.post(f"/posts/{guid}/vote", alice.token(INTERACT), json_body={"poll_answer": answer_ids(api, guid)[0]},
             status=204)


def test_vote_lifts_a_mute(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "Pick one", poll=("Tea or coffee?", ["Tea", "Coffee"]))
    token = alice.token(INTERACT)
    api.post(f"/posts/{guid}/subscribe", token, status=204)
    api.post(f"/posts/{guid}/mute", token, status=204)
    api.post(f"/posts/{guid}/vote", token, params={"poll_answer": answer_ids(api, guid)[1]}, status=204)
    assert subscribed(api, alice, guid)


def test_votes_that_cannot_count(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "Pick one", poll=("Tea or coffee?", ["Tea", "Coffee"]))
    other = publish(api, bob, "Another", poll=("Cats or dogs?", ["Cats", "Dogs"]))
    plain = publish(api, bob, "No poll here")
    token = alice.token(INTERACT)
    foreign = answer_ids(api, other)[0]
    for given in ({}, {"poll_answer": "-1"}, {"poll_answer": "abc"}, {"poll_answer": str(foreign)},
                  {"poll_answer": "99999999999999999999"}, {"poll_answer": ""}):
        error(api.post(f"/posts/{guid}/vote", token, params=given), 422, "Cant vote on this post")
    for body in ({"poll_answer": [answer_ids(api, guid)[0]]}, {"poll_answer": True}, {"poll_answer": 2**40}):
        error(api.post(f"/posts/{guid}/vote", token, json_body=body), 422, "Cant vote on this post")
    error(api.post(f"/posts/{plain}/vote", token, params={"poll_answer": foreign}), 422, "Cant vote on this post")
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PollParticipation)) == 0
    assert not subscribed(api, alice, guid)


# --- finding the post -------------------------------------------------------------------

def test_every_action_on_an_unknown_post_is_not_found(api):
    alice = api.user("alice")
    token = alice.token(PRIVATE)
    for action in ACTIONS:
        params = {"hide": "true", "reason": "spam", "poll_answer": "1"}
        for guid in ("unknown-post-guid-0000", "1", "%E2%9C%93" * 30, "x" * 300, "nul%00guid-00000000"):
            error(api.post(f"/posts/{guid}/{action}", token, params=params), 404, MISSING)


def test_every_action_on_a_limited_post_needs_private_read(api):
    alice, bob = api.users("alice", "bob")
    for action in ACTIONS:
        guid = publish(api, bob, "Just for friends", audience=[alice],
                       poll=("Tea or coffee?", ["Tea", "Coffee"]) if action == "vote" else None)
        params = valid_params(api, guid, action)
        error(api.post(f"/posts/{guid}/{action}", alice.token(INTERACT), params=params), 404, MISSING)
        if action == "mute":
            api.post(f"/posts/{guid}/subscribe", alice.token(PRIVATE), status=204)
        api.post(f"/posts/{guid}/{action}", alice.token(PRIVATE), params=params, status=204)


def test_every_action_on_a_limited_post_of_others_is_not_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob, "Only for carol", audience=[carol], poll=("Tea or coffee?", ["Tea", "Coffee"]))
    token = alice.token(PRIVATE)
    for action in ACTIONS:
        error(api.post(f"/posts/{guid}/{action}", token, params=valid_params(api, guid, action)), 404, MISSING)
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(HiddenPost)) == 0


def test_posts_of_a_blocked_person_are_not_found(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    with api.session() as s:
        AspectService(s, api.pod).block(alice.user(s), s.get(Person, bob.person_id))
    error(api.post(f"/posts/{guid}/subscribe", alice.token(INTERACT)), 404, MISSING)


# --- scopes -----------------------------------------------------------------------------

def test_scopes(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "Pick one", poll=("Tea or coffee?", ["Tea", "Coffee"]))
    minimum = alice.token()
    expired = alice.token(INTERACT, expires_in=dt.timedelta(seconds=-1))
    for action in ACTIONS:
        params = valid_params(api, guid, action)
        error(api.post(f"/posts/{guid}/{action}", minimum, params=params), 403, "insufficient_scope")
        error(api.post(f"/posts/{guid}/{action}", params=params), 403, "Unauthorized user")
        for bad in (RANDOM, expired):
            response = api.post(f"/posts/{guid}/{action}", bad, params=params, status=401)
            assert response.json["error"] == "invalid_token"
            assert "Bearer" in response.headers["WWW-Authenticate"]
    assert not subscribed(api, alice, guid)
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(HiddenPost)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(PollParticipation)) == 0

