"""Sending planned deliveries to other pods, and keeping track of the pods (PROTOCOL.md §5.2).

Sending holds a short lease on the pod row so one worker talks to a pod at a time, in order.
A failure backs the delivery off exponentially; a pod that fails ``federation.pod_down_after``
times in a row is marked down and left alone until the health check finds it answering again.
Nothing is lost when a worker dies: a periodic sweep frees rows stuck in SENDING and
re-enqueues every pod with due work. A pod an admin blocked is left alone by all of it: its
rows stay pending, untouched, until it is unblocked.
"""
from __future__ import annotations

import datetime as dt
import logging
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..db import utcnow
from .errors import ProtocolError
from .delivery import enqueue_pods
from .models import DONE, FAILED, PENDING, POD_DOWN, POD_UP, SENDING, Delivery, Pod

log = logging.getLogger(__name__)

PUBLIC_CONTENT_TYPE = "application/magic-envelope+xml"
PRIVATE_CONTENT_TYPE = "application/json"

# A worker owns a pod for at most this long; a walk stops well before (WALK_BUDGET) and a
# worker that died simply lets the lease run out.
LEASE = dt.timedelta(minutes=10)
WALK_BUDGET = dt.timedelta(minutes=4)
WALK_MAX_ROWS = 200
# A row SENDING for longer than this belongs to a worker that died (one POST is bounded by
# federation.timeout, far below this).
STALE_CLAIM = dt.timedelta(minutes=5)
# How soon a pod that was just marked down is probed, and the longest wait between probes.
FIRST_CHECK = dt.timedelta(minutes=5)
MAX_CHECK_INTERVAL = dt.timedelta(hours=6)
CONTACT_EXTRA_ATTEMPTS = 10


# --- backoff ---------------------------------------------------------------------------------

def backoff(failed_attempts: int) -> dt.timedelta:
    """How long to wait after the ``failed_attempts``-th failed send of a delivery.

    diaspora's curve ``(n+3)^4 + rand(30)·(n+1)`` seconds, one step later: with the default
    14 attempts the 13 waits add up to about 3.8 days, so a pod that is away over a long
    weekend still gets everything."""
    n = max(1, failed_attempts)
    return dt.timedelta(seconds=(n + 4) ** 4 + random.randint(0, 30) * (n + 1))


def attempts_for(pod, entity_type: str) -> int:
    """Sends before a delivery is given up; contacts get ten more, as in diaspora (§12): a
    lost one leaves two people disagreeing about whether they share."""
    extra = CONTACT_EXTRA_ATTEMPTS if entity_type == "contact" else 0
    return pod.settings["federation.delivery_attempts"] + extra


def check_interval(failures: int, down_after: int) -> dt.timedelta:
    """Wait before probing a down pod again: doubling from five minutes, at most six hours."""
    steps = max(0, failures - down_after)
    return min(FIRST_CHECK * (2 ** min(steps, 12)), MAX_CHECK_INTERVAL)


# --- sending ---------------------------------------------------------------------------------

def _commit(ctx) -> None:
    """End the job's transaction here and start the next one (claims and results must be
    visible to other workers before the slow HTTP request)."""
    ctx.tm.commit()
    ctx.tm.begin()


def take_lease(ctx, pod_id: int) -> bool:
    """Hold the pod for this worker, unless another one holds it; committed at once."""
    now = utcnow()
    result = ctx.dbsession.execute(
        sa.update(Pod).where(Pod.id == pod_id, sa.or_(Pod.lease_until.is_(None), Pod.lease_until < now))
        .values(lease_until=now + LEASE).execution_options(synchronize_session=False))
    taken = result.rowcount == 1
    _commit(ctx)
    return taken


def release_lease(ctx, pod_id: int) -> None:
    ctx.dbsession.execute(sa.update(Pod).where(Pod.id == pod_id).values(lease_until=None)
                          .execution_options(synchronize_session=False))
    _commit(ctx)


def _next_due(dbsession: Session, pod_id: int, after: tuple | None) -> Delivery | None:
    """The pod's next due row after ``after`` (its ``(created_at, id)``), in the order the
    user acted: ``created_at`` is the time of the event that planned the row."""
    query = sa.select(Delivery).where(
        Delivery.pod_id == pod_id, Delivery.state == PENDING, Delivery.next_attempt_at <= utcnow())
    if after is not None:
        created_at, row_id = after
        query = query.where(sa.or_(Delivery.created_at > created_at,
                                   sa.and_(Delivery.created_at == created_at, Delivery.id > row_id)))
    return dbsession.scalar(query.order_by(Delivery.created_at, Delivery.id).limit(1))


