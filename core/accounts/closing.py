"""Closing a local account: the user (or an admin) ends it for good.

What goes at once, in the closing transaction: every post, photo (rows and files), comment,
like, poll vote and reshare, the mentions of them, the profile's details, aspects, blocks,
followed tags, notifications to and about them, their place in conversations, sessions, API
tokens and app authorizations, reports they made, exports and imports (with their files) and
roles. Any table that refers to the user, a plugin's too, is emptied of their rows.

What stays: the ``users`` row (username, so nobody takes it over, and the private key that
signs the ``account_deletion``) with the email replaced by a placeholder (so the address can
sign up again) and a password nothing matches; the ``people`` row, closed, with a blank
profile; and, as diaspora* keeps them, the messages they wrote in conversations others are
still in.

The ``account_closed`` event makes federation send one ``account_deletion`` to the pods of
their contacts and of everyone they ever delivered to; that covers every post and interaction,
so no retraction goes out for each. Federation finds those pods from the user's contacts and
past deliveries, so these two go only once the event is dispatched: :func:`finish_closing`
dispatches it if it is still waiting, then removes them.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..aspects.models import AspectMembership, Contact
from ..conversations.models import Conversation, ConversationParticipant
from ..db import Base, utcnow
from ..events import services as events
from ..events.models import Event
from ..jobs import Periodic, job
from ..notifications.models import Notification, NotificationActor
from ..people.removal import remove_person_content
from .models import Person, User

log = logging.getLogger(__name__)

# No argon2 hash looks like this, so no password ever matches it.
UNUSABLE_PASSWORD = "!closed"
# Where the placeholder addresses of closed accounts live (RFC 2606: never delivered).
PLACEHOLDER_DOMAIN = "closed.invalid"
# The federation entity that tells other pods; its deliveries stay after closing.
ACCOUNT_DELETION = "account_deletion"
# How often the sweep finishes closings whose follow-up job was lost.
SWEEP_EVERY_SECONDS = 600

# Rows kept on purpose: (table, column) pairs referring to users.id or people.id.
_KEEP = {("people", "user_id"), ("profiles", "person_id")}
# Removed by finish_closing, once federation has found the pods to tell.
_LATER = {("contacts", "user_id"), ("deliveries", "sender_person_id")}
# Kept while others are still in the conversation (diaspora* keeps them too).
_CONVERSATIONS = {("conversations", "author_id"), ("messages", "author_id")}


class ClosingNotReady(RuntimeError):
    """The account_closed event is being dispatched by another worker: try again later."""


def placeholder_email(user: User) -> str:
    return f"closed-{user.id}@{PLACEHOLDER_DOMAIN}"


def close_account(dbsession: Session, pod, user: User, enqueue: Callable | None) -> None:
    """Close ``user``'s account and remove what it holds (see the module's docstring).

    Runs in the caller's transaction; repeating it on a closed account changes nothing (it
    only makes sure the follow-up runs).
    """
    if user.closed_at is not None:
        if enqueue is not None:
            enqueue(finish_closing, user.id)
        return
    person = user.person
    # Recorded first, with the account still whole: the event is what federation reads.
    events.record(dbsession, "account_closed", {"person_id": person.id, "diaspora_id": person.diaspora_id}, enqueue)
    remove_person_content(dbsession, person, pod)
    _leave_conversations(dbsession, person)
    _drop_notifications_about(dbsession, person)
    files = _portability_files(dbsession, pod, user)
    _remove_references(dbsession, "users", user.id, skip=_KEEP | _LATER)
    _remove_references(dbsession, "people", person.id, skip=_KEEP | _LATER | _CONVERSATIONS)
    now = utcnow()
    user.closed_at = now
    person.closed_at = now
    user.email = placeholder_email(user)
    user.password_hash = UNUSABLE_PASSWORD
    user.getting_started = False
    dbsession.flush()
    dbsession.expire(user, ["roles", "aspects"])
    if files:
        sa.event.listen(dbsession, "after_commit", lambda session: _unlink(files), once=True)
    if enqueue is not None:
        enqueue(finish_closing, user.id)


# --- the parts ---------------------------------------------------------------------------------

def _leave_conversations(dbsession: Session, person: Person) -> None:
    """They leave every conversation; one no local user is in any more goes entirely."""
    ids = set(dbsession.scalars(sa.select(ConversationParticipant.conversation_id).where(
        ConversationParticipant.person_id == person.id)))
    ids.update(dbsession.scalars(sa.select(Conversation.id).where(Conversation.author_id == person.id)))
    dbsession.execute(sa.delete(ConversationParticipant).where(ConversationParticipant.person_id == person.id))
    if not ids:
        return
    local_left = set(dbsession.scalars(
        sa.select(ConversationParticipant.conversation_id)
        .join(Person, Person.id == ConversationParticipant.person_id)
        .where(ConversationParticipant.conversation_id.in_(ids), Person.user_id.is_not(None),
               Person.closed_at.is_(None))))
    gone = ids - local_left
    if gone:
        dbsession.execute(sa.delete(Conversation).where(Conversation.id.in_(gone)))


def _drop_notifications_about(dbsession: Session, person: Person) -> None:
    """Notifications about them (they started sharing...) and those they were the only actor of."""
    acted = set(dbsession.scalars(sa.select(NotificationActor.notification_id).where(
        NotificationActor.person_id == person.id)))
    dbsession.execute(sa.delete(NotificationActor).where(NotificationActor.person_id == person.id))
    dbsession.execute(sa.delete(Notification).where(Notification.target_type == "Person",
                                                    Notification.target_id == person.id))
    if acted:
        others = sa.select(NotificationActor.notification_id).where(
            NotificationActor.notification_id == Notification.id).exists()
        dbsession.execute(sa.delete(Notification).where(Notification.id.in_(acted), ~others),
                          execution_options={"synchronize_session": False})


def _portability_files(dbsession: Session, pod, user: User) -> list[Path]:
    """The files of the user's exports and imports, to remove after commit."""
    from ..portability.models import Export, Import

    data_dir = Path(pod.data_dir)
    files: list[Path] = []
    for folder, model, columns in (("exports", Export, ("archive_path", "photos_path")),
                                   ("imports", Import, ("archive_path",))):
        base = (data_dir / folder).resolve()
        for row in dbsession.scalars(sa.select(model).where(model.user_id == user.id)):
            for column in columns:
                name = getattr(row, column)
                if not name:
                    continue
                path = (base / name).resolve()
                if path.is_relative_to(base):
                    files.append(path)
    return files


