"""Followed tags through the API (API_V1.md §6.14)."""
from __future__ import annotations

from tests.api.conftest import error

READ = "openid public:read tags:read"
WRITE = "openid public:read tags:read tags:modify"


def test_follow_list_and_unfollow(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    assert api.get("/tag_followings", token).json == []
    assert api.post("/tag_followings", token, params={"name": "#Cats!"}, status=204).body == b""
    api.post("/tag_followings", token, params={"name": "dogs"}, status=204)
    assert api.get("/tag_followings", token).json == ["cats", "dogs"]
    api.delete("/tag_followings/cats", token, status=204)
    assert api.get("/tag_followings", token).json == ["dogs"]


def test_following_twice_is_a_conflict(api):
    token = api.user("alice").token(WRITE)
    api.post("/tag_followings", token, params={"name": "cats"}, status=204)
    error(api.post("/tag_followings", token, params={"name": "Cats"}), 409, "Already following this tag")


def test_a_missing_or_empty_name_is_refused(api):
    token = api.user("alice").token(WRITE)
    for given in ({}, {"name": ""}, {"name": "#!"}):
        error(api.post("/tag_followings", token, params=given), 422, "Failed to process the tag followings request")
    assert api.get("/tag_followings", token).json == []


def test_unfollowing_a_tag_not_followed_is_gone(api):
    token = api.user("alice").token(WRITE)
    error(api.delete("/tag_followings/cats", token), 410, "Not following this tag")


def test_scopes(api):
    alice = api.user("alice")
    minimum = alice.token()
    read_only = alice.token(READ)
    error(api.get("/tag_followings", minimum), 403, "insufficient_scope")
    error(api.post("/tag_followings", read_only, params={"name": "cats"}), 403, "insufficient_scope")
    error(api.delete("/tag_followings/cats", read_only), 403, "insufficient_scope")
    error(api.get("/tag_followings"), 403, "Unauthorized user")
