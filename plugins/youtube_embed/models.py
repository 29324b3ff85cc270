"""The plugin's one table: what YouTube's oEmbed said about each video the pod has shown."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

PENDING = "pending"   # recorded, its fetch job sent
READY = "ready"       # title, author and thumbnail stored
FAILED = "failed"     # the last fetch failed; tried again at next_attempt_at
GAVE_UP = "gave_up"   # failed too often: shown as a generic card for good

TITLE_MAX = 300
ERROR_MAX = 500


class Video(Base):
    """One YouTube video, by its 11-character id, with its fetch state and retry schedule."""

    __tablename__ = "youtube_embed_videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(String(11), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    author_name: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    # A JPEG we encoded ourselves; deferred so that pages listing videos never load it.
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    thumbnail_width: Mapped[int | None] = mapped_column(Integer)
    thumbnail_height: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
