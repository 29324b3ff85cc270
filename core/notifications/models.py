"""In-app notifications and each user's email switches.

Like diaspora*, a notification groups its actors: one row per (recipient, kind, target),
with every person who caused it in ``notification_actors``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.keys import new_guid
from ..accounts.models import Person
from ..db import Base, UTCDateTime, utcnow

# Every kind, in the order the settings page lists them.
KINDS = (
    "started_sharing",
    "mentioned",
    "mentioned_in_comment",
    "comment_on_post",
    "also_commented",
    "liked",
    "liked_comment",
    "reshared",
    "private_message",
    "contacts_birthday",
)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_id_updated_at_id", "recipient_id", "updated_at", "id"),
        Index("ix_notifications_recipient_id_unread", "recipient_id", "unread"),
        Index("ix_notifications_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # How API clients name a notification (diaspora*'s API addresses them by guid).
    guid: Mapped[str] = mapped_column(String(255), unique=True, default=new_guid)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # "Post", "Comment" or "Person": what the notification is about.
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    unread: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actors: Mapped[list["NotificationActor"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin", order_by="NotificationActor.created_at")


class NotificationActor(Base):
    __tablename__ = "notification_actors"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class EmailOptOut(Base):
    """The user switched off email for one kind of notification (all kinds mail by default)."""

    __tablename__ = "email_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
