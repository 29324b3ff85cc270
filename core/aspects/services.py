"""Aspects, sharing and blocking (diaspora* semantics, PROTOCOL.md §12).

A user shares with a person by putting them in one of their aspects: the user's Contact for
that person gets ``receiving=True``. When the person is local, their own Contact for the user
mirrors it with ``sharing=True``. Blocking a person stops sharing both ways.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, Profile, User
from ..events import record
from ..notifications.models import Notification, NotificationActor
from ..notifications.services import notify
from .models import ASPECT_NAME_MAX, Aspect, AspectMembership, Block, Contact


class AspectError(ValueError):
    """Bad input for an aspect or contact action, with a message for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_blocked(dbsession: Session, user_id: int, person_id: int) -> bool:
    """Whether the user ``user_id`` blocked the person ``person_id``."""
    return dbsession.scalar(sa.select(Block.id).where(
        Block.user_id == user_id, Block.person_id == person_id)) is not None


def blocked_person_ids(dbsession: Session, user_id: int) -> set[int]:
    """The ids of every person the user ``user_id`` blocked."""
    return set(dbsession.scalars(sa.select(Block.person_id).where(Block.user_id == user_id)))


def blocked_between(dbsession: Session, user: User, person: Person) -> bool:
    """Whether either side blocked the other (only a local person can block back)."""
    if is_blocked(dbsession, user.id, person.id):
        return True
    return person.user_id is not None and is_blocked(dbsession, person.user_id, user.person.id)


def shares_with(dbsession: Session, owner_user_id: int, viewer_person_id: int) -> bool:
    """Whether the user ``owner_user_id`` shares with the person ``viewer_person_id``."""
    return dbsession.scalar(sa.select(Contact.id).where(
        Contact.user_id == owner_user_id, Contact.person_id == viewer_person_id,
        Contact.receiving.is_(True))) is not None


def stance(dbsession: Session, user_id: int, person_id: int) -> tuple[bool, bool]:
    """(sharing, blocking): whether the user shares with the person, and blocked them."""
    return shares_with(dbsession, user_id, person_id), is_blocked(dbsession, user_id, person_id)


def contact_for(dbsession: Session, user_id: int, person_id: int) -> Contact | None:
    return dbsession.scalar(sa.select(Contact).where(Contact.user_id == user_id, Contact.person_id == person_id))


def aspect_ids_of(dbsession: Session, user_id: int, person_id: int) -> set[int]:
    """The ids of the user's aspects the person is in."""
    return set(dbsession.scalars(
        sa.select(AspectMembership.aspect_id).join(Contact, Contact.id == AspectMembership.contact_id)
        .where(Contact.user_id == user_id, Contact.person_id == person_id)))


def _drop_if_empty(dbsession: Session, contact: Contact | None) -> None:
    """A contact with neither flag and no memberships means nothing; remove it."""
    if contact is None or contact.sharing or contact.receiving:
        return
    has_members = dbsession.scalar(sa.select(AspectMembership.aspect_id).where(
        AspectMembership.contact_id == contact.id).limit(1))
    if has_members is None:
        dbsession.delete(contact)


