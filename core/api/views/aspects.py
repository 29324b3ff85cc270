"""Aspects and who is in them (API_V1.md §6.1, §6.2). Putting someone in an aspect starts
sharing with them, as on the web pages."""
from __future__ import annotations

from ...aspects.services import AspectError, AspectService, aspects_query, members_query
from ...people.services import person_by_guid
from .. import params as p
from ..auth import api_view
from ..errors import ApiError, empty
from ..paging import page_of
from ..presenters.people import short_profile
from ..presenters.users import aspect as present_aspect

NOT_FOUND = "Aspect with provided ID could not be found"


def aspects(request) -> AspectService:
    return AspectService(request.dbsession, request.registry.pod)


def own_aspect(request, failure: ApiError):
    """The caller's aspect of the path, or ``failure``: someone else's counts as unknown, and an
    id that is no number, or too big for one, is unknown too."""
    ident = p.integer(request.matchdict["aspect_id"])
    found = aspects(request).aspect(request.user, ident) if ident is not None else None
    if found is None:
        raise failure
    return found


def person_of(request, raw, failure: ApiError):
    guid = p.text(raw)
    person = person_by_guid(request.dbsession, guid) if guid else None
    if person is None:
        raise failure
    return person


# --- aspects ----------------------------------------------------------------------------

@api_view(route_name="api.aspects", request_method="GET", scopes=("contacts:read",))
def list_aspects(request):
    page = page_of(request, request.dbsession, aspects_query(request.user.id))
    return [present_aspect(each) for each in page]


@api_view(route_name="api.aspect", request_method="GET", scopes=("contacts:read",))
def show_aspect(request):
    return present_aspect(own_aspect(request, ApiError(404, NOT_FOUND)))


@api_view(route_name="api.aspects", request_method="POST", scopes=("contacts:modify",))
def create_aspect(request):
    failed = ApiError(422, "Failed to create the aspect")
    name = p.text(p.params(request).get("name"))
    if not name:
        raise failed
    try:
        created = aspects(request).create(request.user, name)
    except AspectError:
        raise failed from None
    return present_aspect(created)


@api_view(route_name="api.aspect", request_method=("PATCH", "PUT"), scopes=("contacts:modify",))
def update_aspect(request):
    found = own_aspect(request, ApiError(404, "Failed to update the aspect"))
    failed = ApiError(422, "Failed to update the aspect")
    given = p.params(request)
    position = None
    if "order" in given:
        position = p.integer(given["order"])
        if position is None:
            raise failed
    service = aspects(request)
    if "name" in given:
        name = p.text(given["name"])
        if name is None:
            raise failed
        try:
            service.rename(request.user, found, name)
        except AspectError:
            raise failed from None
    if position is not None:
        service.set_position(found, position)
    return present_aspect(found)


@api_view(route_name="api.aspect", request_method="DELETE", scopes=("contacts:modify",))
def delete_aspect(request):
    found = own_aspect(request, ApiError(422, "Failed to delete the aspect"))
    aspects(request).delete(request.user, found, enqueue=request.enqueue)
    return empty()


# --- members ----------------------------------------------------------------------------

@api_view(route_name="api.aspect_contacts", request_method="GET", scopes=("contacts:read",))
def list_members(request):
    found = own_aspect(request, ApiError(404, NOT_FOUND))
    people = page_of(request, request.dbsession, members_query(found.id))
    return [short_profile(request, person) for person in people]


@api_view(route_name="api.aspect_contacts", request_method="POST", scopes=("contacts:modify",))
def add_member(request):
    failed = ApiError(422, "Failed to add user to aspect")
    # As diaspora*: an unknown person is refused before the aspect is looked at.
    person = person_of(request, p.params(request).get("person_guid"), failed)
    found = own_aspect(request, ApiError(404, NOT_FOUND))
    try:
        aspects(request).add_member(request.user, found, person, enqueue=request.enqueue)
    except AspectError:
        raise failed from None
    return empty()


@api_view(route_name="api.aspect_contact", request_method="DELETE", scopes=("contacts:modify",))
def remove_member(request):
    missing = ApiError(404, "Aspect or contact on aspect not found")
    person = person_of(request, request.matchdict["person_guid"], ApiError(422, "Failed to remove user from aspect"))
    found = own_aspect(request, missing)
    try:
        aspects(request).remove_member(request.user, found, person, enqueue=request.enqueue)
    except AspectError:
        raise missing from None
    return empty()
