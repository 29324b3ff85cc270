"""Likes of posts and of comments through the API (API_V1.md §6.5)."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person
from core.aspects.services import AspectService
from core.posts.interactions import InteractionService
from core.posts.models import Comment, Like, MutedPost, Post
from tests.api.conftest import error, links
from tests.api.content import comment_on, publish

INTERACT = "openid public:read interactions"
PRIVATE = "openid public:read interactions private:read contacts:read"
RANDOM = "0123456789abcdef" * 4
MISSING = "Post with provided guid could not be found"
NO_COMMENT = "Comment not found for the given post"
NOT_ALLOWED = "User is not allowed to like"
GONE = "Like doesn\u2019t exist"






def counts(api, post_guid, comment_guid=None) -> int:
    """The stored likes count of the post, or of the comment."""
    with api.session() as s:
        if comment_guid is not None:
            return s.scalar(sa.select(Comment.likes_count).where(Comment.guid == comment_guid))
        return s.scalar(sa.select(Post.likes_count).where(Post.guid == post_guid))


def paths(post_guid, comment_guid):
    """The post's likes and the comment's likes: every test runs against both."""
    return ((f"/posts/{post_guid}/likes", None), (f"/posts/{post_guid}/comments/{comment_guid}/likes", comment_guid))


def subscribed(api, caller, guid) -> bool:
    with api.session() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == guid))
        return InteractionService(s, api.pod).is_subscribed(caller.user(s), post)


def shown(api, caller, guid) -> dict:
    """The post as the caller's GET /posts/{guid} shows it."""
    return api.get(f"/posts/{guid}", caller.token(PRIVATE), status=200).json


