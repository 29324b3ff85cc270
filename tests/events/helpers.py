"""Plugins that remember the events they get, and a job context for calling services directly."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
import transaction

from core.db import tm_session
from core.events.models import Event
from core.events.services import EVENT_NAMES
from core.hookspecs import hookimpl
from core.jobs import JobContext


@contextmanager
def in_job(pod):
    """A job's context: its session commits at the end, then queued jobs are sent."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield JobContext(pod, tm_session(pod.session_factory, manager), manager)


class Recorder:
    """Implements every ``on_*`` event hook and keeps what it got, in order."""

    def __init__(self):
        self.seen = []

    def named(self, name: str) -> list:
        return [event for event in self.seen if event.name == name]

    def payloads(self, name: str) -> list[dict]:
        return [event.payload for event in self.named(name)]


def _remember(name):
    def on_event(self, event, pod):
        self.seen.append(event)

    on_event.__name__ = f"on_{name}"
    return hookimpl(on_event)


for _name in EVENT_NAMES:
    setattr(Recorder, f"on_{_name}", _remember(_name))


def events(pod, name: str | None = None) -> list[Event]:
    with pod.session_factory() as session:
        query = sa.select(Event).order_by(Event.id)
        if name is not None:
            query = query.where(Event.name == name)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
