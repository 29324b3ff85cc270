"""Receiving (DESIGN.md §3, PROTOCOL.md §6, §7): every payload is an InboxItem first.

The receive views only store the raw body (``accept``) and answer 202. The job
``process_inbox_item`` then opens it: decrypts a private payload, reads the envelope, finds
the sender's key, verifies the signature, parses the entity, checks the sender may send it
and applies it through ``core.federation.receivers``. Anything wrong rejects the item with
the reason, and nothing it carried is stored: the apply step runs in the job's transaction,
which is thrown away before the rejection is written. A sender we cannot look up yet (their
pod is down) is retried with a growing delay, by the periodic sweep.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, User
from ..db import utcnow
from .discovery import find_or_fetch_person, known_person
from .entities import RELAYABLES, check_public, parse_entity
from .envelope import decrypt, read_envelope, verify_envelope
from .errors import AuthorizationError, DiscoveryError, ProtocolError
from .models import DONE, PENDING, REJECTED, InboxItem
from .moderation import refusal
from .receivers import applier_for
from .receivers.common import Retry

log = logging.getLogger(__name__)

PUBLIC = "public"
PRIVATE = "private"

# A sender we could not look up is tried this many times in all, then the item is rejected.
MAX_ATTEMPTS = 6
# Delay before attempt n+1 after n failed ones: 1, 4, 16, 64, 256 minutes.
RETRY_BASE_SECONDS = 60
# A stored item nobody processed within this time is picked up by the sweep.
SWEEP_GRACE = dt.timedelta(minutes=2)
SWEEP_BATCH = 500


# --- storing what arrives ---------------------------------------------------------------------

def accept(dbsession: Session, pod, body: bytes, route: str, recipient_user: User | None = None) -> InboxItem:
    """Store a received payload as it arrived; the caller enqueues ``process_inbox_item``."""
    now = utcnow()
    item = InboxItem(route=route, recipient_user_id=recipient_user.id if recipient_user else None,
                     body=body, body_sha256=hashlib.sha256(body).hexdigest(), state=PENDING,
                     received_at=now, next_attempt_at=now + SWEEP_GRACE)
    dbsession.add(item)
    dbsession.flush()
    return item


def reject_oversized(dbsession: Session, size: int, route: str, recipient_user: User | None = None) -> InboxItem:
    """Record a payload refused for its size; none of its content is kept."""
    reason = f"payload too large ({size} bytes)"
    now = utcnow()
    item = InboxItem(route=route, recipient_user_id=recipient_user.id if recipient_user else None,
                     body=b"", body_sha256=hashlib.sha256(b"").hexdigest(), state=REJECTED,
                     received_at=now, next_attempt_at=now, processed_at=now, reason=reason)
    dbsession.add(item)
    dbsession.flush()
    log.warning("inbox: rejected a %s payload: %s", route, reason)
    return item


# --- processing -------------------------------------------------------------------------------

@dataclass
class Learned:
    """What processing found out about an item, kept even when its transaction is thrown away."""

    sender: str | None = None
    entity_type: str | None = None
    entity_guid: str | None = None

    def write_to(self, item: InboxItem) -> None:
        item.sender = self.sender or item.sender
        item.entity_type = self.entity_type or item.entity_type
        item.entity_guid = self.entity_guid or item.entity_guid


def _claim(dbsession: Session, item_id: int) -> InboxItem | None:
    """The item if it is still pending and no other worker holds it."""
    return dbsession.scalar(sa.select(InboxItem).where(InboxItem.id == item_id, InboxItem.state == PENDING)
                            .with_for_update(skip_locked=True))


def process(ctx, item_id: int) -> None:
    """Process one inbox item; idempotent (only a pending item is touched)."""
    item = _claim(ctx.dbsession, item_id)
    if item is None:
        return
    if _already_done(ctx.dbsession, item):
        _finish(item, DONE, "duplicate")
        log.info("inbox: item %s is a replay of an earlier payload; nothing changed", item.id)
        return
    learned = Learned()
    try:
        _open_and_apply(ctx, item, learned)
    except Ignored as exc:
        _after_abort(ctx, item_id, learned, _ignore, str(exc))
    except Unwanted as exc:
        _after_abort(ctx, item_id, learned, _refuse, str(exc))
    except ProtocolError as exc:
        _after_abort(ctx, item_id, learned, _reject, str(exc))
    except Retry as exc:
        _after_abort(ctx, item_id, learned, _retry_later, str(exc))
    except Exception as exc:  # a bug or a database hiccup: never lose the item, never loop forever
        log.exception("inbox: item %s failed", item_id)
        _after_abort(ctx, item_id, learned, _retry_later, f"internal error: {exc.__class__.__name__}")
    else:
        learned.write_to(item)
        _finish(item, DONE, None)
        log.info("inbox: applied %s %s from %s", learned.entity_type, learned.entity_guid, learned.sender)


def _already_done(dbsession: Session, item: InboxItem) -> bool:
    return dbsession.scalar(sa.select(InboxItem.id).where(
        InboxItem.body_sha256 == item.body_sha256, InboxItem.state == DONE, InboxItem.id != item.id).limit(1)) is not None


def _after_abort(ctx, item_id: int, learned: Learned, outcome, reason: str) -> None:
    """Throw away everything the item wrote, then record its outcome in a fresh transaction."""
    ctx.tm.abort()
    ctx.tm.begin()
    item = ctx.dbsession.get(InboxItem, item_id)
    learned.write_to(item)
    outcome(item, reason)
    ctx.dbsession.flush()


def _finish(item: InboxItem, state: str, reason: str | None) -> None:
    item.state = state
    item.reason = reason
    item.processed_at = utcnow()


def _ignore(item: InboxItem, reason: str) -> None:
    _finish(item, DONE, reason)
    log.info("inbox: item %s changes nothing: %s", item.id, reason)


def _reject(item: InboxItem, reason: str) -> None:
    _finish(item, REJECTED, reason)
    log.warning("inbox: rejected item %s (%s %s from %s): %s", item.id, item.entity_type or "?",
                item.entity_guid or "?", item.sender or "?", reason)


def _refuse(item: InboxItem, reason: str) -> None:
    """Rejected for who sent it (a blocked pod, a locally closed account): not even the raw
    payload is kept, only who sent it and why it was refused."""
    _reject(item, reason)
    item.body = b""


def _retry_later(item: InboxItem, reason: str) -> None:
    item.attempts = (item.attempts or 0) + 1
    if item.attempts >= MAX_ATTEMPTS:
        _reject(item, f"gave up after {item.attempts} attempts: {reason}")
        return
    item.reason = reason
    item.next_attempt_at = utcnow() + dt.timedelta(seconds=RETRY_BASE_SECONDS * 4 ** (item.attempts - 1))
    log.info("inbox: item %s will be tried again at %s: %s", item.id, item.next_attempt_at, reason)


def _open_and_apply(ctx, item: InboxItem, learned: Learned) -> None:
    dbsession = ctx.dbsession
    recipient = None
    xml = item.body
    if item.route == PRIVATE:
        recipient = dbsession.get(User, item.recipient_user_id)
        if recipient is None:
            raise ProtocolError("the recipient's account no longer exists")
        xml = decrypt(item.body, recipient.private_key_pem)
    envelope = read_envelope(xml)
    learned.sender = envelope.sender
    # A blocked pod or a locally closed account: refused before anyone is asked anything.
    _refuse_unwanted(dbsession, envelope.sender)
    _ignore_undoing_by_strangers(dbsession, envelope, learned)
    try:
        sender = find_or_fetch_person(dbsession, ctx.pod, envelope.sender)
    except DiscoveryError as exc:
        raise Retry(f"cannot look up the sender {envelope.sender}: {exc}") from None
    _refuse_unwanted(dbsession, envelope.sender, sender)
    verify_envelope(envelope, sender.public_key_pem)
    entity = parse_entity(envelope.payload)
    learned.entity_type = entity.type
    learned.entity_guid = _guid_of(entity)
    receive_entity(ctx, entity, envelope.sender, item.route, recipient, sender_person=sender)


class Unwanted(AuthorizationError):
    """The sender (or the author of what they relay) is on a blocked pod or closed here."""


def _refuse_unwanted(dbsession: Session, diaspora_id: str | None, person: Person | None = None) -> None:
    """Refuse what comes from a blocked pod or an account an admin closed here."""
    reason = refusal(dbsession, diaspora_id, person)
    if reason:
        raise Unwanted(reason)


class Ignored(Exception):
    """The payload can change nothing here; done, with the reason, without a retry."""


# Entities that only take back what their sender gave before.
UNDOING = frozenset({"retraction", "account_deletion"})


def _ignore_undoing_by_strangers(dbsession: Session, envelope, learned: Learned) -> None:
    """A retraction or account deletion from someone we never knew has nothing to undo here,
    so there is no point in looking for their key (a closed account's pod may not answer).
    Nothing is applied, so reading the payload unverified is safe."""
    if known_person(dbsession, envelope.sender) is not None:
        return
    try:
        entity = parse_entity(envelope.payload, validate=False)
    except ProtocolError:
        return
    if entity.type in UNDOING:
        learned.entity_type, learned.entity_guid = entity.type, _guid_of(entity)
        raise Ignored(f"{entity.type} from {envelope.sender}, who is not known here: nothing to undo")


def _guid_of(entity) -> str | None:
    for name in ("guid", "target_guid"):
        value = entity.get(name)
        if value:
            return str(value)
    return None


# --- authorization and applying ---------------------------------------------------------------

@dataclass
class Receipt:
    """Everything an applier needs about one received entity."""

    dbsession: Session
    pod: object
    enqueue: object
    route: str
    sender: str
    sender_person: Person
    recipient_user: User | None = None
    # (type, guid) pairs being fetched right now: breaks fetch loops (§14).
    fetching: set = field(default_factory=set)


def check_sender_is_author(entity, sender: str) -> None:
    """The default rule of §6.3: the signer wrote the entity."""
    author = entity.get("author")
    if author != sender:
        raise AuthorizationError(f"author {author} is not the signer {sender}")


def receive_entity(ctx_like, entity, sender: str, route: str, recipient_user: User | None = None, *,
                   sender_person: Person | None = None, fetching: set | None = None):
    """Check that ``sender`` may send ``entity`` and apply it; returns what it stored (or found).

    Relayables and retractions are authorized by their appliers, which know the parent or
    target; everything else must be signed by its author.
    """
    apply = applier_for(entity.type)
    if route == PUBLIC:
        check_public(entity)
    if entity.type not in RELAYABLES and entity.type != "retraction":
        check_sender_is_author(entity, sender)
    if sender_person is None:
        try:
            sender_person = find_or_fetch_person(ctx_like.dbsession, ctx_like.pod, sender)
        except DiscoveryError as exc:
            raise Retry(f"cannot look up the sender {sender}: {exc}") from None
    _refuse_unwanted(ctx_like.dbsession, sender, sender_person)
    if entity.get("author") not in (None, sender):
        _refuse_unwanted(ctx_like.dbsession, entity.get("author"))  # a relayed comment or like
    if sender_person.closed_at is not None:
        raise AuthorizationError(f"the account of {sender} is closed")
    receipt = Receipt(ctx_like.dbsession, ctx_like.pod, getattr(ctx_like, "enqueue", None), route, sender,
                      sender_person, recipient_user, fetching if fetching is not None else set())
    return apply(receipt, entity)


# --- the sweep --------------------------------------------------------------------------------

def due_items(dbsession: Session, now: dt.datetime | None = None) -> list[int]:
    """Pending items whose time has come: lost messages, killed workers, retries. Each one's
    next attempt is pushed back so a busy queue doesn't get it twice."""
    now = now or utcnow()
    ids = list(dbsession.scalars(sa.select(InboxItem.id).where(
        InboxItem.state == PENDING, InboxItem.next_attempt_at <= now).order_by(InboxItem.id).limit(SWEEP_BATCH)))
    if ids:
        dbsession.execute(sa.update(InboxItem).where(InboxItem.id.in_(ids))
                          .values(next_attempt_at=now + SWEEP_GRACE), execution_options={"synchronize_session": False})
    return ids

