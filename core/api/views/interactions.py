"""What the caller does with a post: subscribe, mute, hide, report, vote (API_V1.md §6.7).

``find_post`` and ``find_comment`` are also how comments and likes find what they act on.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...posts.interactions import InteractionService
from ...posts.models import Comment, Post
from ...posts.services import PostError
from ...posts.visibility import visible_post
from .. import params as p
from ..auth import api_view, has_scope
from ..errors import ApiError, empty
from .posts import path_guid

POST_NOT_FOUND = "Post with provided guid could not be found"
COMMENT_NOT_FOUND = "Comment not found for the given post"
INTERACT = ("public:read", "interactions")


def interactions(request) -> InteractionService:
    return InteractionService(request.dbsession, request.registry.pod)


def find_post(request, limited: ApiError | None = None) -> Post:
    """The post of the path if the caller may see it. Without private:read a limited post
    does not exist for the token (404), unless the endpoint answers ``limited`` instead."""
    guid = path_guid(request, "post_guid")
    post = visible_post(request.dbsession, request.user, guid) if guid else None
    if post is None:
        raise ApiError(404, POST_NOT_FOUND)
    if not post.public and not has_scope(request, "private:read"):
        raise limited or ApiError(404, POST_NOT_FOUND)
    return post


def find_comment(request, post: Post) -> Comment:
    """The comment of the path, when it belongs to ``post``."""
    guid = path_guid(request, "comment_guid")
    comment = request.dbsession.scalar(sa.select(Comment).where(
        Comment.guid == guid, Comment.post_id == post.id)) if guid else None
    if comment is None:
        raise ApiError(404, COMMENT_NOT_FOUND)
    return comment


@api_view(route_name="api.post_subscribe", request_method="POST", scopes=INTERACT)
def subscribe(request):
    post = find_post(request)
    service = interactions(request)
    if service.is_subscribed(request.user, post):
        raise ApiError(409, None)
    service.subscribe(request.user, post)
    return empty()


@api_view(route_name="api.post_mute", request_method="POST", scopes=INTERACT)
def mute(request):
    post = find_post(request)
    service = interactions(request)
    if not service.is_subscribed(request.user, post):
        raise ApiError(410, None)
    service.mute(request.user, post)
    return empty()


@api_view(route_name="api.post_hide", request_method="POST", scopes=INTERACT)
def hide(request):
    post = find_post(request)
    wanted = p.boolean(p.params(request).get("hide"))
    if wanted is None:
        raise ApiError(422, "Missing parameter")
    service = interactions(request)
    hidden = service.is_hidden(request.user, post)
    if wanted and hidden:
        raise ApiError(409, "Post already hidden")
    if not wanted and not hidden:
        raise ApiError(410, "Post not hidden")
    if wanted:
        service.hide(request.user, post)
    else:
        service.unhide(request.user, post)
    return empty()


@api_view(route_name="api.post_report", request_method="POST", scopes=INTERACT)
def report(request):
    failed = ApiError(422, "Failed to create report on this post")
    # The reason is checked before the post, as diaspora* does.
    reason = p.text(p.params(request).get("reason"))
    if p.blank(reason):
        raise failed
    post = find_post(request)
    service = interactions(request)
    if service.has_reported(request.user, "Post", post.id):
        raise ApiError(409, "Failed to create report on this post")
    try:
        service.report(request.user, "Post", post.id, reason, enqueue=request.enqueue)
    except PostError:
        raise failed from None
    return empty()


@api_view(route_name="api.post_vote", request_method="POST", scopes=INTERACT)
def vote(request):
    post = find_post(request)
    given = p.params(request)
    raw = given.get("poll_answer", given.get("poll_answer_id"))
    service = interactions(request)
    try:
        service.vote(request.user, post, p.integer(raw), enqueue=request.enqueue)
    except PostError:
        raise ApiError(422, "Cant vote on this post") from None
    # Voting follows the post, as commenting and liking do.
    service.subscribe(request.user, post)
    return empty()