@dataclass
class AspectService:
    dbsession: Session
    pod: object

    # -- what changed, for the contact_changed event -------------------------------------

    def _stances(self, pairs) -> dict[tuple[int, int], tuple[bool, bool]]:
        """The stance of each (user id, person id) before an action."""
        return {pair: stance(self.dbsession, *pair) for pair in pairs}

    def _record_changes(self, before: dict[tuple[int, int], tuple[bool, bool]], enqueue=None) -> None:
        """A contact_changed event for each user whose stance towards the person really changed."""
        self.dbsession.flush()
        for (user_id, person_id), was in before.items():
            sharing, blocking = stance(self.dbsession, user_id, person_id)
            if (sharing, blocking) != was:
                record(self.dbsession, "contact_changed", {"user_id": user_id, "person_id": person_id,
                                                           "sharing": sharing, "blocking": blocking}, enqueue)

    # -- aspects -------------------------------------------------------------------------

    def aspects(self, user: User) -> list[Aspect]:
        return list(self.dbsession.scalars(
            sa.select(Aspect).where(Aspect.user_id == user.id).order_by(Aspect.position, Aspect.id)))

    def aspect(self, user: User, aspect_id) -> Aspect | None:
        """The user's aspect ``aspect_id``, or None (someone else's aspect counts as unknown)."""
        try:
            ident = int(aspect_id)
        except (TypeError, ValueError):
            return None
        return self.dbsession.scalar(sa.select(Aspect).where(Aspect.id == ident, Aspect.user_id == user.id))

    def _check_name(self, user: User, raw: str, keep: Aspect | None = None) -> str:
        name = " ".join((raw or "").split())
        if not name:
            raise AspectError("Give the aspect a name.")
        if len(name) > ASPECT_NAME_MAX:
            raise AspectError(f"Aspect names are at most {ASPECT_NAME_MAX} characters long.")
        for other in self.aspects(user):
            if other is not keep and other.name.lower() == name.lower():
                raise AspectError(f"You already have an aspect called “{other.name}”.")
        return name

    def create(self, user: User, name: str) -> Aspect:
        name = self._check_name(user, name)
        last = self.dbsession.scalar(sa.select(sa.func.max(Aspect.position)).where(Aspect.user_id == user.id))
        aspect = Aspect(user_id=user.id, name=name, position=(last if last is not None else -1) + 1)
        self.dbsession.add(aspect)
        self.dbsession.flush()
        return aspect

    def rename(self, user: User, aspect: Aspect, name: str) -> Aspect:
        aspect.name = self._check_name(user, name, keep=aspect)
        self.dbsession.flush()
        return aspect

    def reorder(self, user: User, aspect_ids: list) -> None:
        """Put the user's aspects in the order of ``aspect_ids``; unnamed ones keep theirs after."""
        aspects = self.aspects(user)
        by_id = {aspect.id: aspect for aspect in aspects}
        ordered: list[Aspect] = []
        for raw in aspect_ids:
            aspect = self.aspect(user, raw)
            if aspect is None:
                raise AspectError("That aspect doesn't exist.")
            if aspect not in ordered:
                ordered.append(by_id[aspect.id])
        ordered += [aspect for aspect in aspects if aspect not in ordered]
        for position, aspect in enumerate(ordered):
            aspect.position = position
        self.dbsession.flush()

    def move(self, user: User, aspect: Aspect, to: int) -> None:
        """Move one aspect to position ``to`` (0-based, clamped), keeping the others' order."""
        aspects = [other for other in self.aspects(user) if other.id != aspect.id]
        to = max(0, min(int(to), len(aspects)))
        aspects.insert(to, aspect)
        self.reorder(user, [each.id for each in aspects])

    def delete(self, user: User, aspect: Aspect, enqueue=None) -> None:
        """Delete the aspect; contacts left in no aspect are no longer shared with."""
        contact_ids = [m.contact_id for m in aspect.memberships]
        before = self._stances((user.id, m.contact.person_id) for m in aspect.memberships)
        self.dbsession.delete(aspect)
        self.dbsession.flush()
        for contact_id in contact_ids:
            contact = self.dbsession.get(Contact, contact_id)
            if contact is not None and not self._member_aspect_ids(contact):
                self._stop_sharing(user, contact)
        self._record_changes(before, enqueue)

    def set_position(self, aspect: Aspect, position: int) -> Aspect:
        """Store ``position`` as the aspect's place as given (the API's ``order``); the other
        aspects keep theirs, ties fall back to creation order."""
        aspect.position = position
        self.dbsession.flush()
        return aspect

    def add_member(self, user: User, aspect: Aspect, person: Person, enqueue=None) -> Contact:
        """Put ``person`` in one more of the user's aspects, which starts sharing with them."""
        current = aspect_ids_of(self.dbsession, user.id, person.id)
        if aspect.id in current:
            raise AspectError(f"{person.name} is already in “{aspect.name}”.")
        return self.set_aspects(user, person, sorted(current | {aspect.id}), enqueue)

    def remove_member(self, user: User, aspect: Aspect, person: Person, enqueue=None) -> Contact | None:
        """Take ``person`` out of one aspect; out of the last one, the user stops sharing with them."""
        current = aspect_ids_of(self.dbsession, user.id, person.id)
        if aspect.id not in current:
            raise AspectError(f"{person.name} is not in “{aspect.name}”.")
        return self.set_aspects(user, person, sorted(current - {aspect.id}), enqueue)

    # -- sharing -------------------------------------------------------------------------

    def _member_aspect_ids(self, contact: Contact) -> set[int]:
        return set(self.dbsession.scalars(sa.select(AspectMembership.aspect_id).where(
            AspectMembership.contact_id == contact.id)))

    def set_aspects(self, user: User, person: Person, aspect_ids, enqueue=None) -> Contact | None:
        """Put ``person`` in exactly the user's aspects ``aspect_ids`` ([] removes them from all).

        Returns the user's Contact for the person (None once it's gone). The person may be
        remote: then only the user's side changes."""
        before = self._stances([(user.id, person.id)])
        contact = self._set_aspects(user, person, aspect_ids, enqueue)
        self._record_changes(before, enqueue)
        return contact

    def _set_aspects(self, user: User, person: Person, aspect_ids, enqueue=None) -> Contact | None:
        if person.id == user.person.id:
            raise AspectError("You can't add yourself to your aspects.")
        wanted: set[int] = set()
        for raw in aspect_ids or ():
            aspect = self.aspect(user, raw)
            if aspect is None:
                raise AspectError("That aspect doesn't exist.")
            wanted.add(aspect.id)
        if wanted and blocked_between(self.dbsession, user, person):
            raise AspectError("You can't share with someone you blocked or who blocked you.")
        contact = contact_for(self.dbsession, user.id, person.id)
        if contact is None:
            if not wanted:
                return None
            contact = Contact(user_id=user.id, person_id=person.id, sharing=False, receiving=False)
            self.dbsession.add(contact)
            self.dbsession.flush()
        current = self._member_aspect_ids(contact)
        for aspect_id in current - wanted:
            self.dbsession.execute(sa.delete(AspectMembership).where(
                AspectMembership.contact_id == contact.id, AspectMembership.aspect_id == aspect_id))
        for aspect_id in wanted - current:
            self.dbsession.add(AspectMembership(contact_id=contact.id, aspect_id=aspect_id))
        self.dbsession.flush()
        self.dbsession.expire(contact, ["memberships"])
        if wanted:
            self._start_sharing(user, contact, enqueue)
            return contact
        self._stop_sharing(user, contact)
        return contact_for(self.dbsession, user.id, person.id)

    def _start_sharing(self, user: User, contact: Contact, enqueue=None) -> None:
        contact.receiving = True
        person = contact.person
        if person.user_id is None:
            return
        theirs = contact_for(self.dbsession, person.user_id, user.person.id)
        if theirs is None:
            theirs = Contact(user_id=person.user_id, person_id=user.person.id, sharing=False, receiving=False)
            self.dbsession.add(theirs)
        started = not theirs.sharing
        theirs.sharing = True
        self.dbsession.flush()
        if started:
            notify(self.dbsession, kind="started_sharing", recipient_id=person.user_id,
                   actor_id=user.person.id, target_type="Person", target_id=user.person.id, enqueue=enqueue)

    def _stop_sharing(self, user: User, contact: Contact) -> None:
        """The user no longer shares with the contact's person (memberships already gone)."""
        contact.receiving = False
        person = contact.person
        if person.user_id is not None:
            theirs = contact_for(self.dbsession, person.user_id, user.person.id)
            if theirs is not None:
                theirs.sharing = False
                self.dbsession.flush()
                _drop_if_empty(self.dbsession, theirs)
        self.dbsession.flush()
        _drop_if_empty(self.dbsession, contact)
        self.dbsession.flush()

    # -- blocking ------------------------------------------------------------------------

    def block(self, user: User, person: Person, enqueue=None) -> Block:
        """Block ``person``: sharing stops both ways and their notifications are marked read."""
        if person.id == user.person.id:
            raise AspectError("You can't block yourself.")
        pairs = [(user.id, person.id)]
        if person.user_id is not None:  # a local person stops sharing back: their stance changes too
            pairs.append((person.user_id, user.person.id))
        before = self._stances(pairs)
        block = self.dbsession.scalar(sa.select(Block).where(Block.user_id == user.id, Block.person_id == person.id))
        if block is None:
            block = Block(user_id=user.id, person_id=person.id)
            self.dbsession.add(block)
        mine = contact_for(self.dbsession, user.id, person.id)
        if mine is not None:
            self.dbsession.execute(sa.delete(AspectMembership).where(AspectMembership.contact_id == mine.id))
            mine.sharing = False
            self.dbsession.flush()
            self._stop_sharing(user, mine)
        if person.user_id is not None:
            theirs = contact_for(self.dbsession, person.user_id, user.person.id)
            if theirs is not None:
                self.dbsession.execute(sa.delete(AspectMembership).where(AspectMembership.contact_id == theirs.id))
                theirs.sharing = False
                self.dbsession.flush()
                owner = self.dbsession.get(User, person.user_id)
                self._stop_sharing(owner, theirs)
        from_them = sa.select(NotificationActor.notification_id).where(NotificationActor.person_id == person.id)
        self.dbsession.execute(sa.update(Notification).where(
            Notification.recipient_id == user.id, Notification.id.in_(from_them)).values(unread=False))
        self.dbsession.flush()
        self._record_changes(before, enqueue)
        return block

    def unblock(self, user: User, person: Person, enqueue=None) -> None:
        before = self._stances([(user.id, person.id)])
        self.dbsession.execute(sa.delete(Block).where(Block.user_id == user.id, Block.person_id == person.id))
        self.dbsession.flush()
        self._record_changes(before, enqueue)

    def blocks(self, user: User) -> list[Block]:
        return list(self.dbsession.scalars(
            sa.select(Block).where(Block.user_id == user.id).order_by(Block.created_at.desc(), Block.id.desc())))


