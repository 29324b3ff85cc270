"""Views of photos: uploads, photo pages and the files themselves."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from ..accounts.models import Person
from ..accounts.views import safe_next
from ..streams.paging import BadCursor, Cursor, keyset
from .models import Photo, Post
from .photos import ALT_TEXT_MAX, CONTENT_TYPES, PhotoError, PhotoService, photo_url, split_file_name, uploads_dir
from .visibility import can_see_photo, not_blocked, visible_to

PHOTOS_PER_PAGE = 24


def photo_service(request) -> PhotoService:
    return PhotoService(request.dbsession, request.registry.pod)


def wants_json(request) -> bool:
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def visible_photo(request, guid: str) -> Photo:
    photo = request.dbsession.scalar(sa.select(Photo).where(Photo.guid == guid))
    if not can_see_photo(request.dbsession, request.user, photo):
        raise HTTPNotFound()
    return photo


@view_config(route_name="photo_file", request_method="GET")
def photo_file(request):
    parts = split_file_name(request.matchdict["file_name"])
    if parts is None:
        raise HTTPNotFound()
    photo = request.dbsession.scalar(
        sa.select(Photo).where(Photo.file_name == parts[1], Photo.remote_photo_path.is_(None)))
    if not can_see_photo(request.dbsession, request.user, photo):
        raise HTTPNotFound()
    path = uploads_dir(request.registry.pod) / request.matchdict["file_name"]
    if not path.is_file():
        raise HTTPNotFound()
    ext = path.suffix.lstrip(".")
    response = FileResponse(str(path), request=request, content_type=CONTENT_TYPES[ext])
    # A file's content never changes (a new upload gets a new name); only who may see it does.
    visible_to_all = photo.public and not photo.pending
    response.headers["Cache-Control"] = "public, max-age=86400" if visible_to_all else "private, max-age=3600"
    return response


def upload_page(request, error: str | None = None, alt: str = "") -> dict:
    return {"page_title": "Upload a photo", "error": error, "alt": alt, "alt_max": ALT_TEXT_MAX,
            "next": safe_next(request, "")}


@view_config(route_name="photo_create", request_method="GET", permission="use",
             renderer="core:templates/photos/upload.pt")
def photo_upload_form(request):
    return upload_page(request)


@view_config(route_name="photo_create", request_method="POST", permission="use",
             renderer="core:templates/photos/upload.pt")
def photo_create(request):
    alt = request.POST.get("alt", "")
    field = request.POST.get("photo")
    try:
        if getattr(field, "file", None) is None:
            raise PhotoError("Choose a photo to upload.")
        # One byte over the limit is enough to refuse: the rest is never read into memory.
        data = field.file.read(request.registry.pod.settings["photos.max_bytes"] + 1)
        photo = photo_service(request).upload(request.user, data, alt)
    except PhotoError as exc:
        if wants_json(request):
            return Response(json_body={"error": exc.message}, status=400)
        request.response.status = 400
        return upload_page(request, error=exc.message, alt=alt)
    if wants_json(request):
        return Response(json_body={"guid": photo.guid, "url": photo_url(request, photo)})
    request.session.flash("Your photo was uploaded; it stays private until you post it.")
    return HTTPSeeOther(location=safe_next(request, "") or request.route_url("photo", guid=photo.guid))


@view_config(route_name="photo", request_method="GET", renderer="core:templates/photos/photo.pt")
def photo_page(request):
    photo = visible_photo(request, request.matchdict["guid"])
    post = request.dbsession.get(Post, photo.post_id) if photo.post_id else None
    own = request.user is not None and photo.author_id == request.user.person.id
    return {"page_title": photo.text or "Photo", "photo": photo, "post": post, "own": own,
            "full_url": photo_url(request, photo), "original_url": photo_url(request, photo, None)}


@view_config(route_name="photo_delete", request_method="POST", permission="use")
def photo_delete(request):
    photo = request.dbsession.scalar(sa.select(Photo).where(
        Photo.guid == request.matchdict["guid"], Photo.author_id == request.user.person.id))
    if photo is None:
        raise HTTPNotFound()
    photo_service(request).delete(photo)
    request.session.flash("The photo was deleted.")
    return HTTPSeeOther(location=request.route_url("person_photos", guid=request.user.guid))


def person_photos_query(viewer, person: Person) -> sa.Select:
    """The person's photos ``viewer`` may see: those of posts visible to them (the post rule of
    core.posts.visibility), plus the person's own pending uploads when the viewer is that person."""
    of_visible_post = Photo.post_id.in_(
        sa.select(Post.id).where(Post.author_id == person.id, visible_to(viewer), not_blocked(viewer)))
    conditions = [of_visible_post]
    if viewer is not None and viewer.person.id == person.id:
        conditions.append(Photo.pending.is_(True))
    return sa.select(Photo).where(Photo.author_id == person.id, sa.or_(*conditions))


@view_config(route_name="person_photos", request_method="GET", renderer="core:templates/photos/person_photos.pt")
def person_photos(request):
    person = request.dbsession.scalar(sa.select(Person).where(Person.guid == request.matchdict["guid"]))
    if person is None:
        raise HTTPNotFound()
    try:
        cursor = Cursor.decode(request.params.get("max"))
    except BadCursor:
        request.response.status = 400
        return {"page_title": f"Photos of {person.name}", "person": person, "photos": [], "older_url": None,
                "photo_url": photo_url, "error": "That page link is broken: go back to the first page of photos."}
    page = keyset(request.dbsession, person_photos_query(request.user, person), Photo.created_at, Photo.id,
                  cursor, PHOTOS_PER_PAGE)
    older_url = (request.route_url("person_photos", guid=person.guid, _query={"max": page.next_cursor})
                 if page.next_cursor else None)
    return {"page_title": f"Photos of {person.name}", "person": person, "photos": page.items,
            "older_url": older_url, "photo_url": photo_url, "error": None}
