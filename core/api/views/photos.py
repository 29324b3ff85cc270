"""The caller's photos: list, read, upload, delete (API_V1.md §6.11).

An uploaded photo is never public by itself: it waits for a post (``pending``) or stays the
caller's own until it becomes their avatar or joins a public post.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...people.services import ProfileService
from ...posts.models import Photo
from ...posts.photos import (PhotoError, PhotoService, is_public_photo, own_photo, own_photos_query,
                             photo_urls)
from ...posts.visibility import can_see_photo
from .. import params as p
from ..auth import api_view, has_scope
from ..errors import ApiError, empty
from ..paging import time_page
from ..presenters.photos import present_photo
from .posts import path_guid

NOT_FOUND = "Photo with provided guid could not be found"
FAILED_CREATE = "Failed to create the photo"


def photos(request) -> PhotoService:
    return PhotoService(request.dbsession, request.registry.pod)


@api_view(route_name="api.photos", request_method="GET", scopes=("public:read",))
def list_photos(request):
    query = own_photos_query(request.user, public_only=not has_scope(request, "private:read"))
    page = time_page(request, request.dbsession, query, Photo.created_at, Photo.id)
    return [present_photo(request, photo) for photo in page]


@api_view(route_name="api.photo", request_method="GET", scopes=("public:read",))
def show_photo(request):
    guid = path_guid(request, "photo_guid")
    photo = request.dbsession.scalar(sa.select(Photo).where(Photo.guid == guid)) if guid else None
    if not can_see_photo(request.dbsession, request.user, photo):
        raise ApiError(404, NOT_FOUND)
    if not is_public_photo(photo) and not has_scope(request, "private:read"):
        raise ApiError(404, NOT_FOUND)
    return present_photo(request, photo)


def flag(given: dict, name: str, failed: ApiError) -> bool:
    """An optional boolean parameter (false when absent); an unreadable one is refused."""
    if given.get(name) is None:
        return False
    value = p.boolean(given.get(name))
    if value is None:
        raise failed
    return value


@api_view(route_name="api.photos", request_method="POST", scopes=("public:modify",))
def upload_photo(request):
    failed = ApiError(422, FAILED_CREATE)
    given = p.params(request)
    pending = flag(given, "pending", failed)
    set_profile_photo = flag(given, "set_profile_photo", failed)
    # diaspora*'s rule: a photo for no aspect at all needs private:modify.
    if given.get("aspect_ids") is None and not has_scope(request, "private:modify"):
        raise failed
    image = request.POST.get("image") if request.content_type == "multipart/form-data" else None
    if getattr(image, "file", None) is None:
        raise failed
    # One byte over the limit is enough to refuse: the rest is never read into memory.
    data = image.file.read(request.registry.pod.settings["photos.max_bytes"] + 1)
    try:
        photo = photos(request).upload(request.user, data, pending=pending)
    except PhotoError:
        raise failed from None
    if set_profile_photo:
        ProfileService(request.dbsession, request.registry.pod).set_avatar(
            request.user, photo, photo_urls(request, photo), enqueue=request.enqueue)
    return present_photo(request, photo)


@api_view(route_name="api.photo", request_method="DELETE", scopes=("public:modify",))
def delete_photo(request):
    guid = path_guid(request, "photo_guid")
    photo = own_photo(request.dbsession, request.user, guid) if guid else None
    if photo is None or (not is_public_photo(photo) and not has_scope(request, "private:modify")):
        raise ApiError(404, NOT_FOUND)
    photos(request).delete(photo)
    return empty()
