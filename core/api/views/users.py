"""Other people (API_V1.md §6.13): their profile, posts and photos, the caller's contacts,
and blocking. Limited posts and photos show only to a token with private:read."""
from __future__ import annotations

from ...aspects.services import (AspectError, AspectService, aspects_holding, contact_for, contacts_query,
                                 is_blocked)
from ...people.services import person_by_guid, person_photos_query, person_posts_query, sees_extended_profile
from ...posts.models import Photo, Post
from ..auth import api_view, has_scope
from ..errors import ApiError, empty
from ..paging import page_of, time_page
from ..presenters.people import short_profile
from ..presenters.photos import present_photo
from ..presenters.posts import present_posts
from ..presenters.users import user as present_user

NOT_FOUND = "User not found"


def person_of_path(request):
    person = person_by_guid(request.dbsession, request.matchdict["person_guid"])
    if person is None:
        raise ApiError(404, NOT_FOUND)
    return person


def sees_limited(request) -> bool:
    return has_scope(request, "private:read")


@api_view(route_name="api.users_user", request_method="GET", scopes=("profile",))
def show_person(request):
    person = person_of_path(request)
    caller = request.user
    db = request.dbsession
    is_self = person.id == caller.person.id
    searchable = person.profile is None or person.profile.searchable
    # Someone who opted out of search is found only by a token that may read contacts.
    if not (searchable or is_self or has_scope(request, "contacts:read")):
        raise ApiError(404, NOT_FOUND)
    return present_user(request, person, details=sees_extended_profile(db, caller, person),
                        blocked=is_blocked(db, caller.id, person.id), contact=contact_for(db, caller.id, person.id),
                        aspects=aspects_holding(db, caller.id, person.id))


@api_view(route_name="api.users_contacts", request_method="GET", scopes=("contacts:read",))
def list_contacts(request):
    if request.matchdict["person_guid"] != request.user.guid:
        raise ApiError(404, NOT_FOUND)
    people = page_of(request, request.dbsession, contacts_query(request.user.id))
    return [short_profile(request, person) for person in people]


@api_view(route_name="api.users_photos", request_method="GET", scopes=("public:read",))
def list_photos(request):
    person = person_of_path(request)
    query = person_photos_query(request.user, person, sees_limited(request))
    photos = time_page(request, request.dbsession, query, Photo.created_at, Photo.id)
    return [present_photo(request, photo) for photo in photos]


@api_view(route_name="api.users_posts", request_method="GET", scopes=("public:read",))
def list_posts(request):
    person = person_of_path(request)
    query = person_posts_query(request.user, person, sees_limited(request))
    return present_posts(request, time_page(request, request.dbsession, query, Post.created_at, Post.id))


def aspects(request) -> AspectService:
    return AspectService(request.dbsession, request.registry.pod)


@api_view(route_name="api.users_block", request_method="POST", scopes=("public:read", "contacts:modify"))
def block(request):
    person = person_of_path(request)
    if is_blocked(request.dbsession, request.user.id, person.id):
        raise ApiError(409, "User is already blocked")
    try:
        aspects(request).block(request.user, person, enqueue=request.enqueue)
    except AspectError:  # the caller themselves
        raise ApiError(422, "Failed to block the user") from None
    return empty(201)


@api_view(route_name="api.users_block", request_method="DELETE", scopes=("public:read", "contacts:modify"))
def unblock(request):
    person = person_of_path(request)
    if not is_blocked(request.dbsession, request.user.id, person.id):
        raise ApiError(410, "User is not blocked")
    aspects(request).unblock(request.user, person, enqueue=request.enqueue)
    return empty()
