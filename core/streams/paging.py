"""Keyset pagination: pages walk an indexed (timestamp, id) pair downwards, never OFFSET.

The cursor a page hands to the next is ``<microseconds since epoch>_<id>`` of its last row,
opaque to users and stable however many rows arrive meanwhile.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DEFAULT_PER_PAGE = 15


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    at: dt.datetime
    id: int

    def encode(self) -> str:
        micros = (self.at - EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        if not raw:
            return None
        try:
            micros, ident = raw.split("_", 1)
            return cls(EPOCH + dt.timedelta(microseconds=int(micros)), int(ident))
        except (ValueError, OverflowError):
            raise BadCursor(f"{raw!r} is not a page cursor") from None


@dataclass
class Page:
    items: Sequence[Any]
    next_cursor: str | None


def page_query(query: sa.Select, at_column, id_column, cursor: Cursor | None,
               per_page: int = DEFAULT_PER_PAGE) -> sa.Select:
    """``query`` ordered newest first from ``cursor`` on, one row more than a page (that extra
    row says whether an older page exists). The row comparison walks a (timestamp, id) index."""
    if cursor is not None:
        query = query.where(sa.tuple_(at_column, id_column) < sa.tuple_(sa.literal(cursor.at, at_column.type),
                                                                       sa.literal(cursor.id)))
    return query.order_by(at_column.desc(), id_column.desc()).limit(per_page + 1)


def keyset(dbsession, query: sa.Select, at_column, id_column, cursor: Cursor | None,
           per_page: int = DEFAULT_PER_PAGE, key=None) -> Page:
    """Run ``query`` newest first from ``cursor`` on; ``key(row) -> (at, id)`` reads the cursor
    off a row (by default the row's ``at_column``/``id_column`` attributes)."""
    query = page_query(query, at_column, id_column, cursor, per_page)
    rows = list(dbsession.scalars(query).unique()) if key is None else list(dbsession.execute(query))
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        at, ident = key(last) if key else (getattr(last, at_column.key), getattr(last, id_column.key))
        next_cursor = Cursor(at, ident).encode()
    return Page(rows, next_cursor)
