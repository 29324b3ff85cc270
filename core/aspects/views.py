"""Views of aspects, contacts and blocks; thin: the logic lives in services."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..people.services import person_by_guid
from .services import AspectError, AspectService, contact_list, membership_counts

CONTACT_SETS = {
    "all": "Everyone",
    "sharing": "Only people sharing with you",
    "receiving": "Only people you share with",
}


def aspects(request) -> AspectService:
    return AspectService(request.dbsession, request.registry.pod)


def failed(request, status: int, values: dict) -> dict:
    request.response.status = status
    return values


def back_to(request, default: str) -> str:
    """Return to the page the form was on, when it is one of ours."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return default


# --- managing aspects ---------------------------------------------------------------

def manage_page(request, **values) -> dict:
    user = request.user
    return {"page_title": "Your aspects", "aspects": aspects(request).aspects(user),
            "counts": membership_counts(request.dbsession, user.id), "error": None, "new_name": "",
            **values}


@view_config(route_name="aspects_manage", request_method="GET", permission="use",
             renderer="core:templates/aspects/manage.pt")
def manage(request):
    return manage_page(request)


@view_config(route_name="aspect_create", request_method="POST", permission="use",
             renderer="core:templates/aspects/manage.pt")
def create(request):
    try:
        aspect = aspects(request).create(request.user, request.POST.get("name", ""))
    except AspectError as exc:
        return failed(request, 400, manage_page(request, error=exc.message, new_name=request.POST.get("name", "")))
    request.session.flash(f"Aspect “{aspect.name}” created.")
    return HTTPSeeOther(location=back_to(request, request.route_url("aspects_manage")))


def own_aspect(request):
    aspect = aspects(request).aspect(request.user, request.matchdict["id"])
    if aspect is None:
        raise HTTPNotFound()
    return aspect


@view_config(route_name="aspect_rename", request_method="POST", permission="use",
             renderer="core:templates/aspects/manage.pt")
def rename(request):
    aspect = own_aspect(request)
    try:
        aspects(request).rename(request.user, aspect, request.POST.get("name", ""))
    except AspectError as exc:
        return failed(request, 400, manage_page(request, error=exc.message))
    request.session.flash(f"Aspect renamed to “{aspect.name}”.")
    return HTTPSeeOther(location=request.route_url("aspects_manage"))


@view_config(route_name="aspect_order", request_method="POST", permission="use",
             renderer="core:templates/aspects/manage.pt")
def order(request):
    """Three ways in: a full order (``order`` ids, from scripts), or one aspect moved
    ``up``/``down`` or to a ``position`` (1 = first) by the plain form."""
    service = aspects(request)
    user = request.user
    try:
        if request.POST.getall("order"):
            service.reorder(user, request.POST.getall("order"))
        else:
            aspect = service.aspect(user, request.POST.get("aspect_id"))
            if aspect is None:
                raise AspectError("That aspect doesn't exist.")
            current = [each.id for each in service.aspects(user)].index(aspect.id)
            move = request.POST.get("move")
            if move == "up":
                target = current - 1
            elif move == "down":
                target = current + 1
            else:
                try:
                    target = int(request.POST.get("position", "")) - 1
                except ValueError:
                    raise AspectError("Give the position as a number, 1 for the first place.") from None
                if target < 0:
                    raise AspectError("Give the position as a number, 1 for the first place.")
            service.move(user, aspect, target)
    except AspectError as exc:
        return failed(request, 400, manage_page(request, error=exc.message))
    return HTTPSeeOther(location=request.route_url("aspects_manage"))


@view_config(route_name="aspect_delete", request_method="POST", permission="use")
def delete(request):
    aspect = own_aspect(request)
    name = aspect.name
    aspects(request).delete(request.user, aspect, enqueue=request.enqueue)
    request.session.flash(f"Aspect “{name}” deleted.")
    return HTTPSeeOther(location=request.route_url("aspects_manage"))


# --- contacts -------------------------------------------------------------------------

@view_config(route_name="contacts", request_method="GET", permission="use",
             renderer="core:templates/aspects/contacts.pt")
def contacts(request):
    user = request.user
    service = aspects(request)
    chosen = None
    if request.params.get("a"):
        chosen = service.aspect(user, request.params["a"])
        if chosen is None:
            raise HTTPNotFound()
    which = request.params.get("set", "all")
    if which not in CONTACT_SETS:
        which = "all"
    user_aspects = service.aspects(user)
    return {"page_title": "Contacts", "aspects": user_aspects, "chosen": chosen, "which": which,
            "sets": CONTACT_SETS, "counts": membership_counts(request.dbsession, user.id),
            "aspect_names": {aspect.id: aspect.name for aspect in user_aspects},
            "contacts": contact_list(request.dbsession, user.id, aspect_id=chosen.id if chosen else None, which=which)}


@view_config(route_name="person_aspects", request_method="POST", permission="use",
             renderer="core:templates/pages/error.pt")
def person_aspects(request):
    person = person_by_guid(request.dbsession, request.matchdict["guid"])
    if person is None:
        raise HTTPNotFound()
    try:
        contact = aspects(request).set_aspects(request.user, person, request.POST.getall("aspect_ids"),
                                               enqueue=request.enqueue)
    except AspectError as exc:
        return failed(request, 400, {"page_title": "Aspects not changed", "message": exc.message})
    if contact is not None and contact.receiving:
        request.session.flash(f"You share with {person.name} now.")
    else:
        request.session.flash(f"You no longer share with {person.name}.")
    return HTTPSeeOther(location=back_to(request, request.route_url("person", guid=person.guid)))


# --- blocks ---------------------------------------------------------------------------

@view_config(route_name="person_block", request_method="POST", permission="use",
             renderer="core:templates/pages/error.pt")
def block(request):
    person = person_by_guid(request.dbsession, request.matchdict["guid"])
    if person is None:
        raise HTTPNotFound()
    try:
        aspects(request).block(request.user, person, enqueue=request.enqueue)
    except AspectError as exc:
        return failed(request, 400, {"page_title": "Not blocked", "message": exc.message})
    request.session.flash(f"You blocked {person.name}: you won't see their posts, and you no longer share "
                          "with each other.")
    return HTTPSeeOther(location=back_to(request, request.route_url("person", guid=person.guid)))


@view_config(route_name="person_unblock", request_method="POST", permission="use")
def unblock(request):
    person = person_by_guid(request.dbsession, request.matchdict["guid"])
    if person is None:
        raise HTTPNotFound()
    aspects(request).unblock(request.user, person, enqueue=request.enqueue)
    request.session.flash(f"You unblocked {person.name}.")
    return HTTPSeeOther(location=back_to(request, request.route_url("person", guid=person.guid)))


@view_config(route_name="blocks", request_method="GET", permission="use",
             renderer="core:templates/aspects/blocks.pt")
def blocks(request):
    return {"page_title": "Blocked people", "blocks": aspects(request).blocks(request.user)}
