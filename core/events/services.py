"""Recording events and handing them to the ``on_*`` hooks (DESIGN.md §3).

A domain service calls :func:`record` in the same transaction as the change, so an event
exists exactly when the change does. After commit the ``dispatch_event`` job calls
:func:`dispatch`, which hands an :class:`EventData` (never an ORM object) to every
``on_<name>`` hookimpl. A dispatch first claims the event in its own short transaction, so
two dispatches of one event never run the handlers side by side; a handler's failure is
written down and retried, and :func:`sweep` re-sends whatever was never dispatched.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import Event

log = logging.getLogger(__name__)

# Every event and the keys of its payload; the hook is ``on_<name>``. docs/plugins.md and
# core/hookspecs.py say what each key means.
EVENTS: dict[str, tuple[str, ...]] = {
    "post_published": ("post_id",),
    "post_deleted": ("guid", "author_id", "type", "public"),
    "comment_created": ("comment_id",),
    "comment_deleted": ("guid", "author_id", "post_guid", "deleted_by_id"),
    "like_created": ("like_id",),
    "like_deleted": ("guid", "author_id", "target_type", "post_guid"),
    "poll_voted": ("poll_participation_id",),
    "contact_changed": ("user_id", "person_id", "sharing", "blocking"),
    "profile_updated": ("person_id",),
    "conversation_started": ("conversation_id",),
    "message_sent": ("message_id",),
    "account_closed": ("person_id", "diaspora_id"),
    "account_migrated": ("person_id", "old_diaspora_id"),
}
EVENT_NAMES: list[str] = list(EVENTS)

# A dispatch gives up after this many tries (each claim counts, retries and sweeps alike).
MAX_ATTEMPTS = 10
# How long a claimed dispatch may run before another may take the event over: longer than the
# job's time limit, so only a dispatch whose worker died is taken over.
CLAIM_SECONDS = 15 * 60
# The sweep leaves an event alone this long after it was recorded (its own dispatch is on the
# way), and doubles the wait after each failed attempt.
SWEEP_AFTER_SECONDS = 30
SWEEP_BATCH = 500
ERROR_MAX = 2000


class EventError(ValueError):
    """An event that can't be recorded: unknown name, missing payload keys, unserialisable."""


@dataclass(frozen=True)
class EventData:
    """What an ``on_*`` hook gets: plain data, safe to keep after the job's transaction."""

    id: int
    name: str
    payload: dict
    created_at: dt.datetime


def event_data(event: Event) -> EventData:
    return EventData(event.id, event.name, dict(event.payload or {}), event.created_at)