def _target(dbsession: Session, row: Delivery) -> tuple[str, bytes, str]:
    """URL, body and content type of one delivery; private ones are encrypted here."""
    base = row.pod.base_url
    if not row.private:
        return f"{base}/receive/public", row.envelope, PUBLIC_CONTENT_TYPE
    from .envelope import encrypt_for

    recipient = dbsession.get(Person, row.recipient_person_id)
    return (f"{base}/receive/users/{recipient.guid}", encrypt_for(row.envelope, recipient.public_key_pem),
            PRIVATE_CONTENT_TYPE)


def _post(pod, dbsession: Session, row: Delivery) -> str | None:
    """Send one delivery; None on a 2xx answer, else why it failed."""
    from . import http

    try:
        url, body, content_type = _target(dbsession, row)
        response = http.post(pod, url, body, content_type, purpose="deliver")
    except ProtocolError as exc:
        return str(exc) or exc.__class__.__name__
    except Exception as exc:  # a broken key or an unexpected transport error fails this attempt only
        log.exception("delivery %s to %s failed unexpectedly", row.id, row.pod.host)
        return f"{exc.__class__.__name__}: {exc}"
    status = getattr(response, "status", None)
    if status is not None and 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _succeeded(row: Delivery, target: Pod) -> None:
    now = utcnow()
    row.state = DONE
    row.attempts += 1
    row.delivered_at = now
    row.claimed_at = None
    row.last_error = None
    target.status = POD_UP
    target.failures = 0
    target.last_success_at = now
    target.down_since = None
    target.next_check_at = None


def _failed(pod, row: Delivery, target: Pod, reason: str) -> None:
    now = utcnow()
    row.attempts += 1
    row.claimed_at = None
    row.last_error = reason[:2000]
    if row.attempts >= attempts_for(pod, row.entity_type):
        row.state = FAILED
    else:
        row.state = PENDING
        row.next_attempt_at = now + backoff(row.attempts)
    target.failures = (target.failures or 0) + 1
    target.last_error = reason[:2000]
    target.last_error_at = now
    down_after = pod.settings["federation.pod_down_after"]
    if target.failures >= down_after and target.status != POD_DOWN:
        target.status = POD_DOWN
        target.down_since = now
        target.next_check_at = now + check_interval(target.failures, down_after)


def send_pod(ctx, pod_id: int) -> None:
    """Deliver the due rows of one pod, oldest first, while it answers (the deliver_to_pod job).

    Stops at the first failure, so later rows of a struggling pod wait instead of being tried
    (and failed) out of order; a down or blocked pod is not contacted at all."""
    from .jobs import deliver_to_pod

    pod = ctx.pod
    dbsession = ctx.dbsession
    target = dbsession.get(Pod, pod_id, populate_existing=True)
    if target is None or target.status == POD_DOWN or target.blocked_at is not None:
        return
    if not take_lease(ctx, pod_id):
        return
    started = utcnow()
    more = False
    try:
        last_id, after = 0, None
        for _ in range(WALK_MAX_ROWS + 1):
            target = dbsession.get(Pod, pod_id, populate_existing=True)
            if target is None or target.status == POD_DOWN or target.blocked_at is not None:
                break
            if utcnow() - started > WALK_BUDGET:
                more = True
                break
            row = _next_due(dbsession, pod_id, after)
            if row is None:
                break
            last_id, after = row.id, (row.created_at, row.id)
            row.state = SENDING
            row.claimed_at = utcnow()
            _commit(ctx)
            reason = _post(pod, dbsession, row)
            row = dbsession.get(Delivery, last_id, populate_existing=True)
            target = dbsession.get(Pod, pod_id, populate_existing=True)
            if row is None or target is None:
                break
            if reason is None:
                _succeeded(row, target)
                _commit(ctx)
                continue
            log.info("delivery %s (%s %s) to %s failed: %s", row.id, row.entity_type, row.entity_guid,
                     target.host, reason)
            _failed(pod, row, target, reason)
            _commit(ctx)
            break
        else:
            more = True
    finally:
        release_lease(ctx, pod_id)
    if more:
        ctx.enqueue(deliver_to_pod, pod_id)


def sweep(ctx) -> int:
    """Free rows whose worker died, and wake every pod (neither down nor blocked) with due
    work. Returns how many pods were woken."""
    from .jobs import deliver_to_pod

    dbsession = ctx.dbsession
    now = utcnow()
    dbsession.execute(sa.update(Delivery).where(
        Delivery.state == SENDING, sa.or_(Delivery.claimed_at.is_(None), Delivery.claimed_at < now - STALE_CLAIM))
        .values(state=PENDING, claimed_at=None).execution_options(synchronize_session=False))
    pod_ids = list(dbsession.scalars(
        sa.select(Delivery.pod_id).join(Pod, Pod.id == Delivery.pod_id)
        .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now, Pod.status != POD_DOWN,
               Pod.blocked_at.is_(None))
        .distinct().order_by(Delivery.pod_id)))
    for pod_id in pod_ids:
        ctx.enqueue(deliver_to_pod, pod_id)
    return len(pod_ids)


