"""Views of people; thin: the logic lives in services."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..aspects.services import AspectService, aspect_ids_of, contact_for, is_blocked
from ..posts.models import Post
from ..posts.viewer import prime_post_viewers
from ..streams.paging import BadCursor, Cursor, keyset
from ..text import render_markdown
from .services import (ProfileError, ProfileService, autocomplete_people, autocomplete_tags, person_by_guid,
                       person_by_username, posts_query, profile_tags, remote_person, search_people,
                       sees_extended_profile)


def failed(request, status: int, values: dict) -> dict:
    request.response.status = status
    return values


# --- person pages -----------------------------------------------------------------------

def person_page(request, person):
    viewer = request.user
    dbsession = request.dbsession
    try:
        cursor = Cursor.decode(request.params.get("max"))
    except BadCursor:
        request.response.status = 400
        return {"page_title": "Bad page", "message": "That link to older posts is broken; start again from the "
                                                     "newest posts."}
    page = keyset(dbsession, posts_query(viewer, person), Post.created_at, Post.id, cursor)
    prime_post_viewers(request, page.items)
    is_self = viewer is not None and viewer.person.id == person.id
    values = {
        "page_title": person.name, "person": person, "profile": person.profile, "tags": profile_tags(person.profile),
        "extended": sees_extended_profile(dbsession, viewer, person), "render_markdown": render_markdown,
        "posts": page.items, "next_cursor": page.next_cursor, "is_self": is_self,
        "aspects": [], "member_of": set(), "blocked": False, "contact": None,
    }
    if viewer is not None and not is_self:
        values.update(aspects=AspectService(dbsession, request.registry.pod).aspects(viewer),
                      member_of=aspect_ids_of(dbsession, viewer.id, person.id),
                      blocked=is_blocked(dbsession, viewer.id, person.id),
                      contact=contact_for(dbsession, viewer.id, person.id))
    return values


@view_config(route_name="person", request_method="GET", renderer="core:templates/people/person.pt")
@view_config(route_name="user_profile", request_method="GET", renderer="core:templates/people/person.pt")
def person(request):
    """A person's page, by guid (`/people/<guid>`) or by a local username (`/u/<username>`)."""
    match = request.matchdict
    found = (person_by_guid(request.dbsession, match["guid"]) if "guid" in match
             else person_by_username(request.dbsession, match["username"]))
    if found is None:
        raise HTTPNotFound()
    values = person_page(request, found)
    if "message" in values:
        request.override_renderer = "core:templates/pages/error.pt"
    return values


# --- profile editing --------------------------------------------------------------------

def profile_form(request, **values) -> dict:
    profile = ProfileService(request.dbsession, request.registry.pod).profile_of(request.user)
    return {"page_title": "Edit your profile", "profile": profile, "error": None, "field": None,
            "values": None, **values}


@view_config(route_name="profile_edit", request_method="GET", permission="use",
             renderer="core:templates/people/profile_edit.pt")
def profile_edit_form(request):
    return profile_form(request)


@view_config(route_name="profile_edit", request_method="POST", permission="use",
             renderer="core:templates/people/profile_edit.pt")
def profile_edit(request):
    service = ProfileService(request.dbsession, request.registry.pod)
    try:
        service.update(request.user, request.POST, enqueue=request.enqueue)
        upload = request.POST.get("avatar")
        if getattr(upload, "file", None) is not None and getattr(upload, "filename", ""):
            save_avatar(request, service, upload)
    except ProfileError as exc:
        return failed(request, 400, profile_form(request, error=exc.message, field=exc.field, values=request.POST))
    request.session.flash("Your profile was updated.")
    return HTTPSeeOther(location=request.route_url("profile_edit"))


def save_avatar(request, service: ProfileService, upload) -> None:
    from ..posts import photos

    data = upload.file.read(request.registry.pod.settings["photos.max_bytes"] + 1)
    try:
        photo = photos.PhotoService(request.dbsession, request.registry.pod).upload(
            request.user, data, alt_text=f"{request.user.person.name}'s avatar")
    except photos.PhotoError as exc:
        raise ProfileError(exc.message, "avatar") from None
    service.set_avatar(request.user, photo, photos.photo_urls(request, photo), enqueue=request.enqueue)


# --- search -----------------------------------------------------------------------------

@view_config(route_name="search", request_method="GET", renderer="core:templates/people/search.pt")
def search(request):
    q = (request.params.get("q") or "").strip()
    if q.startswith("#"):
        name = q.lstrip("#").strip().lower()
        if name:
            return HTTPSeeOther(location=request.route_url("tag", name=name))
        q = ""
    people = search_people(request.dbsession, request.user, q)
    if not people:
        found = remote_person(request.dbsession, request.registry.pod, request.user, q)
        people = [found] if found is not None else []
    tags = autocomplete_tags(request.dbsession, q) if q else []
    return {"page_title": f"People matching “{q}”" if q else "Search", "q": q, "people": people, "tags": tags}


def avatar_url(request, person) -> str | None:
    profile = person.profile
    return profile.image_url_small if profile is not None and profile.image_url_small else None


@view_config(route_name="people_autocomplete", request_method="GET", permission="use", renderer="json")
def people_autocomplete(request):
    people = autocomplete_people(request.dbsession, request.user, request.params.get("q", ""))
    return [{"name": person.name, "diaspora_id": person.diaspora_id, "guid": person.guid,
             "avatar": avatar_url(request, person)} for person in people]


@view_config(route_name="tags_autocomplete", request_method="GET", renderer="json")
def tags_autocomplete(request):
    return [{"name": name} for name in autocomplete_tags(request.dbsession, request.params.get("q", ""))]

