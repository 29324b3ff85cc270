from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class PluginState(Base):
    """A podmin's switch for one plugin, overriding the `plugins` setting."""

    __tablename__ = "plugin_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool]
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
