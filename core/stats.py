"""Numbers about the pod that pages (and NodeInfo) show."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .accounts.models import User
from .db import utcnow


@dataclass(frozen=True)
class Usage:
    total_users: int
    active_month: int
    active_halfyear: int


def usage(dbsession) -> Usage:
    now = utcnow()

    def active_since(days: int):
        return sa.func.count().filter(User.last_sign_in_at >= now - dt.timedelta(days=days))

    total, month, halfyear = dbsession.execute(
        sa.select(sa.func.count(), active_since(30), active_since(180)).select_from(User).where(User.locked_at.is_(None))
    ).one()
    return Usage(total, month, halfyear)