def record(dbsession: Session, name: str, payload: dict, enqueue: Callable | None = None) -> Event:
    """Record that ``name`` happened, in the caller's transaction.

    ``enqueue`` (``request.enqueue`` or ``ctx.enqueue``) sends the dispatch after commit; without
    it the row alone is enough: the periodic sweep dispatches it within a minute or two.
    """
    if name not in EVENTS:
        raise EventError(f"unknown event {name!r}; known events: {', '.join(EVENT_NAMES)}")
    if not isinstance(payload, dict):
        raise EventError(f"the payload of {name} must be a dict, not {type(payload).__name__}")
    missing = [key for key in EVENTS[name] if key not in payload]
    if missing:
        raise EventError(f"the payload of {name} lacks {', '.join(missing)}")
    try:
        # Stored as JSON: what the hooks get is exactly what was stored.
        stored = json.loads(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise EventError(f"the payload of {name} is not JSON-serialisable: {exc}") from None
    event = Event(name=name, payload=stored, created_at=utcnow(), attempts=0)
    dbsession.add(event)
    dbsession.flush()
    if enqueue is not None:
        from .jobs import dispatch_event

        enqueue(dispatch_event, event.id)
    return event


# --- dispatching -------------------------------------------------------------------------

_dispatching: contextvars.ContextVar = contextvars.ContextVar("seedpod_event_dispatch", default=None)
_dispatched_event: contextvars.ContextVar = contextvars.ContextVar("seedpod_dispatched_event", default=None)


def dispatch_context():
    """The :class:`core.jobs.JobContext` of the dispatch running now, or None.

    A handler that writes rows can use its ``dbsession`` and ``enqueue``: what it writes then
    commits together with the mark that the event was dispatched, and is dropped if any
    handler fails.
    """
    return _dispatching.get()


def dispatched_event():
    """The :class:`EventData` being dispatched now, or None: handlers that queue work use its
    ``created_at`` to keep that work in the order the user acted, whatever the order in which
    concurrent dispatches ran."""
    return _dispatched_event.get()


def _claim(engine: sa.Engine, event_id: int, now: dt.datetime) -> bool:
    """Take the event for one dispatch, committed at once so concurrent dispatches see it."""
    table = Event.__table__
    with engine.begin() as conn:
        taken = conn.execute(
            table.update()
            .where(table.c.id == event_id, table.c.dispatched_at.is_(None), table.c.attempts < MAX_ATTEMPTS,
                   sa.or_(table.c.claimed_at.is_(None),
                          table.c.claimed_at < now - dt.timedelta(seconds=CLAIM_SECONDS)))
            .values(claimed_at=now, attempts=table.c.attempts + 1)
        ).rowcount
    return taken == 1


def _release_failed(engine: sa.Engine, event_id: int, error: str, give_up: bool = False) -> int:
    """Write down why the dispatch failed and free the event; returns its attempts so far."""
    table = Event.__table__
    with engine.begin() as conn:
        attempts = conn.execute(sa.select(table.c.attempts).where(table.c.id == event_id)).scalar() or 0
        if give_up or attempts >= MAX_ATTEMPTS:
            error = f"gave up after {attempts} attempt(s): {error}"
            attempts = max(attempts, MAX_ATTEMPTS)
        conn.execute(table.update().where(table.c.id == event_id)
                     .values(claimed_at=None, last_error=error[:ERROR_MAX], attempts=attempts))
    return attempts


def dispatch(ctx, event_id: int) -> bool:
    """Hand the event to every ``on_<name>`` hookimpl once; True when this call dispatched it.

    Does nothing for an event already dispatched, given up, or being dispatched right now. A
    handler's exception rolls back what the handlers wrote, is recorded on the event
    (``attempts``, ``last_error``) and raised again so the job is retried, until the last
    attempt, after which the event stays undispatched with the reason.
    """
    engine = ctx.pod.engine
    if not _claim(engine, event_id, utcnow()):
        return False
    event = ctx.dbsession.get(Event, event_id)
    hook = getattr(ctx.pod.pm.hook, f"on_{event.name}", None)
    if event.name not in EVENTS or hook is None:
        _release_failed(engine, event_id, f"no hook on_{event.name}", give_up=True)
        log.error("event %s: no hook on_%s; not dispatched", event_id, event.name)
        return False
    data = event_data(event)
    token = _dispatching.set(ctx)
    event_token = _dispatched_event.set(data)
    try:
        hook(event=data, pod=ctx.pod)
    except Exception as exc:
        # Drop whatever the handlers wrote (and, on SQLite, their write lock) before writing down
        # the failure in a transaction of its own.
        ctx.tm.abort()
        ctx.tm.begin()
        attempts = _release_failed(engine, event_id, f"{type(exc).__name__}: {exc}")
        if attempts >= MAX_ATTEMPTS:
            log.exception("event %s (%s) failed for the last time", event_id, data.name)
            return False
        raise
    finally:
        _dispatching.reset(token)
        _dispatched_event.reset(event_token)
    event.dispatched_at = utcnow()
    event.claimed_at = None
    event.last_error = None
    ctx.dbsession.flush()
    return True


def _retry_due(now: dt.datetime) -> sa.ColumnElement:
    """Recorded long enough ago for its number of attempts: 30 s, then twice as long per failure."""
    waits = {n: now - dt.timedelta(seconds=SWEEP_AFTER_SECONDS * 2 ** n) for n in range(MAX_ATTEMPTS)}
    return Event.created_at < sa.case(waits, value=Event.attempts)


def overdue_event_ids(dbsession: Session, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Events that should have been dispatched by now, oldest first."""
    now = now or utcnow()
    stale_claim = now - dt.timedelta(seconds=CLAIM_SECONDS)
    return list(dbsession.scalars(
        sa.select(Event.id)
        .where(Event.dispatched_at.is_(None), Event.attempts < MAX_ATTEMPTS,
               sa.or_(Event.claimed_at.is_(None), Event.claimed_at < stale_claim), _retry_due(now))
        .order_by(Event.id).limit(limit)))


def sweep(ctx, now: dt.datetime | None = None) -> list[int]:
    """Send a dispatch for every overdue event (a lost enqueue, a dead worker, a failure whose
    retry was lost); returns their ids. Events whose last attempt died mid-run are given up."""
    now = now or utcnow()
    from .jobs import dispatch_event

    stale_claim = now - dt.timedelta(seconds=CLAIM_SECONDS)
    ctx.dbsession.execute(
        sa.update(Event)
        .where(Event.dispatched_at.is_(None), Event.attempts >= MAX_ATTEMPTS, Event.claimed_at < stale_claim)
        .values(claimed_at=None, last_error=f"gave up after {MAX_ATTEMPTS} attempt(s): the last one never finished"))
    ids = overdue_event_ids(ctx.dbsession, now)
    for event_id in ids:
        ctx.enqueue(dispatch_event, event_id)
    if ids:
        log.info("re-sending %d undispatched event(s)", len(ids))
    return ids


def undispatched(dbsession: Session) -> list[Event]:
    """Events not dispatched (yet, or given up), oldest first: for admins and tests."""
    return list(dbsession.scalars(sa.select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id)))


__all__ = ["EVENTS", "EVENT_NAMES", "EventData", "EventError", "record", "dispatch", "dispatch_context",
           "sweep", "overdue_event_ids", "undispatched", "MAX_ATTEMPTS"]
