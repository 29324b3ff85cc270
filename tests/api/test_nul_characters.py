"""A NUL character can't be stored in any text column (PostgreSQL refuses it), so every
endpoint refuses one in a parameter with a 422 and changes nothing; an id holding one in the
path is simply not found."""
from __future__ import annotations

import sqlalchemy as sa

from core.admin.models import Report
from core.aspects.models import Aspect
from core.posts.interactions import InteractionService
from core.posts.models import Post
from core.posts.services import Draft, PostService
from tests.api.conftest import error

NUL_TEXT = "a\u0000b"
MESSAGE = "Text may not contain NUL characters"
EVERYTHING = ("openid public:read public:modify private:read private:modify contacts:read contacts:modify "
              "profile profile:modify conversations interactions notifications tags:read tags:modify")


def test_nul_in_a_body_or_a_path_is_refused(api):
    alice = api.user("alice")
    token = alice.token(EVERYTHING)
    with api.session() as session:
        aspect_id = session.scalar(sa.select(Aspect.id).where(Aspect.user_id == alice.id).limit(1))
        aspects_before = session.scalar(sa.select(sa.func.count()).select_from(Aspect))
        post = PostService(session, api.pod).create(alice.user(session), Draft(text="hello", visibility="public"))
        comment = InteractionService(session, api.pod).comment(alice.user(session), post, "first")
        post_guid, comment_guid = post.guid, comment.guid
    refused = [
        api.post("/aspects", token, json_body={"name": NUL_TEXT}),
        api.patch(f"/aspects/{aspect_id}", token, json_body={"name": NUL_TEXT}),
        api.post(f"/aspects/{aspect_id}/contacts", token, json_body={"person_guid": NUL_TEXT}),
        api.post("/posts", token, json_body={"body": NUL_TEXT, "public": True}),
        api.post("/posts", token, json_body={"body": "hi", "public": True,
                                             "location": {"address": NUL_TEXT, "lat": 1, "lng": 2}}),
        api.post("/conversations", token, json_body={"subject": NUL_TEXT, "body": "b", "recipients": ["x"]}),
        api.patch("/user", token, json_body={"bio": NUL_TEXT}),
        api.patch("/user", token, params={"name": NUL_TEXT}),
        api.get("/search/users", token, params={"name_or_handle": NUL_TEXT}),
        api.get("/search/posts", token, params={"tag": NUL_TEXT}),
        api.get("/search/tags", token, params={"query": NUL_TEXT}),
        api.get("/streams/aspects", token, params={"aspect_ids": "[1\u0000]"}),
        api.post(f"/posts/{post_guid}/comments", token, json_body={"body": NUL_TEXT}),
        api.post(f"/posts/{post_guid}/report", token, json_body={"reason": NUL_TEXT}),
        api.post(f"/posts/{post_guid}/comments/{comment_guid}/report", token, json_body={"reason": NUL_TEXT}),
    ]
    for response in refused:
        error(response, 422, MESSAGE)
    with api.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Aspect)) == aspects_before
    assert api.get("/user", token).json.get("bio", "") == ""
    with api.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
        assert session.scalar(sa.select(Post.comments_count).where(Post.guid == post_guid)) == 1


def test_an_id_holding_nul_in_the_path_is_not_found(api):
    token = api.user("alice").token(EVERYTHING)
    error(api.get("/users/a%00b", token), 404, "User not found")
    error(api.get("/posts/a%00b", token), 404, "Post with provided guid could not be found")
    error(api.delete("/tag_followings/a%00b", token), 410, "Not following this tag")
    error(api.get("/conversations/a%00b", token), 404, "Conversation with provided guid could not be found")
    error(api.delete("/aspects/1/contacts/a%00b", token), 422, "Failed to remove user from aspect")
    error(api.get("/notifications/a%00b", token), 404, "Notification with provided guid could not be found")
    error(api.get("/photos/a%00b", token), 404, "Photo with provided guid could not be found")


def test_scopes_are_checked_before_the_text(api):
    token = api.user("alice").token()
    error(api.post("/aspects", token, json_body={"name": NUL_TEXT}), 403, "insufficient_scope")