def membership_counts(dbsession: Session, user_id: int) -> dict[int, int]:
    """How many contacts each of the user's aspects holds, by aspect id."""
    rows = dbsession.execute(
        sa.select(AspectMembership.aspect_id, sa.func.count()).join(Aspect, Aspect.id == AspectMembership.aspect_id)
        .where(Aspect.user_id == user_id).group_by(AspectMembership.aspect_id))
    return {aspect_id: count for aspect_id, count in rows}


@dataclass
class ContactRow:
    contact: Contact
    aspect_ids: list[int]

    @property
    def person(self) -> Person:
        return self.contact.person

    @property
    def state(self) -> str:
        if self.contact.mutual:
            return "mutual"
        return "sharing with you" if self.contact.sharing else "you share with them"


def contact_list(dbsession: Session, user_id: int, aspect_id: int | None = None, which: str = "all") -> list[ContactRow]:
    """The user's contacts with the aspects each is in; ``which`` is "all", "sharing" (they share
    with the user) or "receiving" (the user shares with them)."""
    query = sa.select(Contact).where(Contact.user_id == user_id, sa.or_(Contact.sharing, Contact.receiving))
    if which == "sharing":
        query = query.where(Contact.sharing.is_(True))
    elif which == "receiving":
        query = query.where(Contact.receiving.is_(True))
    if aspect_id is not None:
        query = query.where(Contact.id.in_(sa.select(AspectMembership.contact_id).where(
            AspectMembership.aspect_id == aspect_id)))
    contacts = list(dbsession.scalars(query).unique())
    memberships: dict[int, list[int]] = {}
    if contacts:
        rows = dbsession.execute(
            sa.select(AspectMembership.contact_id, AspectMembership.aspect_id)
            .join(Aspect, Aspect.id == AspectMembership.aspect_id)
            .where(AspectMembership.contact_id.in_([c.id for c in contacts]))
            .order_by(Aspect.position, Aspect.id))
        for contact_id, member_of in rows:
            memberships.setdefault(contact_id, []).append(member_of)
    rows = [ContactRow(contact, memberships.get(contact.id, [])) for contact in contacts]
    rows.sort(key=lambda row: (row.person.name.lower(), row.person.diaspora_id))
    return rows


