"""Dispatching events to the ``on_*`` hooks: one job per event, and the sweep for lost ones."""
from __future__ import annotations

from ..jobs import Periodic, job
from . import services

SWEEP_EVERY_SECONDS = 60


@job(max_retries=services.MAX_ATTEMPTS)
def dispatch_event(ctx, event_id: int) -> None:
    """Hand one event to its hookimpls; a handler's exception makes dramatiq retry it."""
    services.dispatch(ctx, event_id)


@job()
def sweep_events(ctx) -> None:
    """Re-send events that were never dispatched (a crash between commit and enqueue)."""
    services.sweep(ctx)


PERIODIC = [Periodic(sweep_events, SWEEP_EVERY_SECONDS)]
