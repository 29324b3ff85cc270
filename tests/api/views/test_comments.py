"""Comments through the API: list, write, delete, report (API_V1.md §6.4)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person
from core.admin.models import Report
from core.posts.interactions import InteractionService
from core.posts.models import Comment, Like, Mention, MutedPost, Post
from tests.api.conftest import error, links
from tests.api.content import block, comment_on, publish

INTERACT = "openid public:read interactions"
PRIVATE = "openid public:read interactions private:read contacts:read"
RANDOM = "0123456789abcdef" * 4
MISSING = "Post with provided guid could not be found"
NO_COMMENT = "Comment not found for the given post"






def comments_count(api, guid) -> int:
    with api.session() as s:
        return s.scalar(sa.select(Post.comments_count).where(Post.guid == guid))


def comment_guids(api, guid) -> set[str]:
    with api.session() as s:
        post_id = s.scalar(sa.select(Post.id).where(Post.guid == guid))
        return set(s.scalars(sa.select(Comment.guid).where(Comment.post_id == post_id)))




def shown(api, caller, guid) -> dict:
    """The post as the caller's GET /posts/{guid} shows it."""
    return api.get(f"/posts/{guid}", caller.token(PRIVATE), status=200).json


# --- writing ----------------------------------------------------------------------------

def test_create_answers_the_comment(api):
    alice, bob = api.users("alice", "bob")
    with api.session() as s:
        s.get(Person, alice.person_id).profile.image_url_medium = "/uploads/avatars/medium_alice.jpg"
    guid = publish(api, bob)
    response = api.post(f"/posts/{guid}/comments", alice.token(INTERACT), params={"body": "Well said"}, status=201)
    made = response.json
    assert made["body"] == "Well said"
    assert made["author"] == {"guid": alice.guid, "diaspora_id": alice.diaspora_id, "name": alice.diaspora_id,
                              "avatar": api.pod.url + "/uploads/avatars/medium_alice.jpg"}
    assert made["mentioned_people"] == []
    assert made["reported"] is False
    assert made["interactions"] == {"liked": False, "likes_count": 0}
    assert comment_guids(api, guid) == {made["guid"]}
    assert comments_count(api, guid) == 1
    post = shown(api, alice, guid)
    assert post["interaction_counters"]["comments"] == 1
    assert post["own_interaction_state"]["subscribed"] is True


def test_create_with_a_mention(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    body = f"Look, @{{{carol.diaspora_id}}}"
    shown = api.post(f"/posts/{guid}/comments", alice.token(INTERACT), json_body={"body": body}, status=201).json
    assert [person["guid"] for person in shown["mentioned_people"]] == [carol.guid]
    with api.session() as s:
        comment_id = s.scalar(sa.select(Comment.id).where(Comment.guid == shown["guid"]))
        assert list(s.scalars(sa.select(Mention.person_id).where(Mention.comment_id == comment_id))) == [
            carol.person_id]


def test_commenting_subscribes_and_lifts_a_mute(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    with api.session() as s:
        s.add(MutedPost(user_id=alice.id, post_id=s.scalar(sa.select(Post.id).where(Post.guid == guid))))
    api.post(f"/posts/{guid}/comments", token, params={"body": "Hi"}, status=201)
    with api.session() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == guid))
        assert InteractionService(s, api.pod).is_subscribed(alice.user(s), post)
    assert api.post(f"/posts/{guid}/subscribe", token, status=409).body == b""


