"""Posts: read one, publish one, delete one (API_V1.md §6.3)."""
from __future__ import annotations

from ...posts.interactions import InteractionService
from ...posts.models import Post
from ...posts.services import Draft, PostError, PostService
from ...posts.visibility import visible_post
from .. import params as p
from ..auth import api_view, has_scope
from ..errors import ApiError, empty
from ..presenters.posts import present_post

NOT_FOUND = "Post with provided guid could not be found"
FAILED_CREATE = "Failed to create the post"
GUID_MAX = 255


def path_guid(request, key: str) -> str | None:
    """A guid from the path, or None when it can't be one (too long, or a NUL the database
    would choke on)."""
    guid = request.matchdict.get(key) or ""
    return guid if guid and len(guid) <= GUID_MAX and "\x00" not in guid else None


def found_post(request, key: str = "post_guid") -> Post | None:
    """The post the caller may see, or None; a limited one counts only with private:read."""
    guid = path_guid(request, key)
    post = visible_post(request.dbsession, request.user, guid) if guid else None
    if post is not None and not post.public and not has_scope(request, "private:read"):
        return None
    return post


@api_view(route_name="api.post", request_method="GET", scopes=("public:read",))
def show_post(request):
    post = found_post(request)
    if post is None:
        raise ApiError(404, NOT_FOUND)
    return present_post(request, post)


def optional_text(value, failed: ApiError) -> str | None:
    """A string parameter, None when absent; any other type is refused."""
    if value is None:
        return None
    text = p.text(value)
    if text is None:
        raise failed
    return text


def optional_list(value, failed: ApiError) -> list[str]:
    if value is None:
        return []
    items = p.string_list(value)
    if items is None:
        raise failed
    return items


def optional_hash(value, failed: ApiError) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise failed
    return value


def draft_from(request) -> Draft:
    """The API's parameters as the composer's draft; wrong types and a missing ``public`` are
    refused here, everything else by PostService.create's own checks."""
    failed = ApiError(422, FAILED_CREATE)
    given = p.params(request)
    public = p.boolean(given.get("public"))
    # Parsed before the scope check, so the string "false" can't pass for a public post.
    if public is None or (not public and not has_scope(request, "private:modify")):
        raise failed
    draft = Draft(text=optional_text(given.get("body"), failed) or "",
                  visibility="public" if public else "aspects",
                  aspect_ids=[] if public else optional_list(given.get("aspects"), failed),
                  photo_guids=optional_list(given.get("photos"), failed))
    poll = optional_hash(given.get("poll"), failed)
    if poll is not None:
        draft.poll_question = optional_text(poll.get("question"), failed) or ""
        draft.poll_answers = optional_list(poll.get("poll_answers"), failed)
    location = optional_hash(given.get("location"), failed)
    if location is not None:
        draft.location = optional_text(location.get("address"), failed) or ""
        draft.location_lat = optional_text(location.get("lat"), failed)
        draft.location_lng = optional_text(location.get("lng"), failed)
    return draft


@api_view(route_name="api.posts", request_method="POST", scopes=("public:modify",))
def create_post(request):
    draft = draft_from(request)
    try:
        post = PostService(request.dbsession, request.registry.pod).create(request.user, draft,
                                                                           enqueue=request.enqueue)
    except PostError:
        raise ApiError(422, FAILED_CREATE) from None
    return present_post(request, post)


@api_view(route_name="api.post", request_method="DELETE", scopes=("public:modify",))
def delete_post(request):
    guid = path_guid(request, "post_guid")
    post = visible_post(request.dbsession, request.user, guid) if guid else None
    if post is None:
        raise ApiError(404, NOT_FOUND)
    forbidden = ApiError(403, "Not allowed to delete the post")
    if post.author_id != request.user.person.id or (not post.public and not has_scope(request, "private:modify")):
        raise forbidden
    try:
        InteractionService(request.dbsession, request.registry.pod).delete(request.user, post,
                                                                          enqueue=request.enqueue)
    except PostError:
        raise forbidden from None
    return empty()
