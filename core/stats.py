"""Numbers about the pod that pages (and NodeInfo) show."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .accounts.models import Person, User
from .db import utcnow


@dataclass(frozen=True)
class Usage:
    total_users: int
    active_month: int
    active_halfyear: int


def usage(dbsession) -> Usage:
    """Users who can use the pod (neither locked nor closed), and how many signed in lately."""
    now = utcnow()

    def active_since(days: int):
        return sa.func.count().filter(User.last_sign_in_at >= now - dt.timedelta(days=days))

    total, month, halfyear = dbsession.execute(
        sa.select(sa.func.count(), active_since(30), active_since(180)).select_from(User)
        .where(User.locked_at.is_(None), User.closed_at.is_(None))
    ).one()
    return Usage(total, month, halfyear)


@dataclass(frozen=True)
class LocalAndRemote:
    local: int
    remote: int

    @property
    def total(self) -> int:
        return self.local + self.remote


def local_and_remote(dbsession, model) -> LocalAndRemote:
    """How many rows of ``model`` (a Post or a Comment) local users wrote and how many came from elsewhere."""
    local, total = dbsession.execute(
        sa.select(sa.func.count().filter(Person.user_id.is_not(None)), sa.func.count())
        .select_from(model).join(Person, Person.id == model.author_id)
    ).one()
    return LocalAndRemote(local, total - local)


def weekly_counts(dbsession, source, column, week_starts: list[dt.datetime], *where) -> list[int]:
    """Rows of ``source`` (a table or a join) whose ``column`` falls in each week beginning at
    ``week_starts`` (ascending, a week apart), among those matching ``where``.

    One query over the range the weeks cover, one count per week: it reads the rows of those
    weeks only (through an index on ``column`` where there is one) and runs the same on
    SQLite and PostgreSQL, because the buckets are plain comparisons, not date functions.
    """
    if not week_starts:
        return []
    bounds = list(week_starts) + [week_starts[-1] + dt.timedelta(weeks=1)]
    counts = [sa.func.count().filter(column >= start, column < end) for start, end in zip(bounds, bounds[1:])]
    row = dbsession.execute(
        sa.select(*counts).select_from(source).where(column >= bounds[0], column < bounds[-1], *where)
    ).one()
    return [int(n) for n in row]
