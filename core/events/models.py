"""What happened, recorded in the same transaction as the change (DESIGN.md §3).

After commit a job hands each event to every ``on_<name>`` hookimpl; federation is one of
them. An event that was never dispatched (a crash between commit and enqueue) is picked up
again by a periodic sweep, so nothing that happened is lost.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_dispatched_at_id", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The hook it goes to is ``on_<name>``: post_published, comment_created, ...
    name: Mapped[str] = mapped_column(String(64))
    # Small and serialisable: ids and guids, never ORM objects.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set while one dispatch runs the handlers, so a second one doesn't; a claim older than the
    # job's time limit belongs to a dead worker and may be taken over.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
