"""Sending entities to other pods (PROTOCOL.md §5.2, §13; DESIGN.md §3, §5).

Planning and sending are two steps. Planning (``deliver_public``, ``deliver_private``,
``relay``) runs in the transaction that decided to send: it signs the envelope once and writes
one Delivery row per target pod (public) or per target person (private). After commit one
``deliver_to_pod`` job per touched pod walks that pod's due rows in creation order.

Sending holds a short lease on the pod row so one worker talks to a pod at a time, in order.
A failure backs the delivery off exponentially; a pod that fails ``federation.pod_down_after``
times in a row is marked down and left alone until the health check finds it answering again.
Nothing is lost when a worker dies: a periodic sweep frees rows stuck in SENDING and
re-enqueues every pod with due work.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..aspects.models import AspectMembership, Contact
from ..db import utcnow
from ..posts.models import (AspectVisibility, Comment, Like, Mention, Participation, PollParticipation, Poll,
                            Post)
from .errors import ProtocolError
from .models import DONE, FAILED, PENDING, POD_DOWN, POD_UP, SENDING, Delivery, Pod, RelayableXml

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


# --- planning --------------------------------------------------------------------------------

def _sender_key(sender: Person) -> str:
    if sender.user is None:
        raise ValueError(f"{sender.diaspora_id} is not a local user: only local people sign what we send")
    return sender.user.private_key_pem


def _entity_key(entity, payload: bytes, dedupe_key: str | None) -> str:
    """What identifies the entity among Delivery rows: its guid, a retraction's target, or
    (for guid-less entities such as contact and profile) the caller's key or the payload hash."""
    guid = entity.get("guid") or entity.get("target_guid")
    if guid:
        return str(guid)
    if dedupe_key:
        return dedupe_key[:255]
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def entity_payload(dbsession: Session, entity) -> bytes:
    """The entity XML to sign: a relayable exactly as stored (its author's signature covers
    those bytes), anything else serialised now."""
    from .entities import RELAYABLES

    if entity.type in RELAYABLES and entity.get("guid"):
        stored = dbsession.scalar(sa.select(RelayableXml.xml).where(
            RelayableXml.entity_type == entity.type, RelayableXml.guid == entity.get("guid")))
        if stored is not None:
            return stored.encode("utf-8")
    return entity.to_xml()


def _signed_envelope(dbsession: Session, sender: Person, entity) -> tuple[bytes, bytes]:
    from .envelope import build_envelope

    payload = entity_payload(dbsession, entity)
    return payload, build_envelope(payload, sender.diaspora_id, _sender_key(sender))


def remote_people(people: Iterable[Person]) -> list[Person]:
    """Remote, open accounts we know a pod for, each once."""
    seen: dict[int, Person] = {}
    for person in people:
        if person is None or person.user_id is not None or person.pod_id is None or person.closed_at is not None:
            continue
        seen.setdefault(person.id, person)
    return list(seen.values())


def _pods(dbsession: Session, pod_ids: set[int], own_host: str) -> list[Pod]:
    if not pod_ids:
        return []
    rows = dbsession.scalars(sa.select(Pod).where(Pod.id.in_(pod_ids)).order_by(Pod.id))
    return [row for row in rows if row.host.lower() != own_host.lower()]


def _already(dbsession: Session, entity_type: str, key: str, sender_id: int) -> set[tuple[int, int | None]]:
    """(pod_id, recipient_person_id) of the rows planned before for this entity and sender."""
    rows = dbsession.execute(sa.select(Delivery.pod_id, Delivery.recipient_person_id).where(
        Delivery.entity_type == entity_type, Delivery.entity_guid == key,
        Delivery.sender_person_id == sender_id))
    return {(pod_id, person_id) for pod_id, person_id in rows}


def _enqueue_pods(enqueue, pod_ids: Iterable[int]) -> None:
    if enqueue is None:
        return
    from .jobs import deliver_to_pod

    for pod_id in sorted(set(pod_ids)):
        enqueue(deliver_to_pod, pod_id)


def deliver_public(dbsession: Session, pod, sender: Person, entity, recipients: Iterable[Person], enqueue,
                   *, dedupe_key: str | None = None, exclude_pod_ids: Iterable[int] = ()) -> list[Delivery]:
    """One Delivery per remote pod of ``recipients``, to its /receive/public (§5.2).

    Pods that already have this entity from this sender are skipped, so calling it again
    (a re-dispatched event) plans nothing twice."""
    pod_ids = {p.pod_id for p in remote_people(recipients)} - set(exclude_pod_ids)
    return deliver_public_to_pods(dbsession, pod, sender, entity, pod_ids, enqueue, dedupe_key=dedupe_key)


