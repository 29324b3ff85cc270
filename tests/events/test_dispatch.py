"""Recording events, dispatching them once, retrying failures and sweeping up lost ones."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import utcnow
from core.events import EventData, EventError, dispatch_context, record
from core.events.jobs import PERIODIC, dispatch_event, sweep_events
from core.events.models import Event
from core.events.services import CLAIM_SECONDS, MAX_ATTEMPTS, dispatch, overdue_event_ids, sweep
from core.hookspecs import hookimpl

from .helpers import Recorder, events, in_job


def alone_with(make_pod, plugin):
    """A pod where ``plugin`` is the only one handling events: these tests are about dispatching,
    not about what core's federation does with an event (tests/federation covers that)."""
    pod = make_pod(extra_plugins={"example": plugin})
    pod.pm.unregister(name="core.federation")
    return pod


def recorded(pod, name="profile_updated", payload=None, enqueue=False) -> int:
    with in_job(pod) as ctx:
        event = record(ctx.dbsession, name, payload or {"person_id": 7}, ctx.enqueue if enqueue else None)
        return event.id


def set_event(pod, event_id, **values):
    with pod.session_factory() as session:
        session.execute(sa.update(Event).where(Event.id == event_id).values(**values))
        session.commit()


def dispatch_now(pod, event_id) -> bool:
    with in_job(pod) as ctx:
        return dispatch(ctx, event_id)


