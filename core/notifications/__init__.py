"""Notifications: the in-app list, its unread count, and email per kind."""

from .services import unread_count


def includeme(config):
    config.add_route("notifications", "/notifications")
    config.add_route("notifications_read", "/notifications/read")
    config.add_route("notification_read", "/notifications/{id:\\d+}/read")
    config.add_route("notification_settings", "/user/notifications")

    def unread_notifications(request) -> int:
        return unread_count(request.dbsession, request.user.id) if request.user else 0

    config.add_request_method(unread_notifications, reify=True)
    config.scan(".views")
