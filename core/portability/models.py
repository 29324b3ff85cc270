"""Exports and imports of a user's account, each a row a job moves along (DESIGN §3)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

# The states an export or import goes through.
PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


class Export(Base):
    """A user's archive being built, or built and downloadable until ``expires_at``.

    Files live under ``data_dir``/exports; the row names them relative to that folder.
    """

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    # 0..100, and what is being done now, for the progress shown on the settings page.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(255), default="")
    archive_path: Mapped[str | None] = mapped_column(String(1024))
    photos_path: Mapped[str | None] = mapped_column(String(1024))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class Import(Base):
    """An uploaded diaspora* archive being applied to a new account."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(255), default="")
    # The uploaded archive, relative to ``data_dir``/imports; removed once applied.
    archive_path: Mapped[str | None] = mapped_column(String(1024))
    # The old identity the archive belongs to, and what was restored (JSON text).
    old_diaspora_id: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a step last ran: an unfinished import untouched for long lost its job, and the sweep
    # sends it again (every step can run twice).
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
