"""Private conversations from other pods (PROTOCOL.md §9.5, §9.11)."""
from __future__ import annotations

from ...conversations.models import SUBJECT_MAX, Conversation, ConversationParticipant, Message
from ...db import utcnow
from ...notifications.services import notify
from ..errors import AuthorizationError, EntityError, NotFound
from .common import ANOTHER_AUTHOR, by_guid, known, person


def _privately(receipt, entity) -> None:
    """Private messages travel encrypted to each participant (§9.5); a public copy is not one."""
    if receipt.recipient_user is None:
        raise AuthorizationError(f"a {entity.type} must be sent privately")


def conversation(receipt, entity) -> Conversation:
    """A new conversation with its first messages; a copy for another of our users changes nothing."""
    _privately(receipt, entity)
    dbsession = receipt.dbsession
    author = receipt.sender_person
    existing = by_guid(dbsession, Conversation, entity.guid)
    if known(existing, author.id):
        return existing
    ids = list(dict.fromkeys(p.strip().lower() for p in (entity.get("participants") or "").split(";") if p.strip()))
    if author.diaspora_id not in ids:
        raise EntityError("conversation: the author is not among the participants")
    if receipt.recipient_user.diaspora_id not in ids:
        raise AuthorizationError(f"{receipt.recipient_user.diaspora_id} is not a participant of conversation "
                                 f"{entity.guid}")
    people = [person(receipt, diaspora_id) for diaspora_id in ids]
    messages = entity.get("messages") or []
    for message in messages:
        if message.get("author") != author.diaspora_id:
            raise EntityError(f"message {message.get('guid')} is not by the conversation's author")
        if by_guid(dbsession, Message, message.get("guid")) is not None:
            raise AuthorizationError(ANOTHER_AUTHOR)
    created = entity.get("created_at") or utcnow()
    row = Conversation(guid=entity.guid, subject=(entity.get("subject") or "")[:SUBJECT_MAX], author_id=author.id,
                       created_at=created, updated_at=created)
    row.participants = [ConversationParticipant(person_id=p.id, unread=0, hidden=False) for p in people]
    dbsession.add(row)
    dbsession.flush()
    for message in messages:
        _add_message(receipt, row, message)
    return row


def message(receipt, entity) -> Message:
    """A reply in a conversation the sender takes part in."""
    _privately(receipt, entity)
    dbsession = receipt.dbsession
    author = receipt.sender_person
    existing = by_guid(dbsession, Message, entity.guid)
    if known(existing, author.id):
        return existing
    row = by_guid(dbsession, Conversation, entity.get("conversation_guid"))
    if row is None:
        raise NotFound(f"conversation {entity.get('conversation_guid')} not found")
    if all(p.person_id != author.id for p in row.participants):
        raise AuthorizationError(f"{author.diaspora_id} is not a participant of conversation {row.guid}")
    return _add_message(receipt, row, entity)


def _add_message(receipt, row: Conversation, entity) -> Message:
    dbsession = receipt.dbsession
    author = receipt.sender_person
    created = entity.get("created_at") or utcnow()
    message_row = Message(guid=entity.get("guid"), conversation_id=row.id, author_id=author.id,
                          text=entity.get("text"), created_at=created)
    dbsession.add(message_row)
    row.updated_at = max(row.updated_at, created)
    for participant in row.participants:
        if participant.person_id == author.id:
            continue
        participant.unread += 1
        participant.hidden = False
        if participant.person.user_id is not None:
            notify(dbsession, kind="private_message", recipient_id=participant.person.user_id, actor_id=author.id,
                   target_type="Conversation", target_id=row.id, enqueue=receipt.enqueue)
    dbsession.flush()
    return message_row
