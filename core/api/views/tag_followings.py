"""Followed tags (API_V1.md §6.14)."""
from __future__ import annotations

import re

from ...streams.services import StreamError, TagService, normalize_tag_name
from .. import params as p
from ..auth import api_view
from ..errors import ApiError, empty

# diaspora* strips what can't be in a tag: "#Cats!" follows "cats".
PUNCTUATION = re.compile(r"[^\w-]")


def tags(request) -> TagService:
    return TagService(request.dbsession, request.registry.pod)


@api_view(route_name="api.tag_followings", request_method="GET", scopes=("tags:read",))
def followed_tags(request):
    return [tag.name for tag in tags(request).followed(request.user)]


@api_view(route_name="api.tag_followings", request_method="POST", scopes=("tags:modify",))
def follow_tag(request):
    failed = ApiError(422, "Failed to process the tag followings request")
    raw = p.text(p.params(request).get("name"))
    try:
        name = normalize_tag_name(PUNCTUATION.sub("", raw or ""))
    except StreamError:
        raise failed from None
    if not name:
        raise failed
    if tags(request).follows(request.user, name):
        raise ApiError(409, "Already following this tag")
    tags(request).follow(request.user, name)
    return empty()


@api_view(route_name="api.tag_following", request_method="DELETE", scopes=("tags:modify",))
def unfollow_tag(request):
    name = request.matchdict["tag_name"]
    try:
        following = tags(request).follows(request.user, name)
    except StreamError:
        following = False
    if not following:
        raise ApiError(410, "Not following this tag")
    tags(request).unfollow(request.user, name)
    return empty()