def deliver_public_to_pods(dbsession: Session, pod, sender: Person, entity, pod_ids: Iterable[int], enqueue,
                           *, dedupe_key: str | None = None) -> list[Delivery]:
    """``deliver_public`` when the pods are known already (a retraction goes where the
    original went, even after the people it was for are gone)."""
    targets = _pods(dbsession, set(pod_ids), pod.host)
    if not targets:
        return []
    payload, envelope = _signed_envelope(dbsession, sender, entity)
    key = _entity_key(entity, payload, dedupe_key)
    done = _already(dbsession, entity.type, key, sender.id)
    planned = []
    for target in targets:
        if (target.id, None) in done:
            continue
        row = Delivery(pod_id=target.id, recipient_person_id=None, sender_person_id=sender.id,
                       entity_type=entity.type, entity_guid=key, envelope=envelope, state=PENDING,
                       attempts=0, next_attempt_at=utcnow())
        dbsession.add(row)
        planned.append(row)
    dbsession.flush()
    _enqueue_pods(enqueue, [row.pod_id for row in planned])
    return planned


def earlier_targets(dbsession: Session, entity_types: Iterable[str], key: str,
                    sender_id: int | None = None) -> tuple[set[int], set[int]]:
    """(pod ids of public rows, person ids of private rows) an entity was planned for."""
    query = sa.select(Delivery.pod_id, Delivery.recipient_person_id).where(
        Delivery.entity_type.in_(list(entity_types)), Delivery.entity_guid == key)
    if sender_id is not None:
        query = query.where(Delivery.sender_person_id == sender_id)
    pods: set[int] = set()
    people: set[int] = set()
    for pod_id, person_id in dbsession.execute(query):
        if person_id is None:
            pods.add(pod_id)
        else:
            people.add(person_id)
    return pods, people


def deliver_private(dbsession: Session, pod, sender: Person, entity, recipients: Iterable[Person], enqueue,
                    *, dedupe_key: str | None = None, exclude_pod_ids: Iterable[int] = ()) -> list[Delivery]:
    """One Delivery per remote person, to their /receive/users/<guid> (§5.2, §7).

    The row holds the signed envelope; it is encrypted to the recipient's key only when sent,
    so planning never needs anything but the sender's key."""
    excluded = set(exclude_pod_ids)
    people = [p for p in remote_people(recipients) if p.pod_id not in excluded]
    allowed = {target.id for target in _pods(dbsession, {p.pod_id for p in people}, pod.host)}
    people = [p for p in people if p.pod_id in allowed]
    if not people:
        return []
    payload, envelope = _signed_envelope(dbsession, sender, entity)
    key = _entity_key(entity, payload, dedupe_key)
    done = _already(dbsession, entity.type, key, sender.id)
    planned = []
    for person in sorted(people, key=lambda p: p.id):
        if (person.pod_id, person.id) in done:
            continue
        row = Delivery(pod_id=person.pod_id, recipient_person_id=person.id, sender_person_id=sender.id,
                       entity_type=entity.type, entity_guid=key, envelope=envelope, state=PENDING,
                       attempts=0, next_attempt_at=utcnow())
        dbsession.add(row)
        planned.append(row)
    dbsession.flush()
    _enqueue_pods(enqueue, [row.pod_id for row in planned])
    return planned


def deliver(dbsession: Session, pod, sender: Person, entity, recipients: Iterable[Person], enqueue, *,
            public: bool, **options) -> list[Delivery]:
    """``deliver_public`` or ``deliver_private``, as the entity's audience asks."""
    planner = deliver_public if public else deliver_private
    return planner(dbsession, pod, sender, entity, recipients, enqueue, **options)


def post_recipients(dbsession: Session, post: Post) -> list[Person]:
    """The remote people who should get ``post`` and everything about it (§13).

    Public: everyone in the author's contacts in either direction, the remote people
    mentioned, everyone who took part (commented, liked, voted, reshared, subscribed) and,
    for a reshare, the root's author. Limited: the remote members of the aspects the post
    was shared with when it was posted (as ShareVisibility does for local users), so someone
    added to the aspect later never gets comments on a post they were not given."""
    if not post.public:
        query = (sa.select(Person)
                 .join(Contact, Contact.person_id == Person.id)
                 .join(AspectMembership, AspectMembership.contact_id == Contact.id)
                 .join(AspectVisibility, AspectVisibility.aspect_id == AspectMembership.aspect_id)
                 .where(AspectVisibility.post_id == post.id, AspectMembership.created_at <= post.created_at))
        if post.author.user_id is not None:
            query = query.where(Contact.user_id == post.author.user_id)
        return remote_people(dbsession.scalars(query.distinct()).unique())
    ids: set[int] = set()
    if post.author.user_id is not None:
        ids.update(dbsession.scalars(sa.select(Contact.person_id).where(Contact.user_id == post.author.user_id)))
    ids.update(dbsession.scalars(sa.select(Mention.person_id).where(Mention.post_id == post.id)))
    ids.update(dbsession.scalars(sa.select(Participation.person_id).where(Participation.post_id == post.id)))
    ids.update(dbsession.scalars(sa.select(Comment.author_id).where(Comment.post_id == post.id)))
    ids.update(dbsession.scalars(sa.select(Like.author_id).where(Like.post_id == post.id)))
    ids.update(dbsession.scalars(sa.select(Post.author_id).where(Post.root_id == post.id)))
    ids.update(dbsession.scalars(sa.select(PollParticipation.author_id)
                                 .join(Poll, Poll.id == PollParticipation.poll_id).where(Poll.post_id == post.id)))
    if post.is_reshare and post.root is not None:
        ids.add(post.root.author_id)
    ids.discard(post.author_id)
    if not ids:
        return []
    people = dbsession.scalars(sa.select(Person).where(
        Person.id.in_(ids), Person.user_id.is_(None), Person.pod_id.is_not(None)).order_by(Person.id)).unique()
    return remote_people(people)


