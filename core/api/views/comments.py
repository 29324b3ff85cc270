"""Comments on a post, and reporting one (API_V1.md §6.4)."""
from __future__ import annotations

import sqlalchemy as sa

from ...aspects.models import Block
from ...posts.models import Comment
from ...posts.services import PostError
from .. import params as p
from ..auth import api_view
from ..errors import ApiError, empty
from ..paging import time_page
from ..presenters.posts import present_comment, present_comments
from .interactions import INTERACT, find_comment, find_post, interactions


@api_view(route_name="api.post_comments", request_method="GET", scopes=("public:read",))
def list_comments(request):
    """Oldest first by default; ``before`` walks back from the newest before the cursor.
    Comments by people the caller blocked are left out, as on the post's page."""
    post = find_post(request)
    blocked = sa.select(Block.person_id).where(Block.user_id == request.user.id)
    query = sa.select(Comment).where(Comment.post_id == post.id, Comment.author_id.not_in(blocked))
    comments = time_page(request, request.dbsession, query, Comment.created_at, Comment.id, default="after")
    return present_comments(request, comments)


@api_view(route_name="api.post_comments", request_method="POST", scopes=INTERACT)
def create_comment(request):
    post = find_post(request)
    body = p.text(p.params(request).get("body"))
    if p.blank(body):
        raise ApiError(422, "param is missing or the value is empty: body")
    service = interactions(request)
    try:
        comment = service.comment(request.user, post, body, enqueue=request.enqueue)
    except PostError:
        raise ApiError(422, "User is not allowed to comment") from None
    # Commenting follows the post (and lifts a mute), as in diaspora*.
    service.subscribe(request.user, post)
    request.response.status = 201
    return present_comment(request, comment)


@api_view(route_name="api.post_comment", request_method="DELETE", scopes=INTERACT)
def delete_comment(request):
    comment = find_comment(request, find_post(request))
    try:
        interactions(request).delete_comment(request.user, comment, enqueue=request.enqueue)
    except PostError:
        raise ApiError(403, "User not allowed to delete the comment") from None
    return empty()


@api_view(route_name="api.post_comment_report", request_method="POST", scopes=("public:read",))
def report_comment(request):
    comment = find_comment(request, find_post(request))
    reason = p.text(p.params(request).get("reason"))
    if p.blank(reason):
        raise ApiError(422, "param is missing or the value is empty: reason")
    service = interactions(request)
    if service.has_reported(request.user, "Comment", comment.id):
        raise ApiError(409, "This item already has been reported by this user")
    try:
        service.report(request.user, "Comment", comment.id, reason, enqueue=request.enqueue)
    except PostError as exc:
        raise ApiError(422, exc.message) from None
    return empty()
