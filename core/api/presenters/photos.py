"""Photos: ``photo`` of /photos, and the {dimensions, sizes} a post carries."""
from __future__ import annotations

from ...posts.models import Photo
from ...posts.photos import photo_url
from ..paging import iso

# API size name -> the stored size it points at (None: the re-encoded original).
SIZE_FILES = {"small": "thumb_small", "medium": "thumb_medium", "large": "scaled_full", "raw": None}


def sizes(request, photo: Photo) -> dict:
    return {name: photo_url(request, photo, stored) for name, stored in SIZE_FILES.items()}


def dimensions(photo: Photo) -> dict:
    return {"height": photo.height, "width": photo.width}


def in_post(request, photo: Photo) -> dict:
    return {"dimensions": dimensions(photo), "sizes": sizes(request, photo)}


def present_photo(request, photo: Photo, post_guid: str | None = None) -> dict:
    """``post_guid`` is the guid of the post it is attached to, when the caller knows it."""
    shown = {"guid": photo.guid, "created_at": iso(photo.created_at), "dimensions": dimensions(photo),
             "sizes": sizes(request, photo)}
    if post_guid is None and photo.post_id is not None and photo.post is not None:
        post_guid = photo.post.guid
    if post_guid:
        shown["post"] = post_guid
    return shown
