"""Who reshared a post, and resharing it (API_V1.md §6.6)."""
from __future__ import annotations

import sqlalchemy as sa

from ...posts.interactions import InteractionService
from ...posts.models import RESHARE, Post
from ...posts.services import PostError, reshare_by
from ...posts.visibility import not_blocked, visible_post
from ..auth import api_view
from ..errors import ApiError
from ..paging import iso, page_of
from ..presenters.people import short_profile
from ..presenters.posts import present_post
from .posts import NOT_FOUND, path_guid

FAILED = "Failed to reshare"


def seen_post(request) -> Post | None:
    guid = path_guid(request, "post_guid")
    return visible_post(request.dbsession, request.user, guid) if guid else None


@api_view(route_name="api.post_reshares", request_method="GET", scopes=("public:read",))
def list_reshares(request):
    post = seen_post(request)
    if post is None:
        raise ApiError(404, NOT_FOUND)
    if not post.public:
        # Only public posts can be reshared: a limited one the caller sees has none.
        return []
    mine = sa.case((Post.author_id == request.user.person.id, 0), else_=1)
    query = (sa.select(Post).where(Post.root_id == post.id, Post.type == RESHARE, not_blocked(request.user))
             .order_by(mine, Post.created_at, Post.id))
    return [{"guid": reshare.guid, "created_at": iso(reshare.created_at),
             "author": short_profile(request, reshare.author)}
            for reshare in page_of(request, request.dbsession, query)]


@api_view(route_name="api.post_reshares", request_method="POST", scopes=("public:modify",))
def reshare(request):
    post = seen_post(request)
    if post is None or not post.public:
        raise ApiError(422, FAILED)
    if reshare_by(request.dbsession, request.user.person.id, post) is not None:
        raise ApiError(409, "Reshare already exists")
    try:
        made = InteractionService(request.dbsession, request.registry.pod).reshare(request.user, post,
                                                                                   enqueue=request.enqueue)
    except PostError:
        raise ApiError(422, FAILED) from None
    return present_post(request, made)
