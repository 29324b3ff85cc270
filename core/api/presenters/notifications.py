"""Notifications as the API shows them (``notification``)."""
from __future__ import annotations

from ...notifications.services import Item
from ..paging import iso
from .people import short_profile


def present_notification(request, item: Item) -> dict:
    """One ``notification``. ``target`` is the post it is about (for a comment, the comment's
    post), left out when it is about no post or the caller may no longer see it."""
    notification = item.notification
    shown = {
        "guid": notification.guid,
        "type": notification.kind,
        "read": not notification.unread,
        "created_at": iso(notification.created_at),
        "event_creators": [short_profile(request, person) for person in item.actors],
    }
    post = item.target.post
    if post is not None:
        shown["target"] = {"guid": post.guid, "author": short_profile(request, post.author)}
    return shown
