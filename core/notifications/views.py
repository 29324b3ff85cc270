"""Views of notifications; thin: the logic lives in services."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..accounts.views import safe_next
from .models import KINDS
from .services import EMAIL_LABELS, FILTER_LABELS, NotificationError, NotificationService


def service(request) -> NotificationService:
    return NotificationService(request.dbsession, request.registry.pod)


def list_url(request, kind: str | None, unread_only: bool, **extra) -> str:
    query = {key: value for key, value in (("type", kind), ("show", "unread" if unread_only else None),
                                           *extra.items()) if value}
    return request.route_path("notifications", _query=query)


def list_page(request, kind: str | None, unread_only: bool, **values):
    """The list's frame: filter links by kind and unread, and where the forms come back to."""
    filters = [("All", list_url(request, None, unread_only), kind is None)]
    filters += [(FILTER_LABELS[k], list_url(request, k, unread_only), k == kind) for k in KINDS]
    return {"page_title": "Notifications", "kind": kind, "kind_label": FILTER_LABELS.get(kind),
            "unread_only": unread_only, "filters": filters, "items": [], "older_url": None, "error": None,
            "unread_url": list_url(request, kind, True), "all_url": list_url(request, kind, False),
            "here": list_url(request, kind, unread_only), **values}


@view_config(route_name="notifications", request_method="GET", permission="use",
             renderer="core:templates/notifications/index.pt")
def notifications(request):
    kind = request.params.get("type") or None
    unread_only = request.params.get("show") == "unread"
    try:
        page = service(request).page(request.user, kind=kind, unread_only=unread_only,
                                     cursor=request.params.get("before"))
    except NotificationError as exc:
        request.response.status = 400
        return list_page(request, None, unread_only, error=exc.message)
    older = list_url(request, kind, unread_only, before=page.next_cursor) if page.next_cursor else None
    return list_page(request, kind, unread_only, items=page.items, older_url=older)


@view_config(route_name="notification_read", request_method="POST", permission="use")
def mark_one_read(request):
    try:
        service(request).mark_read(request.user, int(request.matchdict["id"]))
    except LookupError:
        raise HTTPNotFound() from None
    return HTTPSeeOther(location=safe_next(request, request.route_path("notifications")))


@view_config(route_name="notifications_read", request_method="POST", permission="use",
             renderer="core:templates/notifications/index.pt")
def mark_all_read(request):
    kind = request.POST.get("type") or None
    try:
        count = service(request).mark_all_read(request.user, kind)
    except NotificationError as exc:
        request.response.status = 400
        return list_page(request, None, False, error=exc.message)
    what = f"notifications ({FILTER_LABELS[kind]})" if kind else "notifications"
    request.session.flash(f"Marked {count} {what} as read." if count else f"No unread {what} left.")
    return HTTPSeeOther(location=safe_next(request, list_url(request, kind, False)))


# --- email settings -----------------------------------------------------------------

def settings_page(request, emailed: set[str], **values):
    return {"page_title": "Notification settings", "kinds": KINDS, "labels": EMAIL_LABELS, "emailed": emailed,
            "error": None, **values}


@view_config(route_name="notification_settings", request_method="GET", permission="use",
             renderer="core:templates/notifications/settings.pt")
def settings_form(request):
    return settings_page(request, service(request).emailed_kinds(request.user))


@view_config(route_name="notification_settings", request_method="POST", permission="use",
             renderer="core:templates/notifications/settings.pt")
def save_settings(request):
    kinds = set(request.POST.getall("email"))
    try:
        service(request).set_emailed_kinds(request.user, kinds)
    except NotificationError as exc:
        request.response.status = 400
        return settings_page(request, service(request).emailed_kinds(request.user), error=exc.message)
    request.session.flash("Your email settings were saved.")
    return HTTPSeeOther(location=request.route_path("notification_settings"))