def _unlink(paths) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s of a closed account: %s", path, exc)


def references(target: str):
    """Every (table, column) whose foreign key points at ``target``.id, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == target and fk.column.name == "id":
                    yield table, column, fk


def _remove_references(dbsession: Session, target: str, ident: int, skip) -> None:
    """Delete each row referring to ``target`` ``ident``; a reference that may be cleared
    (ON DELETE SET NULL, like who reviewed a report) is cleared instead."""
    for table, column, fk in references(target):
        if (table.name, column.name) in skip or table.name == target:
            continue
        if column.nullable and (fk.ondelete or "").upper() == "SET NULL":
            dbsession.execute(table.update().where(column == ident).values({column.name: None}))
        else:
            dbsession.execute(table.delete().where(column == ident))


# --- after the account_deletion is planned -----------------------------------------------------

def _waiting_events(conn, person_id: int) -> list[int]:
    rows = conn.execute(sa.select(Event.id, Event.payload, Event.attempts).where(
        Event.name == "account_closed", Event.dispatched_at.is_(None)))
    return [row.id for row in rows
            if (row.payload or {}).get("person_id") == person_id and row.attempts < events.MAX_ATTEMPTS]


def _dispatch_first(ctx, user_id: int) -> int | None:
    """Dispatch the account_closed event if it is still waiting; the closed person's id, or
    None when there is nothing (more) to finish. Reads on a connection of its own, so the job's
    session starts after the dispatch's claim."""
    engine = ctx.pod.engine
    with engine.connect() as conn:
        row = conn.execute(sa.select(User.closed_at, Person.id).join(Person, Person.user_id == User.id)
                           .where(User.id == user_id)).first()
        if row is None or row[0] is None:
            return None
        person_id = row[1]
        waiting = _waiting_events(conn, person_id)
    for event_id in waiting:
        if not events.dispatch(ctx, event_id):
            with engine.connect() as conn:
                if event_id in _waiting_events(conn, person_id):
                    raise ClosingNotReady(f"event {event_id} is being dispatched; closing finishes after it")
    return person_id


@job()
def finish_closing(ctx, user_id: int) -> None:
    """Remove the closed account's contacts and past deliveries once the account_deletion is
    planned (federation reads them to find the pods to tell); idempotent."""
    person_id = _dispatch_first(ctx, user_id)
    if person_id is None:
        return
    dbsession = ctx.dbsession
    mine = sa.select(Contact.id).where(Contact.user_id == user_id)
    dbsession.execute(sa.delete(AspectMembership).where(AspectMembership.contact_id.in_(mine)))
    dbsession.execute(sa.delete(Contact).where(Contact.user_id == user_id))
    deliveries = _deliveries()
    dbsession.execute(deliveries.delete().where(deliveries.c.sender_person_id == person_id,
                                                deliveries.c.entity_type != ACCOUNT_DELETION))


def _deliveries() -> sa.Table:
    """Federation's table of outgoing payloads (domain code doesn't import federation)."""
    return Base.metadata.tables["deliveries"]


def unfinished(dbsession: Session) -> list[int]:
    """Closed accounts that still have contacts or deliveries other than the account_deletion."""
    table = _deliveries()
    contacts = sa.select(Contact.id).where(Contact.user_id == User.id).exists()
    deliveries = (sa.select(table.c.id).join(Person, Person.id == table.c.sender_person_id)
                  .where(Person.user_id == User.id, table.c.entity_type != ACCOUNT_DELETION).exists())
    return list(dbsession.scalars(sa.select(User.id).where(User.closed_at.is_not(None),
                                                           sa.or_(contacts, deliveries)).order_by(User.id)))


@job()
def sweep_closed_accounts(ctx) -> None:
    """Finish closings whose follow-up was lost (a crash between commit and enqueue)."""
    for user_id in unfinished(ctx.dbsession):
        ctx.enqueue(finish_closing, user_id)


PERIODIC = [Periodic(sweep_closed_accounts, SWEEP_EVERY_SECONDS)]

__all__ = ["close_account", "finish_closing", "sweep_closed_accounts", "placeholder_email", "references",
           "UNUSABLE_PASSWORD", "PERIODIC"]
