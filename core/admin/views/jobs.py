"""/admin/jobs: every job queue's waiting and failed messages, and retrying or dropping the
failed ones; with the rows podmins watch (deliveries, inbox items, events) next to them."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..queues import QueueError, drop_failed, queue_states, retry_failed

ACTIONS = ("retry", "drop")
KEY_MAX = 100


def state_rows(dbsession) -> dict:
    """Deliveries, inbox items and events waiting or given up: the work that lives in rows."""
    from ...events.models import Event
    from ...events.services import MAX_ATTEMPTS
    from ...federation.models import FAILED, PENDING, REJECTED, SENDING, Delivery, InboxItem

    def count(model, *where) -> int:
        return dbsession.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return {
        "deliveries_waiting": count(Delivery, Delivery.state.in_((PENDING, SENDING))),
        "deliveries_failed": count(Delivery, Delivery.state == FAILED),
        "inbox_waiting": count(InboxItem, InboxItem.state == PENDING),
        "inbox_rejected": count(InboxItem, InboxItem.state == REJECTED),
        "events_waiting": count(Event, Event.dispatched_at.is_(None), Event.attempts < MAX_ATTEMPTS),
        "events_failed": count(Event, Event.dispatched_at.is_(None), Event.attempts >= MAX_ATTEMPTS),
    }


@view_config(route_name="admin_jobs", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/jobs.pt")
def jobs(request):
    registry = request.registry.pod.jobs
    try:
        queues, broker_error = queue_states(registry), None
    except QueueError as exc:
        queues, broker_error = [], str(exc)
    return {"page_title": "Jobs", "queues": queues, "broker_error": broker_error,
            "in_process": registry.in_process, "rows": state_rows(request.dbsession)}


@view_config(route_name="admin_jobs_failed", request_method="POST", permission="administer")
def failed(request):
    """Retry or drop one failed message (``key``) or all of a queue's."""
    registry = request.registry.pod.jobs
    queue = request.matchdict["queue"]
    if queue not in registry.queues:
        raise HTTPNotFound()
    back = HTTPSeeOther(location=request.route_url("admin_jobs"))
    action = request.POST.get("action", "")
    key = request.POST.get("key") or None
    if action not in ACTIONS:
        request.session.flash("Choose to retry or to drop; nothing was changed.")
        return back
    if key is not None and len(key) > KEY_MAX:
        request.session.flash("That is not a message of this queue; nothing was changed.")
        return back
    try:
        done = (retry_failed if action == "retry" else drop_failed)(registry, queue, key)
    except QueueError as exc:
        request.session.flash(f"{exc}; nothing was changed.")
        return back
    if key is not None and not done:
        request.session.flash(f"That message is no longer among the failed ones of {queue}; nothing was changed.")
    elif action == "retry":
        request.session.flash(f"Put {done} failed message{'s' if done != 1 else ''} back on {queue}.")
    else:
        request.session.flash(f"Dropped {done} failed message{'s' if done != 1 else ''} of {queue}.")
    return back
