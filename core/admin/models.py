from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class PluginState(Base):
    """A podmin's switch for one plugin, overriding the `plugins` setting."""

    __tablename__ = "plugin_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool]
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(Base):
    """A user reported a post or a comment to the pod's moderators (once per item)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("user_id", "item_type", "item_id"),
                      Index("ix_reports_reviewed_created_at", "reviewed", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "Post" or "Comment".
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What a moderator did about it: one of RESOLUTIONS.
    resolution: Mapped[str | None] = mapped_column(String(32))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


RESOLUTIONS = ("deleted", "dismissed", "author_locked", "author_closed", "pod_blocked")


class SiteSetting(Base):
    """A setting an admin changed from /admin; it overrides the ini file (not the environment)."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The setting's text as it would be written in the ini file.
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AdminMailing(Base):
    """One admin mail to a group of users, sent in batches by jobs.

    ``last_user_id`` is the keyset cursor: a batch mails users with a higher id, then moves it,
    so a retried batch never mails anyone twice.
    """

    __tablename__ = "admin_mailings"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # all, active_yearly, active_halfyear or active_monthly
    audience: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    is_html: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending, sending, done
    state: Mapped[str] = mapped_column(String(16), default="pending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    last_user_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
