"""Conversations: private threads among people who share with the one who starts them.

Like diaspora*, anyone may be written to only if they share with the writer (their Contact
has ``sharing``) and the writer hasn't blocked them. Each participant keeps an unread count
and a hidden switch; a new message counts as unread for the others and brings the thread
back into their list.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.keys import new_guid
from ..accounts.models import Person, User
from ..aspects.models import Block, Contact
from ..db import utcnow
from ..events import record
from ..notifications.models import Notification
from ..notifications.services import mark_read_for_target, notify
from ..streams.paging import DEFAULT_PER_PAGE, BadCursor, Cursor, Page, keyset
from .models import SUBJECT_MAX, Conversation, ConversationParticipant, Message

MESSAGE_MAX = 65535
ONLY_SHARERS = "You can only write to people who share with you"
ONLY_CONTACTS = "You can only write to people you share with and who share with you"


class ConversationError(ValueError):
    """Bad input for a conversation; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def unread_conversations(dbsession: Session, person_id: int) -> int:
    """How many of the person's listed conversations have unread messages."""
    return dbsession.scalar(sa.select(sa.func.count()).select_from(ConversationParticipant).where(
        ConversationParticipant.person_id == person_id, ConversationParticipant.unread > 0,
        ConversationParticipant.hidden.is_(False))) or 0