def test_create_needs_a_body(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    for given in ({}, {"body": ""}, {"body": "  \n "}):
        error(api.post(f"/posts/{guid}/comments", token, params=given), 422,
              "param is missing or the value is empty: body")
    for body in ({"body": ["a", "b"]}, {"body": {"a": "b"}}, {"body": None}, {"body": True}):
        error(api.post(f"/posts/{guid}/comments", token, json_body=body), 422,
              "param is missing or the value is empty: body")
    assert comments_count(api, guid) == 0


def test_create_refuses_what_cannot_be_stored(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    for body in ("x" * 70000,):
        error(api.post(f"/posts/{guid}/comments", token, json_body={"body": body}), 422,
              "User is not allowed to comment")
    assert comments_count(api, guid) == 0


def test_create_when_the_post_author_blocked_the_caller(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    block(api, bob, alice)
    error(api.post(f"/posts/{guid}/comments", alice.token(INTERACT), params={"body": "Hi"}), 422,
          "User is not allowed to comment")
    assert comment_guids(api, guid) == set()


def test_create_on_posts_that_cannot_be_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    for_carol = publish(api, bob, "For carol", audience=[carol])
    token = alice.token(PRIVATE)
    for guid in ("unknown-post-guid-0000", "7", for_carol, "nul%00guid-00000000", "z" * 300):
        error(api.post(f"/posts/{guid}/comments", token, params={"body": "Hi"}), 404, MISSING)
    assert comment_guids(api, for_carol) == set()


def test_a_limited_post_needs_private_read(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "For friends", audience=[alice])
    comment = comment_on(api, bob, guid)
    without = alice.token(INTERACT)
    error(api.get(f"/posts/{guid}/comments", without), 404, MISSING)
    error(api.post(f"/posts/{guid}/comments", without, params={"body": "Hi"}), 404, MISSING)
    error(api.delete(f"/posts/{guid}/comments/{comment}", bob.token(INTERACT)), 404, MISSING)
    error(api.post(f"/posts/{guid}/comments/{comment}/report", without, params={"reason": "spam"}), 404, MISSING)
    private = alice.token(PRIVATE)
    made = api.post(f"/posts/{guid}/comments", private, params={"body": "Hi"}, status=201).json
    assert [c["guid"] for c in api.get(f"/posts/{guid}/comments", private, status=200).json] == [comment, made["guid"]]
    api.post(f"/posts/{guid}/comments/{comment}/report", private, params={"reason": "spam"}, status=204)
    api.delete(f"/posts/{guid}/comments/{made['guid']}", private, status=204)


# --- listing ----------------------------------------------------------------------------

def test_list_oldest_first_with_the_callers_state(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    now = dt.datetime.now(dt.timezone.utc)
    first = comment_on(api, bob, guid, "First", at=now - dt.timedelta(minutes=2))
    second = comment_on(api, alice, guid, "Second", at=now - dt.timedelta(minutes=1))
    token = alice.token(INTERACT)
    api.post(f"/posts/{guid}/comments/{first}/report", token, params={"reason": "rude"}, status=204)
    api.post(f"/posts/{guid}/comments/{second}/likes", bob.token(INTERACT), status=204)
    api.post(f"/posts/{guid}/comments/{second}/likes", token, status=204)
    listed = api.get(f"/posts/{guid}/comments", token, status=200).json
    assert [(c["guid"], c["body"], c["author"]["guid"]) for c in listed] == [
        (first, "First", bob.guid), (second, "Second", alice.guid)]
    assert [c["reported"] for c in listed] == [True, False]
    assert [c["interactions"] for c in listed] == [{"liked": False, "likes_count": 0},
                                                   {"liked": True, "likes_count": 2}]
    # Another caller sees their own state, not alice's.
    seen_by_bob = api.get(f"/posts/{guid}/comments", bob.token(), status=200).json
    assert [(c["reported"], c["interactions"]["liked"]) for c in seen_by_bob] == [(False, False), (False, True)]


def test_no_comments_yet(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    response = api.get(f"/posts/{guid}/comments", alice.token(), status=200)
    assert response.json == []
    assert "Link" not in response.headers


def test_list_in_pages_both_ways(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    now = dt.datetime.now(dt.timezone.utc)
    made = [comment_on(api, bob, guid, f"Comment {i}", at=now - dt.timedelta(minutes=5 - i)) for i in range(5)]
    token = alice.token()
    first = api.get(f"/posts/{guid}/comments", token, params={"per_page": "2"}, status=200)
    assert [c["guid"] for c in first.json] == made[:2]
    second = api.get(links(first)["next"], token, status=200)
    assert [c["guid"] for c in second.json] == made[2:4]
    third = api.get(links(second)["next"], token, status=200)
    assert [c["guid"] for c in third.json] == made[4:]
    assert api.get(links(third)["next"], token, status=200).json == []
    # Going back from the third page gives the two just before it, newest first.
    back = api.get(links(third)["previous"], token, status=200)
    assert [c["guid"] for c in back.json] == [made[3], made[2]]
    # A plain ``before`` gives the newest comments before it, not the oldest.
    before = (now - dt.timedelta(minutes=1, seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    newest = api.get(f"/posts/{guid}/comments", token, params={"before": before, "per_page": "2"}, status=200)
    assert [c["guid"] for c in newest.json] == [made[3], made[2]]
    after = (now - dt.timedelta(minutes=3, seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    later = api.get(f"/posts/{guid}/comments", token, params={"after": after, "per_page": "2"}, status=200)
    assert [c["guid"] for c in later.json] == made[2:4]


def test_list_refuses_a_malformed_cursor(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token()
    error(api.get(f"/posts/{guid}/comments", token, params={"before": "yesterday"}), 422,
          "before must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
    error(api.get(f"/posts/{guid}/comments", token, params={"per_page": "1000"}), 422,
          "per_page must be a whole number from 1 to 100")


def test_list_leaves_out_comments_by_blocked_people(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    mine = comment_on(api, bob, guid, "From bob")
    comment_on(api, carol, guid, "From carol")
    block(api, alice, carol)
    assert [c["guid"] for c in api.get(f"/posts/{guid}/comments", alice.token(), status=200).json] == [mine]


def test_list_on_posts_that_cannot_be_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    for_carol = publish(api, bob, "For carol", audience=[carol])
    comment_on(api, bob, for_carol)
    for guid in ("unknown-post-guid-0000", "3", for_carol):
        error(api.get(f"/posts/{guid}/comments", alice.token(PRIVATE)), 404, MISSING)


# --- deleting ---------------------------------------------------------------------------

def test_delete_own_comment(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, alice, guid)
    assert api.delete(f"/posts/{guid}/comments/{comment}", alice.token(INTERACT), status=204).body == b""
    assert comment_guids(api, guid) == set()
    assert comments_count(api, guid) == 0
    assert shown(api, alice, guid)["interaction_counters"]["comments"] == 0


def test_the_post_author_deletes_anyones_comment(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, alice, guid)
    api.delete(f"/posts/{guid}/comments/{comment}", bob.token(INTERACT), status=204)
    assert comment_guids(api, guid) == set()


def test_nobody_else_deletes_a_comment(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    comment = comment_on(api, carol, guid)
    error(api.delete(f"/posts/{guid}/comments/{comment}", alice.token(INTERACT)), 403,
          "User not allowed to delete the comment")
    assert comment_guids(api, guid) == {comment}


def test_delete_comments_that_cannot_be_found(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    other = publish(api, alice, "Alice's own post")
    others_comment = comment_on(api, alice, other)
    token = alice.token(INTERACT)
    for comment in ("unknown-comment-guid-0", others_comment, "12", "nul%00guid-00000000", "c" * 300):
        error(api.delete(f"/posts/{guid}/comments/{comment}", token), 404, NO_COMMENT)
    error(api.delete(f"/posts/unknown-post-guid-0000/comments/{others_comment}", token), 404, MISSING)
    assert comment_guids(api, other) == {others_comment}


# --- reporting --------------------------------------------------------------------------

def test_report_then_twice_is_a_conflict(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    # Reporting a comment needs nothing beyond public:read.
    token = alice.token()
    path = f"/posts/{guid}/comments/{comment}/report"
    assert api.post(path, token, params={"reason": "Rude"}, status=204).body == b""
    with api.session() as s:
        comment_id = s.scalar(sa.select(Comment.id).where(Comment.guid == comment))
        assert [(r.user_id, r.item_type, r.item_id, r.reason) for r in s.scalars(sa.select(Report))] == [
            (alice.id, "Comment", comment_id, "Rude")]
    error(api.post(path, token, params={"reason": "Still rude"}), 409, "This item already has been reported by this user")


def test_report_needs_a_reason(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    path = f"/posts/{guid}/comments/{comment}/report"
    token = alice.token()
    for given in ({}, {"reason": ""}, {"reason": "  "}):
        error(api.post(path, token, params=given), 422, "param is missing or the value is empty: reason")
    for body in ({"reason": ["a"]}, {"reason": {"a": "b"}}, {"reason": False}):
        error(api.post(path, token, json_body=body), 422, "param is missing or the value is empty: reason")
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_report_comments_that_cannot_be_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    other = publish(api, bob, "Another post")
    others_comment = comment_on(api, bob, other)
    for_carol = publish(api, bob, "For carol", audience=[carol])
    hidden_comment = comment_on(api, bob, for_carol)
    token = alice.token(PRIVATE)
    for comment in ("unknown-comment-guid-0", others_comment, hidden_comment, "nul%00guid-00000000"):
        error(api.post(f"/posts/{guid}/comments/{comment}/report", token, params={"reason": "x"}), 404, NO_COMMENT)
    for post in ("unknown-post-guid-0000", for_carol):
        error(api.post(f"/posts/{post}/comments/{hidden_comment}/report", token, params={"reason": "x"}), 404,
              MISSING)
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


# --- scopes -----------------------------------------------------------------------------

def test_scopes(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, alice, guid)
    minimum = alice.token()
    expired = alice.token(INTERACT, expires_in=dt.timedelta(seconds=-1))
    error(api.post(f"/posts/{guid}/comments", minimum, params={"body": "Hi"}), 403, "insufficient_scope")
    error(api.delete(f"/posts/{guid}/comments/{comment}", minimum), 403, "insufficient_scope")
    calls = ((api.get, f"/posts/{guid}/comments", {}), (api.post, f"/posts/{guid}/comments", {"body": "Hi"}),
             (api.delete, f"/posts/{guid}/comments/{comment}", {}),
             (api.post, f"/posts/{guid}/comments/{comment}/report", {"reason": "spam"}))
    for method, path, params in calls:
        error(method(path, params=params), 403, "Unauthorized user")
        for bad in (RANDOM, expired):
            response = method(path, bad, params=params, status=401)
            assert response.json["error"] == "invalid_token"
            assert "Bearer" in response.headers["WWW-Authenticate"]
    assert comment_guids(api, guid) == {comment}
    with api.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(Like)) == 0
