"""Jobs of notifications: mails and the daily birthday check."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..db import utcnow
from ..jobs import Periodic, job
from ..mail import send_email
from .models import Notification
from .services import QUOTE_LENGTH, NotificationService, notify_birthdays, wants_email


@job(queue="mail")
def send_notification_mail(ctx, notification_id: int, actor_id: int) -> None:
    """Mail the recipient that ``actor_id`` joined the notification, unless it was read or
    deleted meanwhile, the kind was switched off, or its target is gone."""
    notification = ctx.dbsession.get(Notification, notification_id)
    if notification is None or not notification.unread:
        return
    user = ctx.dbsession.scalar(sa.select(User).where(User.id == notification.recipient_id))
    if user is None or not wants_email(ctx.dbsession, user.id, notification.kind):
        return
    item = NotificationService(ctx.dbsession, ctx.pod).item(user, notification_id, actor_id)
    if item is None or (notification.target_type != "Person" and not item.target.exists):
        return
    subject, body = compose(ctx.pod, user, item)
    send_email(ctx, user.email, subject, body)


def compose(pod, user: User, item) -> tuple[str, str]:
    """The subject and plain-text body of a notification mail."""
    sentence = item.sentence
    subject = sentence.rstrip(".")
    lines = [f"Hello {user.username},", "", sentence]
    quote = quotable_text(item)
    if quote:
        lines += ["", *(f"> {line}" for line in quote.splitlines())]
    link = item.target.url or f"/people/{item.actors[0].guid}"
    lines += ["", f"See it on {pod.name}:", pod.url + link, "",
              f"To choose which notifications are mailed to you: {pod.url}/user/notifications", ""]
    return subject, "\n".join(lines)


def quotable_text(item) -> str:
    """A short quote of the text, only from a public post: limited content stays on the pod."""
    post = item.target.post
    if post is None or not post.public or not item.target.text or item.kind == "private_message":
        return ""
    text = item.target.text.strip()
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH].rstrip() + "…"


@job()
def check_birthdays(ctx) -> None:
    """Daily: tell users about their contacts' birthdays today (UTC)."""
    notify_birthdays(ctx.dbsession, utcnow().date(), enqueue=ctx.enqueue)


PERIODIC = [Periodic(check_birthdays, every=86400)]