@dataclass
class ConversationService:
    dbsession: Session
    pod: object

    # -- who one may write to ----------------------------------------------------------------

    def _writable(self, user: User) -> sa.Select:
        blocked = sa.select(Block.person_id).where(Block.user_id == user.id)
        return (sa.select(Person).join(Contact, Contact.person_id == Person.id)
                .where(Contact.user_id == user.id, Contact.sharing.is_(True), Person.id.not_in(blocked),
                       Person.id != user.person.id))

    def possible_recipients(self, user: User) -> list[Person]:
        """The people ``user`` may write to, by name."""
        return sorted(self.dbsession.scalars(self._writable(user)).unique(), key=lambda p: p.name.lower())

    def _recipients(self, user: User, guids) -> list[Person]:
        wanted = [g.strip() for g in dict.fromkeys(guids or []) if g and g.strip()]
        if not wanted:
            raise ConversationError("Choose at least one person to write to.")
        people = list(self.dbsession.scalars(self._writable(user).where(Person.guid.in_(wanted))).unique())
        if len(people) != len(wanted):
            raise ConversationError(ONLY_SHARERS)
        return people

    def _check_mutual(self, user: User, guids) -> None:
        """Refuse anyone who isn't a mutual contact of ``user`` (the API's rule, as in diaspora*)."""
        wanted = {g.strip() for g in guids or [] if g and g.strip()}
        mutual = set(self.dbsession.scalars(self._writable(user).where(
            Person.guid.in_(wanted), Contact.receiving.is_(True)).with_only_columns(Person.guid)))
        if wanted - mutual:
            raise ConversationError(ONLY_CONTACTS)

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def _text(text: str) -> str:
        text = (text or "").strip()
        if not text:
            raise ConversationError("Write a message.")
        if len(text) > MESSAGE_MAX:
            raise ConversationError(f"Messages are at most {MESSAGE_MAX:,} characters long.")
        return text

    def start(self, user: User, recipient_guids, subject: str, text: str, enqueue=None) -> Conversation:
        subject = " ".join((subject or "").split())
        if not subject:
            raise ConversationError("Give the conversation a subject.")
        if len(subject) > SUBJECT_MAX:
            raise ConversationError(f"Subjects are at most {SUBJECT_MAX} characters long.")
        text = self._text(text)
        recipients = self._recipients(user, recipient_guids)
        now = utcnow()
        conversation = Conversation(guid=new_guid(), subject=subject, author_id=user.person.id,
                                    created_at=now, updated_at=now)
        conversation.participants = [ConversationParticipant(person_id=person.id, unread=0, hidden=False)
                                     for person in [user.person, *recipients]]
        self.dbsession.add(conversation)
        self.dbsession.flush()
        self._add_message(user, conversation, text, enqueue)
        record(self.dbsession, "conversation_started", {"conversation_id": conversation.id}, enqueue)
        return conversation

    def start_with_contacts(self, user: User, recipient_guids, subject: str, text: str,
                            enqueue=None) -> Conversation:
        """``start``, allowing only mutual contacts as recipients (API clients write to those)."""
        self._check_mutual(user, recipient_guids)
        return self.start(user, recipient_guids, subject, text, enqueue)

    def reply(self, user: User, conversation: Conversation, text: str, enqueue=None) -> Message:
        """A new message from a participant (callers find the conversation with ``of_participant``)."""
        message = self._add_message(user, conversation, self._text(text), enqueue)
        record(self.dbsession, "message_sent", {"message_id": message.id}, enqueue)
        return message

    def _add_message(self, user: User, conversation: Conversation, text: str, enqueue) -> Message:
        now = utcnow()
        message = Message(guid=new_guid(), conversation_id=conversation.id, author_id=user.person.id,
                          text=text, created_at=now)
        self.dbsession.add(message)
        conversation.updated_at = now
        for participant in conversation.participants:
            if participant.person_id == user.person.id:
                continue
            participant.unread += 1
            participant.hidden = False
            if participant.person.user_id is not None:
                notify(self.dbsession, kind="private_message", recipient_id=participant.person.user_id,
                       actor_id=user.person.id, target_type="Conversation", target_id=conversation.id,
                       enqueue=enqueue)
        self.dbsession.flush()
        return message

    # -- reading ------------------------------------------------------------------------------

    def _participant(self, user: User, conversation: Conversation) -> ConversationParticipant:
        return next(p for p in conversation.participants if p.person_id == user.person.id)

    def of_participant(self, user: User, guid: str) -> Conversation | None:
        """The conversation ``guid`` if ``user`` takes part in it, else None (a 404 either way)."""
        mine = sa.exists().where(ConversationParticipant.conversation_id == Conversation.id,
                                 ConversationParticipant.person_id == user.person.id)
        return self.dbsession.scalar(sa.select(Conversation).where(Conversation.guid == guid, mine))

    def inbox(self, user: User, raw_cursor: str | None = None, per_page: int = DEFAULT_PER_PAGE) -> Page:
        """The user's listed conversations, newest message first: rows of (Conversation, unread)."""
        try:
            cursor = Cursor.decode(raw_cursor)
        except BadCursor:
            raise ConversationError("That page link is broken: go back to the first page.") from None
        query = (sa.select(Conversation, ConversationParticipant.unread)
                 .join(ConversationParticipant, ConversationParticipant.conversation_id == Conversation.id)
                 .where(ConversationParticipant.person_id == user.person.id,
                        ConversationParticipant.hidden.is_(False)))
        return keyset(self.dbsession, query, Conversation.updated_at, Conversation.id, cursor, per_page,
                      key=lambda row: (row[0].updated_at, row[0].id))

    def listed(self, user: User, *, only_unread: bool = False, since=None) -> sa.Select:
        """The user's listed conversations as a query (for the API's pager, by ``created_at``):
        only those with unread messages if asked, only those started at ``since`` or later."""
        mine = sa.select(ConversationParticipant.conversation_id).where(
            ConversationParticipant.person_id == user.person.id, ConversationParticipant.hidden.is_(False))
        if only_unread:
            mine = mine.where(ConversationParticipant.unread > 0)
        query = sa.select(Conversation).where(Conversation.id.in_(mine))
        if since is not None:
            query = query.where(Conversation.created_at >= since)
        return query

    def is_read(self, user: User, conversation: Conversation) -> bool:
        return self._participant(user, conversation).unread == 0

    def messages_query(self, conversation: Conversation) -> sa.Select:
        """The conversation's messages, oldest first."""
        return (sa.select(Message).where(Message.conversation_id == conversation.id)
                .order_by(Message.created_at, Message.id))

    def messages(self, conversation: Conversation) -> list[Message]:
        return list(self.dbsession.scalars(self.messages_query(conversation)))

    def mark_read(self, user: User, conversation: Conversation) -> None:
        self._participant(user, conversation).unread = 0
        mark_read_for_target(self.dbsession, user.id, "Conversation", conversation.id)
        self.dbsession.flush()

    def mark_unread(self, user: User, conversation: Conversation) -> None:
        """Flag the conversation as having something unread again (it has at least one message)."""
        participant = self._participant(user, conversation)
        participant.unread = max(participant.unread, 1)
        self.dbsession.flush()

    def leave(self, user: User, conversation: Conversation) -> bool:
        """Take the user out of the conversation for good, with their notifications about it;
        the last participant to leave deletes it. Returns whether it was deleted.

        Unlike ``hide``, nothing brings it back: diaspora*'s API deletes a participant's copy."""
        self.dbsession.delete(self._participant(user, conversation))
        self.dbsession.execute(sa.delete(Notification).where(
            Notification.recipient_id == user.id, Notification.target_type == "Conversation",
            Notification.target_id == conversation.id))
        self.dbsession.flush()
        self.dbsession.expire(conversation, ["participants"])
        if conversation.participants:
            return False
        self.dbsession.delete(conversation)
        self.dbsession.flush()
        return True

    def hide(self, user: User, conversation: Conversation) -> None:
        """Off the user's list until someone writes in it again."""
        participant = self._participant(user, conversation)
        participant.hidden = True
        participant.unread = 0
        mark_read_for_target(self.dbsession, user.id, "Conversation", conversation.id)
        self.dbsession.flush()