def aspects_query(user_id: int) -> sa.Select:
    """The user's aspects in their order (for a pager)."""
    return sa.select(Aspect).where(Aspect.user_id == user_id).order_by(Aspect.position, Aspect.id)


def aspects_holding(dbsession: Session, user_id: int, person_id: int) -> list[Aspect]:
    """The user's aspects the person is in, in the user's order."""
    return list(dbsession.scalars(
        sa.select(Aspect).join(AspectMembership, AspectMembership.aspect_id == Aspect.id)
        .join(Contact, Contact.id == AspectMembership.contact_id)
        .where(Aspect.user_id == user_id, Contact.person_id == person_id)
        .order_by(Aspect.position, Aspect.id)))


def _people_by_name(query: sa.Select) -> sa.Select:
    """``query`` over Person ordered by first name, last name, then handle."""
    return (query.outerjoin(Profile, Profile.person_id == Person.id)
            .order_by(sa.func.lower(sa.func.coalesce(Profile.first_name, "")),
                      sa.func.lower(sa.func.coalesce(Profile.last_name, "")), Person.diaspora_id, Person.id))


def members_query(aspect_id: int) -> sa.Select:
    """The people in an aspect, by name (for a pager)."""
    in_aspect = (sa.select(Contact.person_id).join(AspectMembership, AspectMembership.contact_id == Contact.id)
                 .where(AspectMembership.aspect_id == aspect_id))
    return _people_by_name(sa.select(Person).where(Person.id.in_(in_aspect)))


def contacts_query(user_id: int) -> sa.Select:
    """Every person the user shares with or who shares with the user, by name (for a pager)."""
    contacts = sa.select(Contact.person_id).where(Contact.user_id == user_id,
                                                  sa.or_(Contact.sharing, Contact.receiving))
    return _people_by_name(sa.select(Person).where(Person.id.in_(contacts)))
