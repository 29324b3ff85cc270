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
