"""Creating and reading notifications. Other domains call ``notify``; nothing else writes rows."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..aspects.models import Block
from ..db import utcnow
from .models import KINDS, Notification, NotificationActor


def notify(dbsession: Session, *, kind: str, recipient_id: int, actor_id: int,
           target_type: str, target_id: int, enqueue=None) -> Notification | None:
    """Tell the user ``recipient_id`` that the person ``actor_id`` did ``kind`` to a target.

    Actors are grouped into one unread notification per (recipient, kind, target). Nothing
    is created for one's own actions or for actors the recipient blocked. ``enqueue`` is
    ``request.enqueue`` or a job's ``ctx.enqueue``; with it, the recipient is mailed after
    commit unless they switched that kind off. Returns the notification, or None.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    from ..accounts.models import Person

    recipient_person = dbsession.scalar(sa.select(Person.id).where(Person.user_id == recipient_id))
    if recipient_person == actor_id:
        return None
    blocked = dbsession.scalar(sa.select(Block.id).where(Block.user_id == recipient_id, Block.person_id == actor_id))
    if blocked is not None:
        return None
    now = utcnow()
    notification = dbsession.scalar(sa.select(Notification).where(
        Notification.recipient_id == recipient_id, Notification.kind == kind,
        Notification.target_type == target_type, Notification.target_id == target_id))
    if notification is None:
        notification = Notification(recipient_id=recipient_id, kind=kind, target_type=target_type,
                                    target_id=target_id, created_at=now)
        dbsession.add(notification)
    notification.unread = True
    notification.updated_at = now
    if all(actor.person_id != actor_id for actor in notification.actors):
        notification.actors.append(NotificationActor(person_id=actor_id, created_at=now))
    dbsession.flush()
    return notification


def unread_count(dbsession: Session, user_id: int) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.unread.is_(True))) or 0
