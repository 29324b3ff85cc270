"""The two pagers of API v1 (API_V1.md §3): by page number, and by time.

Both read ``per_page`` (default 15, 1 to 100; anything else is a 422) and answer with the bare
array, navigation going in the ``Link`` header: ``<url>; rel="next", <url>; rel="previous"``.
The time pager takes diaspora*'s ``before``/``after`` timestamps and walks a (time, id) key, so
rows sharing a millisecond are neither skipped nor repeated: its links carry the row id as
``before_id``/``after_id`` next to the time.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa

from . import params as p
from .errors import ApiError

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100
TIME_PARAMS = ("before", "after", "before_id", "after_id", "max_time")


def iso(moment: dt.datetime | None) -> str | None:
    """diaspora*'s timestamps: UTC with milliseconds, ``2024-01-31T12:00:00.000Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def cursor_time(moment: dt.datetime) -> str:
    """A cursor keeps microseconds, so the next page starts exactly where this one ended."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def per_page(request) -> int:
    raw = p.params(request).get("per_page")
    if raw is None:
        return DEFAULT_PER_PAGE
    number = p.integer(raw)
    if number is None or not 1 <= number <= MAX_PER_PAGE:
        raise ApiError(422, f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    return number


def _link(request, extra: dict, drop) -> str:
    kept = [(k, v) for k, v in request.GET.items() if k not in drop and k != "access_token"]
    query = urlencode(kept + list(extra.items()))
    return f"<{request.path_url}?{query}>"


def set_links(request, next_params: dict | None, previous_params: dict | None, drop) -> None:
    links = []
    if next_params is not None:
        links.append(f'{_link(request, next_params, drop)}; rel="next"')
    if previous_params is not None:
        links.append(f'{_link(request, previous_params, drop)}; rel="previous"')
    if links:
        request.response.headers["Link"] = ", ".join(links)


# --- page numbers ----------------------------------------------------------------------------

def page_of(request, dbsession, query: sa.Select) -> list:
    """One page of ``query`` (already ordered) by ``page`` (1-based; unreadable or < 1 is 1),
    with next/previous links. For short lists: aspects, members, likes, search hits."""
    size = per_page(request)
    page = p.integer(p.params(request).get("page"))
    page = page if page and page >= 1 else 1
    total = dbsession.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-total // size))
    rows = list(dbsession.scalars(query.limit(size).offset((page - 1) * size)).unique())
    set_links(request, {"page": page + 1} if page < last else None,
              {"page": page - 1} if page > 1 else None, ("page",))
    return rows


# --- time cursors ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TimeWindow:
    """Which side of a moment a page lies on: ``before`` walks newest first, ``after`` oldest
    first. ``id`` breaks ties between rows of the same time."""

    direction: str
    at: dt.datetime
    id: int | None
    size: int


def time_window(request, default: str = "before") -> TimeWindow:
    """The requested window; a malformed cursor is a 422 naming the parameter."""
    given = p.params(request)
    size = per_page(request)
    for direction in ("before", "after"):
        raw = given.get(direction)
        if raw is None:
            continue
        try:
            at = p.timestamp(p.text(raw) if p.text(raw) is not None else raw)
        except (ValueError, OverflowError):
            at = None
        if at is None:
            raise ApiError(422, f"{direction} must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
        ident = given.get(f"{direction}_id")
        ident_value = p.integer(ident) if ident is not None else None
        if ident is not None and ident_value is None:
            raise ApiError(422, f"{direction}_id must be a whole number")
        return TimeWindow(direction, at, ident_value, size)
    max_time = given.get("max_time")
    if max_time is not None:
        seconds = p.integer(max_time)
        if seconds is None or seconds < 0:
            raise ApiError(422, "max_time must be a time in seconds since 1970")
        return TimeWindow("before", dt.datetime.fromtimestamp(seconds, dt.timezone.utc), None, size)
    if default == "after":
        return TimeWindow("after", dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc), None, size)
    return TimeWindow("before", dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc), None, size)


def time_query(query: sa.Select, at_column, id_column, window: TimeWindow) -> sa.Select:
    """``query`` limited to the window and ordered along it; the (time, id) comparison walks
    the same index the web streams use."""
    at = sa.literal(window.at, at_column.type)
    if window.direction == "before":
        if window.id is None:
            query = query.where(at_column < at)
        else:
            query = query.where(sa.tuple_(at_column, id_column) < sa.tuple_(at, sa.literal(window.id)))
        return query.order_by(at_column.desc(), id_column.desc()).limit(window.size)
    if window.id is None:
        query = query.where(at_column > at)
    else:
        query = query.where(sa.tuple_(at_column, id_column) > sa.tuple_(at, sa.literal(window.id)))
    return query.order_by(at_column.asc(), id_column.asc()).limit(window.size)


def time_links(request, window: TimeWindow, keys: list[tuple[dt.datetime, int]], previous: bool = True) -> None:
    """Links of a time page whose rows have ``keys`` (time, id) in page order. An empty page
    has none; a full or partial page has both (clients page until an empty array)."""
    if not keys:
        return
    oldest = min(keys)
    newest = max(keys)
    older = {"before": cursor_time(oldest[0]), "before_id": oldest[1]}
    newer = {"after": cursor_time(newest[0]), "after_id": newest[1]}
    if window.direction == "before":
        set_links(request, older, newer if previous else None, TIME_PARAMS)
    else:
        set_links(request, newer, older if previous else None, TIME_PARAMS)


def time_page(request, dbsession, query: sa.Select, at_column, id_column, *, default: str = "before",
              previous: bool = True, window: TimeWindow | None = None) -> list:
    """One page of ``query`` by time, with its links; rows are ORM objects carrying the columns."""
    window = window or time_window(request, default)
    rows = list(dbsession.scalars(time_query(query, at_column, id_column, window)).unique())
    keys = [(getattr(row, at_column.key), getattr(row, id_column.key)) for row in rows]
    time_links(request, window, keys, previous)
    return rows
