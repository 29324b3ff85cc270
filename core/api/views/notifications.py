"""Notifications (API_V1.md §6.10); everything needs ``notifications``."""
from __future__ import annotations

from ...notifications.models import Notification
from ...notifications.services import NotificationService
from .. import params as p
from ..auth import api_view
from ..errors import ApiError, empty
from ..paging import time_page
from ..presenters.notifications import present_notification

SCOPES = ("notifications",)
NOT_FOUND = "Notification with provided guid could not be found"
CANT_PROCESS = "Could not process the notifications request"


def service(request) -> NotificationService:
    return NotificationService(request.dbsession, request.registry.pod)


def list_filters(request) -> tuple[bool, object]:
    """``only_unread`` and ``only_after`` (a date, or a time); anything unreadable is a 422."""
    given = p.params(request)
    raw_unread = given.get("only_unread")
    only_unread = p.boolean(raw_unread) if not p.blank(raw_unread) else False
    if only_unread is None:
        raise ApiError(422, CANT_PROCESS)
    try:
        since = p.timestamp(given.get("only_after"))
    except (ValueError, OverflowError):
        raise ApiError(422, CANT_PROCESS) from None
    return only_unread, since


@api_view(route_name="api.notifications", request_method="GET", scopes=SCOPES)
def list_notifications(request):
    only_unread, since = list_filters(request)
    query = service(request).api_query(request.user, only_unread=only_unread, since=since)
    rows = time_page(request, request.dbsession, query, Notification.created_at, Notification.id)
    # The links follow the rows fetched; one whose every actor is blocked since is left out.
    return [present_notification(request, item) for item in service(request).present(request.user, rows)]


@api_view(route_name="api.notification", request_method="GET", scopes=SCOPES)
def show_notification(request):
    notification = service(request).by_guid(request.user, request.matchdict["notification_guid"])
    items = service(request).present(request.user, [notification]) if notification is not None else []
    if not items:
        raise ApiError(404, NOT_FOUND)
    return present_notification(request, items[0])


@api_view(route_name="api.notification", request_method=("PATCH", "PUT"), scopes=SCOPES)
def update_notification(request):
    # As in diaspora*, a missing ``read`` is refused before the notification is looked up.
    read = p.boolean(p.params(request).get("read"))
    if read is None:
        raise ApiError(422, CANT_PROCESS)
    notification = service(request).by_guid(request.user, request.matchdict["notification_guid"])
    if notification is None:
        raise ApiError(404, NOT_FOUND)
    service(request).set_read(notification, read)
    return empty()
