"""The seven streams (API_V1.md §6.16), on the web streams' own queries so both agree.

Newest first by the time pager, without a ``previous`` link as in diaspora*. Without
private:read a stream holds public posts only.
"""
from __future__ import annotations

import json

from ...posts.models import Post
from ...streams import services
from .. import params as p
from ..auth import api_view, has_scope
from ..errors import ApiError
from ..paging import time_page
from ..presenters.posts import present_posts

PUBLIC = ("public:read",)
ASPECT_IDS_FORMAT = "aspect_ids must be a JSON array of aspect ids, like [1,2]"
ASPECT_IDS_NOT_YOURS = "aspect_ids may only name your own aspects"


def stream_page(request, query, at=Post.created_at) -> list[dict]:
    if not has_scope(request, "private:read"):
        query = services.public_only(query)
    posts = time_page(request, request.dbsession, query, at, Post.id, previous=False)
    return present_posts(request, posts)


def requested_aspect_ids(raw) -> list[int] | None:
    """``aspect_ids`` as diaspora* takes it, a JSON array in the query string (``[1,2]``), or
    as ``aspect_ids[]=`` values; None (every aspect) when absent or empty."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(422, ASPECT_IDS_FORMAT) from None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        raise ApiError(422, ASPECT_IDS_FORMAT)
    ids = []
    for value in raw:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
            number = int(value)
        if number is None:
            raise ApiError(422, ASPECT_IDS_FORMAT)
        ids.append(number)
    return ids or None


@api_view(route_name="api.streams_main", request_method="GET", scopes=PUBLIC)
def main_stream(request):
    return stream_page(request, services.main_stream(request.user))


@api_view(route_name="api.streams_activity", request_method="GET", scopes=PUBLIC)
def activity_stream(request):
    return stream_page(request, services.activity_stream(request.user), at=Post.interacted_at)


@api_view(route_name="api.streams_aspects", request_method="GET",
          scopes=("public:read", "contacts:read", "private:read"))
def aspects_stream(request):
    ids = requested_aspect_ids(p.params(request).get("aspect_ids"))
    try:
        chosen = services.chosen_aspect_ids(request.user, [] if ids is None else ids)
    except services.StreamError:
        raise ApiError(422, ASPECT_IDS_NOT_YOURS) from None
    return stream_page(request, services.aspects_stream(request.user, chosen))


@api_view(route_name="api.streams_tags", request_method="GET", scopes=("public:read", "tags:read"))
def tags_stream(request):
    return stream_page(request, services.followed_tags_stream(request.user))


@api_view(route_name="api.streams_mentions", request_method="GET", scopes=PUBLIC)
def mentions_stream(request):
    return stream_page(request, services.mentions_stream(request.user))


@api_view(route_name="api.streams_liked", request_method="GET", scopes=PUBLIC)
def liked_stream(request):
    return stream_page(request, services.liked_stream(request.user))


@api_view(route_name="api.streams_commented", request_method="GET", scopes=PUBLIC)
def commented_stream(request):
    return stream_page(request, services.commented_stream(request.user))