def test_a_recorded_event_reaches_the_hooks_after_commit(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    event_id = recorded(pod, "post_published", {"post_id": 12}, enqueue=True)
    assert recorder.seen == []  # nothing runs before the jobs do

    pod.jobs.drain()

    [seen] = recorder.seen
    assert isinstance(seen, EventData)
    assert (seen.id, seen.name, seen.payload) == (event_id, "post_published", {"post_id": 12})
    assert seen.created_at.tzinfo is not None
    [row] = events(pod)
    assert row.dispatched_at is not None and row.claimed_at is None
    assert (row.attempts, row.last_error) == (1, None)


def test_an_event_of_an_aborted_transaction_is_neither_stored_nor_dispatched(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    with pytest.raises(RuntimeError):
        with in_job(pod) as ctx:
            record(ctx.dbsession, "profile_updated", {"person_id": 1}, ctx.enqueue)
            raise RuntimeError("the change failed")
    pod.jobs.drain()
    assert events(pod) == [] and recorder.seen == []


@pytest.mark.parametrize("name, payload, reason", [
    ("post_publish", {"post_id": 1}, "unknown event 'post_publish'"),
    ("post_deleted", {"guid": "g" * 16}, "lacks author_id, type, public"),
    ("post_published", {"post_id": object()}, "not JSON-serialisable"),
    ("post_published", {"post_id": float("nan")}, "not JSON-serialisable"),
    ("post_published", ["post_id"], "must be a dict"),
])
def test_a_bad_event_is_refused_and_nothing_is_stored(pod, name, payload, reason):
    with pytest.raises(EventError, match=reason):
        with in_job(pod) as ctx:
            record(ctx.dbsession, name, payload, ctx.enqueue)
    assert events(pod) == []


def test_the_hooks_get_what_was_stored(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    recorded(pod, "like_deleted", {"guid": "a" * 16, "author_id": 3, "target_type": "Post",
                                   "post_guid": ("tuple", "becomes", "list")}, enqueue=True)
    pod.jobs.drain()
    assert recorder.seen[0].payload["post_guid"] == ["tuple", "becomes", "list"]


def test_dispatching_twice_runs_the_handlers_once(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    event_id = recorded(pod)

    assert dispatch_now(pod, event_id) is True
    assert dispatch_now(pod, event_id) is False
    with in_job(pod) as ctx:  # the job itself, sent twice
        ctx.enqueue(dispatch_event, event_id)
        ctx.enqueue(dispatch_event, event_id)
    pod.jobs.drain()

    assert len(recorder.seen) == 1
    assert events(pod)[0].attempts == 1


def test_an_event_claimed_by_a_running_dispatch_is_left_to_it(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    event_id = recorded(pod)
    set_event(pod, event_id, claimed_at=utcnow(), attempts=1)  # another worker is on it

    assert dispatch_now(pod, event_id) is False
    assert recorder.seen == []

    # That worker died: once the claim is older than any job may run, the event is taken over.
    set_event(pod, event_id, claimed_at=utcnow() - dt.timedelta(seconds=CLAIM_SECONDS + 1))
    assert dispatch_now(pod, event_id) is True
    assert len(recorder.seen) == 1
    assert events(pod)[0].attempts == 2


def test_an_unknown_or_missing_event_is_not_dispatched(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    assert dispatch_now(pod, 12345) is False
    event_id = recorded(pod)
    set_event(pod, event_id, name="no_such_event")
    assert dispatch_now(pod, event_id) is False
    [row] = events(pod)
    assert row.dispatched_at is None and row.attempts == MAX_ATTEMPTS
    assert "no hook on_no_such_event" in row.last_error
    assert recorder.seen == []


class FailsFirst:
    """Writes an event through the dispatch's session, then fails the first ``failures`` times."""

    def __init__(self, failures=1):
        self.failures = failures
        self.calls = 0

    @hookimpl
    def on_profile_updated(self, event, pod):
        self.calls += 1
        ctx = dispatch_context()
        record(ctx.dbsession, "account_closed", {"person_id": event.payload["person_id"],
                                                 "diaspora_id": f"call{self.calls}@pod.test"})
        if self.calls <= self.failures:
            raise ConnectionError(f"the far end is down (call {self.calls})")


def test_a_failing_handler_leaves_the_event_undispatched_until_a_later_dispatch_succeeds(make_pod):
    plugin = FailsFirst()
    pod = alone_with(make_pod, plugin)
    event_id = recorded(pod)

    with pytest.raises(ConnectionError, match="far end is down"):
        dispatch_now(pod, event_id)

    [row] = events(pod)  # what the failing handler wrote was rolled back with it
    assert row.dispatched_at is None and row.claimed_at is None
    assert row.attempts == 1
    assert row.last_error == "ConnectionError: the far end is down (call 1)"

    assert dispatch_now(pod, event_id) is True
    row, written = events(pod)
    assert row.dispatched_at is not None and row.last_error is None and row.attempts == 2
    assert (written.name, written.payload["diaspora_id"]) == ("account_closed", "call2@pod.test")


def test_dispatch_gives_up_after_the_last_attempt(make_pod):
    plugin = FailsFirst(failures=10 ** 6)
    pod = alone_with(make_pod, plugin)
    event_id = recorded(pod)

    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(ConnectionError):
            dispatch_now(pod, event_id)
    assert dispatch_now(pod, event_id) is False  # the last one fails without asking for a retry
    assert dispatch_now(pod, event_id) is False  # and nothing tries again
    [row] = events(pod)
    assert plugin.calls == MAX_ATTEMPTS
    assert row.dispatched_at is None and row.attempts == MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempt(s): ConnectionError")
    with pod.session_factory() as session:
        assert overdue_event_ids(session, utcnow() + dt.timedelta(days=365)) == []


def test_the_sweep_dispatches_an_event_whose_job_was_lost(make_pod):
    recorder = Recorder()
    pod = alone_with(make_pod, recorder)
    event_id = recorded(pod)  # committed, but the process died before sending the job

    with in_job(pod) as ctx:
        assert sweep(ctx) == []  # too fresh: its own dispatch may still be on the way
    with in_job(pod) as ctx:
        assert sweep(ctx, now=utcnow() + dt.timedelta(seconds=31)) == [event_id]
    pod.jobs.drain()

    assert [event.id for event in recorder.seen] == [event_id]
    with in_job(pod) as ctx:
        assert sweep(ctx, now=utcnow() + dt.timedelta(days=1)) == []


def test_the_sweep_waits_longer_after_each_failure(pod):
    event_id = recorded(pod)
    set_event(pod, event_id, attempts=3)
    now = utcnow()
    with pod.session_factory() as session:
        assert overdue_event_ids(session, now + dt.timedelta(seconds=30 * 2 ** 3 - 5)) == []
        assert overdue_event_ids(session, now + dt.timedelta(seconds=30 * 2 ** 3 + 5)) == [event_id]
    set_event(pod, event_id, claimed_at=now)  # being dispatched right now
    with pod.session_factory() as session:
        assert overdue_event_ids(session, now + dt.timedelta(seconds=300)) == []


def test_the_sweep_gives_up_an_event_whose_last_attempt_never_finished(pod):
    event_id = recorded(pod)
    set_event(pod, event_id, attempts=MAX_ATTEMPTS, claimed_at=utcnow() - dt.timedelta(seconds=CLAIM_SECONDS + 1))
    with in_job(pod) as ctx:
        assert sweep(ctx) == []
    [row] = events(pod)
    assert row.claimed_at is None and row.dispatched_at is None
    assert "the last one never finished" in row.last_error


def test_the_sweep_is_a_periodic_job_of_every_pod(pod):
    assert [(p.job, p.every) for p in PERIODIC] == [(sweep_events, 60)]
    assert any(p.job is sweep_events for p in pod.jobs.periodic)
    pod.jobs.actor(dispatch_event)  # registered