def mark_up(dbsession: Session, target: Pod) -> None:
    """The pod answers again: everything it missed becomes due now, to go out in order."""
    target.status = POD_UP
    target.failures = 0
    target.down_since = None
    target.next_check_at = None
    dbsession.execute(sa.update(Delivery).where(Delivery.pod_id == target.id, Delivery.state == PENDING)
                      .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False))


def record_software(pod, target: Pod, links_body: bytes | None = None) -> bool:
    """Store the name and version another pod's NodeInfo gives (``links_body``: its
    /.well-known/nodeinfo, when already read). A nicety for the admin page: any failure
    leaves what was known and returns False."""
    from .discovery import read_software

    try:
        name, version = read_software(pod, target.base_url, links_body)
    except ProtocolError as exc:
        log.info("no NodeInfo software from %s: %s", target.host, exc)
        return False
    except Exception:  # a pod that answers is up anyway; never fail the health check on this
        log.exception("reading the NodeInfo of %s failed unexpectedly", target.host)
        return False
    if name:
        target.software = name
        target.version = version
    return bool(name)


SOFTWARE_BATCH = 20


def refresh_software(ctx, after_id: int = 0) -> int | None:
    """Read the NodeInfo software of the next pods after ``after_id`` (down and blocked ones
    are skipped); each pod is committed as it is read. Returns the id to go on after, or None
    when every pod was read."""
    dbsession = ctx.dbsession
    ids = list(dbsession.scalars(sa.select(Pod.id).where(
        Pod.id > after_id, Pod.status != POD_DOWN, Pod.blocked_at.is_(None)).order_by(Pod.id)
        .limit(SOFTWARE_BATCH + 1)))
    for pod_id in ids[:SOFTWARE_BATCH]:
        target = dbsession.get(Pod, pod_id, populate_existing=True)
        if target is not None:
            record_software(ctx.pod, target)
        _commit(ctx)
    return ids[SOFTWARE_BATCH - 1] if len(ids) > SOFTWARE_BATCH else None


def check_pods(ctx) -> int:
    """Probe every down pod whose check is due with GET /.well-known/nodeinfo. A pod that
    answers 2xx is up again and gets everything it missed; otherwise the next probe waits
    longer. Returns how many pods came back."""
    from . import http
    from .jobs import deliver_to_pod

    pod = ctx.pod
    dbsession = ctx.dbsession
    due = list(dbsession.scalars(sa.select(Pod.id).where(
        Pod.status == POD_DOWN, Pod.blocked_at.is_(None),
        sa.or_(Pod.next_check_at.is_(None), Pod.next_check_at <= utcnow()))
        .order_by(Pod.id)))
    back = 0
    for pod_id in due:
        target = dbsession.get(Pod, pod_id, populate_existing=True)
        base = target.base_url
        try:
            response = http.get(pod, f"{base}/.well-known/nodeinfo", purpose="nodeinfo",
                                accept="application/json")
            status = getattr(response, "status", 200)
            reason = None if 200 <= status < 300 else f"HTTP {status}"
        except ProtocolError as exc:
            response, reason = None, str(exc) or exc.__class__.__name__
        except Exception as exc:
            response, reason = None, f"{exc.__class__.__name__}: {exc}"
        target = dbsession.get(Pod, pod_id, populate_existing=True)
        now = utcnow()
        if reason is None:
            record_software(pod, target, response.body)
            mark_up(dbsession, target)
            back += 1
            ctx.enqueue(deliver_to_pod, pod_id)
        else:
            target.failures = (target.failures or 0) + 1
            target.last_error = f"health check: {reason}"[:2000]
            target.last_error_at = now
            target.next_check_at = now + check_interval(target.failures, pod.settings["federation.pod_down_after"])
        _commit(ctx)
    return back


def retry_pod_now(dbsession: Session, pod_id: int, enqueue) -> bool:
    """The admin's "retry now": the pod counts as up, its waiting deliveries are due now, and a
    worker is sent at it. False when there is no such pod, or it is blocked (unblocking sends)."""
    target = dbsession.get(Pod, pod_id, populate_existing=True)
    if target is None or target.blocked_at is not None:
        return False
    mark_up(dbsession, target)
    dbsession.flush()
    enqueue_pods(enqueue, [pod_id])
    return True


def pod_counts(dbsession: Session) -> dict[int, dict[str, int]]:
    """Pending and failed deliveries per pod, for the admin page."""
    counts: dict[int, dict[str, int]] = {}
    rows = dbsession.execute(sa.select(Delivery.pod_id, Delivery.state, sa.func.count())
                             .where(Delivery.state.in_((PENDING, SENDING, FAILED)))
                             .group_by(Delivery.pod_id, Delivery.state))
    for pod_id, state, count in rows:
        entry = counts.setdefault(pod_id, {"pending": 0, "failed": 0})
        entry["failed" if state == FAILED else "pending"] += count
    return counts
