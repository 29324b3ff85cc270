"""Planning deliveries (PROTOCOL.md §5.2, §13; DESIGN.md §3, §5).

Planning (``deliver_public``, ``deliver_private``, ``relay``) runs in the transaction that
decided to send: it signs the envelope once and writes one Delivery row per target pod
(public) or per target person (private). After commit one ``deliver_to_pod`` job per touched
pod hands the rows to :mod:`core.federation.sending`.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..aspects.models import AspectMembership, Contact
from ..db import utcnow
from ..events import dispatched_event
from ..posts.models import (AspectVisibility, Comment, Like, Mention, Participation, PollParticipation, Poll,
                            Post)
from .envelope import build_envelope
from .models import PENDING, Delivery, Pod, RelayableXml

log = logging.getLogger(__name__)

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


def enqueue_pods(enqueue, pod_ids: Iterable[int]) -> None:
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
    return _plan(dbsession, sender, entity, [(target.id, None) for target in targets], enqueue, dedupe_key)


def _plan(dbsession: Session, sender: Person, entity, targets: list[tuple[int, int | None]], enqueue,
          dedupe_key: str | None) -> list[Delivery]:
    """One row per (pod id, recipient person id or None) not planned already; one signature."""
    if not targets:
        return []
    payload = entity_payload(dbsession, entity)
    key = _entity_key(entity, payload, dedupe_key)
    done = _already(dbsession, entity.type, key, sender.id)
    targets = [target for target in targets if target not in done]
    if not targets:
        return []  # a re-dispatch: everything was planned before, so nothing is signed again
    envelope = build_envelope(payload, sender.diaspora_id, _sender_key(sender))
    # Rows go out in the order of what the user did (the event's time), even when two events
    # were dispatched at once and the later one planned its rows first.
    event = dispatched_event()
    acted_at = event.created_at if event is not None else utcnow()
    planned = []
    for pod_id, person_id in targets:
        row = Delivery(pod_id=pod_id, recipient_person_id=person_id, sender_person_id=sender.id,
                       entity_type=entity.type, entity_guid=key, envelope=envelope, state=PENDING,
                       attempts=0, next_attempt_at=utcnow(), created_at=acted_at)
        dbsession.add(row)
        planned.append(row)
    dbsession.flush()
    enqueue_pods(enqueue, [row.pod_id for row in planned])
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
    people = sorted((p for p in people if p.pod_id in allowed), key=lambda p: p.id)
    return _plan(dbsession, sender, entity, [(p.pod_id, p.id) for p in people], enqueue, dedupe_key)


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