def relay(dbsession: Session, pod, root_post: Post, entity, enqueue) -> None:
    """As the root post's author, pass a received relayable (or its retraction) on to everyone
    who got the root post, byte for byte, in a new envelope signed by the root author (§10.3).

    The pod of the relayable's author is skipped: it has the entity already."""
    root_author = root_post.author
    if root_author.user is None:
        return
    author = dbsession.scalar(sa.select(Person).where(Person.diaspora_id == entity.author)) \
        if entity.author else None
    excluded = [author.pod_id] if author is not None and author.user_id is None and author.pod_id else []
    recipients = [p for p in post_recipients(dbsession, root_post) if author is None or p.id != author.id]
    deliver(dbsession, pod, root_author, entity, recipients, enqueue, public=root_post.public,
            exclude_pod_ids=excluded)


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


def _next_due(dbsession: Session, pod_id: int, after_id: int) -> Delivery | None:
    return dbsession.scalar(sa.select(Delivery).where(
        Delivery.pod_id == pod_id, Delivery.state == PENDING, Delivery.next_attempt_at <= utcnow(),
        Delivery.id > after_id).order_by(Delivery.id).limit(1))


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
    (and failed) out of order; a down pod is not contacted at all."""
    from .jobs import deliver_to_pod

    pod = ctx.pod
    dbsession = ctx.dbsession
    target = dbsession.get(Pod, pod_id, populate_existing=True)
    if target is None or target.status == POD_DOWN:
        return
    if not take_lease(ctx, pod_id):
        return
    started = utcnow()
    more = False
    try:
        last_id = 0
        for _ in range(WALK_MAX_ROWS + 1):
            target = dbsession.get(Pod, pod_id, populate_existing=True)
            if target is None or target.status == POD_DOWN:
                break
            if utcnow() - started > WALK_BUDGET:
                more = True
                break
            row = _next_due(dbsession, pod_id, last_id)
            if row is None:
                break
            last_id = row.id
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
    """Free rows whose worker died, and wake every pod (not down) with due work. Returns how
    many pods were woken."""
    from .jobs import deliver_to_pod

    dbsession = ctx.dbsession
    now = utcnow()
    dbsession.execute(sa.update(Delivery).where(
        Delivery.state == SENDING, sa.or_(Delivery.claimed_at.is_(None), Delivery.claimed_at < now - STALE_CLAIM))
        .values(state=PENDING, claimed_at=None).execution_options(synchronize_session=False))
    pod_ids = list(dbsession.scalars(
        sa.select(Delivery.pod_id).join(Pod, Pod.id == Delivery.pod_id)
        .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now, Pod.status != POD_DOWN)
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


def _software(pod, base: str, links_body: bytes) -> str | None:
    """name and version from the pod's NodeInfo document, when it is easy to get."""
    import json

    from . import http

    try:
        links = json.loads(links_body).get("links") or []
        href = next((link.get("href") for link in reversed(links) if isinstance(link, dict) and link.get("href")),
                    None)
        if not href or not href.startswith(base):
            return None
        info = json.loads(http.get(pod, href, purpose="nodeinfo", accept="application/json").body)
        software = info.get("software") or {}
        text = " ".join(str(part) for part in (software.get("name"), software.get("version")) if part)
        return text[:255] or None
    except Exception:  # software is a nicety for the admin page; a pod that answers is up anyway
        return None


def check_pods(ctx) -> int:
    """Probe every down pod whose check is due with GET /.well-known/nodeinfo. A pod that
    answers 2xx is up again and gets everything it missed; otherwise the next probe waits
    longer. Returns how many pods came back."""
    from . import http
    from .jobs import deliver_to_pod

    pod = ctx.pod
    dbsession = ctx.dbsession
    due = list(dbsession.scalars(sa.select(Pod.id).where(
        Pod.status == POD_DOWN, sa.or_(Pod.next_check_at.is_(None), Pod.next_check_at <= utcnow()))
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
            software = _software(pod, base, response.body)
            if software:
                target.software = software
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
    worker is sent at it. False when there is no such pod."""
    target = dbsession.get(Pod, pod_id, populate_existing=True)
    if target is None:
        return False
    mark_up(dbsession, target)
    dbsession.flush()
    _enqueue_pods(enqueue, [pod_id])
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
