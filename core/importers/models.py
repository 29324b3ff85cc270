"""Runs of an importer, and every item a run met (DESIGN §4, register_importers)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

# The states of a run.
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
UNFINISHED = (QUEUED, RUNNING)

# The states of an item.
IMPORTED = "imported"
SKIPPED = "skipped"
ITEM_FAILED = "failed"


class ContentImport(Base):
    """One run of one importer for one user, moved along by the ``run_content_import`` job."""

    __tablename__ = "content_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    importer: Mapped[str] = mapped_column(String(255))
    # What the user typed (importers of kind "text").
    value: Mapped[str | None] = mapped_column(Text)
    # The uploaded file, relative to ``data_dir``/content_imports; removed when the run ends.
    upload_path: Mapped[str | None] = mapped_column(String(1024))
    # "public", or "aspect" with ``aspect_id``: who sees the imported posts.
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    aspect_id: Mapped[int | None] = mapped_column(ForeignKey("aspects.id", ondelete="SET NULL"))
    # Whether the posts are sent to contacts and followers as new posts.
    federate: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    # How many items the source holds, once the importer says.
    total: Mapped[int | None] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    # Items the importer could not turn into posts, and items an earlier run imported already.
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # Network failures of the source in a row: the run is tried again later, a while after each.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Stamped as the run moves: an unfinished run untouched for long lost its worker.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ImportedItem(Base):
    """An item of a source as some run left it: imported (with its post), skipped or failed.

    One row per (user, importer, item), so a later run knows what is there already."""

    __tablename__ = "imported_items"
    __table_args__ = (UniqueConstraint("user_id", "importer", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    importer: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str] = mapped_column(String(255))
    # The run that last handled the item.
    run_id: Mapped[int] = mapped_column(ForeignKey("content_imports.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