def test_no_likes_yet(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    for path, _ in paths(guid, comment):
        response = api.get(path, alice.token(), status=200)
        assert response.json == []
        assert "Link" not in response.headers


def test_three_likers_with_the_caller_first(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    for path, comment_guid in paths(guid, comment):
        for caller in (alice, bob, carol):
            assert api.post(path, caller.token(INTERACT), status=204).body == b""
        assert counts(api, guid, comment_guid) == 3
        if comment_guid is None:
            post = shown(api, carol, guid)
            assert post["interaction_counters"]["likes"] == 3
            assert post["own_interaction_state"]["liked"] is True
        else:
            comments = api.get(f"/posts/{guid}/comments", carol.token(), status=200).json
            assert comments[0]["interactions"] == {"liked": True, "likes_count": 3}
        listed = api.get(path, carol.token(), status=200).json
        assert [like["author"]["diaspora_id"] for like in listed] == [
            carol.diaspora_id, alice.diaspora_id, bob.diaspora_id]
        assert all(set(like) == {"guid", "author"} for like in listed)
        assert listed[0]["author"]["guid"] == carol.guid
        with api.session() as s:
            target = Like.comment_id.is_not(None) if comment_guid else Like.post_id.is_not(None)
            assert {like["guid"] for like in listed} == set(s.scalars(sa.select(Like.guid).where(target)))


def test_likes_come_in_pages(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    for caller in (alice, bob, carol):
        api.post(f"/posts/{guid}/likes", caller.token(INTERACT), status=204)
    token = alice.token()
    first = api.get(f"/posts/{guid}/likes", token, params={"per_page": "2"}, status=200)
    assert [like["author"]["guid"] for like in first.json] == [alice.guid, bob.guid]
    assert set(links(first)) == {"next"}
    second = api.get(links(first)["next"], token, status=200)
    assert [like["author"]["guid"] for like in second.json] == [carol.guid]
    assert set(links(second)) == {"previous"}
    error(api.get(f"/posts/{guid}/likes", token, params={"per_page": "abc"}), 422,
          "per_page must be a whole number from 1 to 100")


def test_like_twice_is_a_conflict_and_unlike_twice_is_gone(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    token = alice.token(INTERACT)
    for path, comment_guid in paths(guid, comment):
        api.post(path, token, status=204)
        error(api.post(path, token), 409, "Like already exists")
        assert counts(api, guid, comment_guid) == 1
        assert api.delete(path, token, status=204).body == b""
        assert counts(api, guid, comment_guid) == 0
        assert shown(api, alice, guid)["own_interaction_state"]["liked"] is False
        assert api.get(path, token, status=200).json == []
        error(api.delete(path, token), 410, GONE)


def test_liking_the_post_subscribes_and_lifts_a_mute(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    token = alice.token(INTERACT)
    with api.session() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == guid))
        s.add(MutedPost(user_id=alice.id, post_id=post.id))
    api.post(f"/posts/{guid}/likes", token, status=204)
    assert subscribed(api, alice, guid)
    assert shown(api, alice, guid)["own_interaction_state"] == {
        "liked": True, "reshared": False, "subscribed": True, "reported": False}
    assert api.post(f"/posts/{guid}/subscribe", token, status=409).body == b""


def test_unknown_posts_and_comments(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    other = publish(api, bob, "Another post")
    others_comment = comment_on(api, bob, other)
    token = alice.token(PRIVATE)
    for path in ("/posts/unknown-post-guid-0000/likes", "/posts/unknown-post-guid-0000/comments/whatever-guid-000/likes",
                 "/posts/42/likes", "/posts/nul%00guid-00000000/likes", f"/posts/{'x' * 300}/likes"):
        error(api.get(path, token), 404, MISSING)
        error(api.post(path, token), 404, MISSING)
        error(api.delete(path, token), 404, MISSING)
    for comment in ("unknown-comment-guid-0", others_comment, "1", "nul%00guid-00000000", "y" * 300):
        path = f"/posts/{guid}/comments/{comment}/likes"
        error(api.get(path, token), 404, NO_COMMENT)
        error(api.post(path, token), 404, NO_COMMENT)
        error(api.delete(path, token), 404, NO_COMMENT)
    assert counts(api, other, others_comment) == 0


def test_a_visible_limited_post_needs_private_read(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob, "For friends", audience=[alice])
    comment = comment_on(api, bob, guid)
    for path, comment_guid in paths(guid, comment):
        without = alice.token(INTERACT)
        error(api.get(path, without), 422, NOT_ALLOWED)
        error(api.post(path, without), 422, NOT_ALLOWED)
        error(api.delete(path, without), 422, NOT_ALLOWED)
        assert counts(api, guid, comment_guid) == 0
        private = alice.token(PRIVATE)
        api.post(path, private, status=204)
        assert [like["author"]["guid"] for like in api.get(path, private, status=200).json] == [alice.guid]
        api.delete(path, private, status=204)


def test_an_invisible_limited_post_is_not_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob, "For carol", audience=[carol])
    comment = comment_on(api, bob, guid)
    for path, _ in paths(guid, comment):
        for token in (alice.token(INTERACT), alice.token(PRIVATE)):
            error(api.get(path, token), 404, MISSING)
            error(api.post(path, token), 404, MISSING)
            error(api.delete(path, token), 404, MISSING)


def test_the_post_author_blocked_the_caller(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    with api.session() as s:
        AspectService(s, api.pod).block(bob.user(s), s.get(Person, alice.person_id))
    for path, comment_guid in paths(guid, comment):
        error(api.post(path, alice.token(INTERACT)), 422, NOT_ALLOWED)
        assert counts(api, guid, comment_guid) == 0


def test_likes_by_blocked_people_are_left_out(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    guid = publish(api, bob)
    api.post(f"/posts/{guid}/likes", carol.token(INTERACT), status=204)
    api.post(f"/posts/{guid}/likes", bob.token(INTERACT), status=204)
    with api.session() as s:
        AspectService(s, api.pod).block(alice.user(s), s.get(Person, carol.person_id))
    listed = api.get(f"/posts/{guid}/likes", alice.token(), status=200).json
    assert [like["author"]["guid"] for like in listed] == [bob.guid]


def test_scopes(api):
    alice, bob = api.users("alice", "bob")
    guid = publish(api, bob)
    comment = comment_on(api, bob, guid)
    minimum = alice.token()
    for path, comment_guid in paths(guid, comment):
        api.get(path, minimum, status=200)
        error(api.post(path, minimum), 403, "insufficient_scope")
        error(api.delete(path, minimum), 403, "insufficient_scope")
        for method in (api.get, api.post, api.delete):
            error(method(path), 403, "Unauthorized user")
            response = method(path, RANDOM, status=401)
            assert response.json["error"] == "invalid_token"
        assert counts(api, guid, comment_guid) == 0
