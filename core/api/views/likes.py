"""Likes of a post and of a comment (API_V1.md §6.5): singular resources, so GET lists the
likes, POST likes and DELETE takes the caller's like back."""
from __future__ import annotations

import sqlalchemy as sa

from ...aspects.models import Block
from ...posts.models import Like
from ...posts.services import PostError
from ..auth import api_view
from ..errors import ApiError, empty
from ..paging import page_of
from ..presenters.people import short_profile
from .interactions import INTERACT, find_comment, find_post, interactions

NOT_ALLOWED = "User is not allowed to like"


def liked_target(request):
    """(post, comment or None) of the path. A limited post the token may not read is a 422
    here, where comments and the post itself answer 404: diaspora* does so."""
    post = find_post(request, limited=ApiError(422, NOT_ALLOWED))
    comment = find_comment(request, post) if "comment_guid" in request.matchdict else None
    return post, comment


def list_likes(request):
    """The caller's own like first, then the others oldest first; likes by people the caller
    blocked are left out, as on the post's page."""
    post, comment = liked_target(request)
    me = request.user.person.id
    target = Like.comment_id == comment.id if comment is not None else Like.post_id == post.id
    blocked = sa.select(Block.person_id).where(Block.user_id == request.user.id)
    query = (sa.select(Like).where(target, Like.author_id.not_in(blocked))
             .order_by(sa.case((Like.author_id == me, 0), else_=1), Like.created_at, Like.id))
    return [{"guid": like.guid, "author": short_profile(request, like.author)}
            for like in page_of(request, request.dbsession, query)]


def like(request):
    post, comment = liked_target(request)
    service = interactions(request)
    if service.like_of(request.user, post=post, comment=comment) is not None:
        raise ApiError(409, "Like already exists")
    try:
        if comment is not None:
            service.like_comment(request.user, comment, enqueue=request.enqueue)
        else:
            service.like_post(request.user, post, enqueue=request.enqueue)
            # Liking a post follows it (and lifts a mute), as in diaspora*.
            service.subscribe(request.user, post)
    except PostError:
        raise ApiError(422, NOT_ALLOWED) from None
    return empty()


def unlike(request):
    post, comment = liked_target(request)
    service = interactions(request)
    if service.like_of(request.user, post=post, comment=comment) is None:
        raise ApiError(410, "Like doesn\u2019t exist")
    if comment is not None:
        service.unlike_comment(request.user, comment, enqueue=request.enqueue)
    else:
        service.unlike_post(request.user, post, enqueue=request.enqueue)
    return empty()


# The same three actions answer for a post's likes and for a comment's.

@api_view(route_name="api.post_likes", request_method="GET", scopes=("public:read",))
def list_post_likes(request):
    return list_likes(request)


@api_view(route_name="api.post_comment_likes", request_method="GET", scopes=("public:read",))
def list_comment_likes(request):
    return list_likes(request)


@api_view(route_name="api.post_likes", request_method="POST", scopes=INTERACT)
def like_post(request):
    return like(request)


@api_view(route_name="api.post_comment_likes", request_method="POST", scopes=INTERACT)
def like_comment(request):
    return like(request)


@api_view(route_name="api.post_likes", request_method="DELETE", scopes=INTERACT)
def unlike_post(request):
    return unlike(request)


@api_view(route_name="api.post_comment_likes", request_method="DELETE", scopes=INTERACT)
def unlike_comment(request):
    return unlike(request)
