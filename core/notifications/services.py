"""Creating and reading notifications. Other domains call ``notify``; nothing else writes rows."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, Profile, User
from ..aspects.models import Block, Contact
from ..conversations.models import Conversation, ConversationParticipant
from ..db import utcnow
from ..posts.models import Comment, MutedPost, Post
from ..posts.visibility import not_blocked, visible_to
from ..streams.paging import BadCursor, Cursor, Page, keyset
from .models import KINDS, EmailOptOut, Notification, NotificationActor

# What the settings page says next to each kind's checkbox ("Mail me when ...").
EMAIL_LABELS = {
    "started_sharing": "someone starts sharing with me",
    "mentioned": "someone mentions me in a post",
    "mentioned_in_comment": "someone mentions me in a comment",
    "comment_on_post": "someone comments on my post",
    "also_commented": "someone comments on a post I commented on",
    "liked": "someone likes my post",
    "liked_comment": "someone likes my comment",
    "reshared": "someone reshares my post",
    "private_message": "someone sends me a private message",
    "contacts_birthday": "a contact has a birthday",
}

# The filter links of the list.
FILTER_LABELS = {
    "started_sharing": "Started sharing",
    "mentioned": "Mentions",
    "mentioned_in_comment": "Mentions in comments",
    "comment_on_post": "Comments",
    "also_commented": "Also commented",
    "liked": "Likes",
    "liked_comment": "Comment likes",
    "reshared": "Reshares",
    "private_message": "Messages",
    "contacts_birthday": "Birthdays",
}

# Kinds API clients don't get as notifications: they read private messages as conversations.
NOT_IN_API = ("private_message",)

# Past this many actors the sentence says "and N others".
MAX_NAMED_ACTORS = 3
QUOTE_LENGTH = 200


class NotificationError(ValueError):
    """Bad input on a notifications page; ``message`` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- writing ---------------------------------------------------------------------------

def notify(dbsession: Session, *, kind: str, recipient_id: int, actor_id: int,
           target_type: str, target_id: int, enqueue=None, at: dt.datetime | None = None) -> Notification | None:
    """Tell the user ``recipient_id`` that the person ``actor_id`` did ``kind`` to a target.

    Actors are grouped into one unread notification per (recipient, kind, target). Nothing
    is created for one's own actions, for actors the recipient blocked, or about a post the
    recipient muted. ``enqueue`` is ``request.enqueue`` or a job's ``ctx.enqueue``; with it,
    the recipient is mailed after commit unless they switched that kind off, and only the
    first time this actor joins the notification. ``at`` stamps it (default: now).
    Returns the notification, or None.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipient_person = dbsession.scalar(sa.select(Person.id).where(Person.user_id == recipient_id))
    if recipient_person == actor_id:
        return None
    blocked = dbsession.scalar(sa.select(Block.id).where(Block.user_id == recipient_id, Block.person_id == actor_id))
    if blocked is not None:
        return None
    if _muted(dbsession, recipient_id, target_type, target_id):
        return None
    now = at or utcnow()
    notification = dbsession.scalar(sa.select(Notification).where(
        Notification.recipient_id == recipient_id, Notification.kind == kind,
        Notification.target_type == target_type, Notification.target_id == target_id))
    if notification is None:
        notification = Notification(recipient_id=recipient_id, kind=kind, target_type=target_type,
                                    target_id=target_id, created_at=now)
        dbsession.add(notification)
    notification.unread = True
    notification.updated_at = now
    new_actor = all(actor.person_id != actor_id for actor in notification.actors)
    if new_actor:
        notification.actors.append(NotificationActor(person_id=actor_id, created_at=now))
    dbsession.flush()
    if new_actor and enqueue is not None and wants_email(dbsession, recipient_id, kind):
        from .jobs import send_notification_mail

        enqueue(send_notification_mail, notification.id, actor_id)
    return notification


def _muted(dbsession: Session, user_id: int, target_type: str, target_id: int) -> bool:
    """A muted post (diaspora*) sends no more notifications, neither about it nor its comments."""
    if target_type == "Post":
        post_id = target_id
    elif target_type == "Comment":
        post_id = dbsession.scalar(sa.select(Comment.post_id).where(Comment.id == target_id))
    else:
        return False
    return post_id is not None and dbsession.scalar(sa.select(MutedPost.post_id).where(
        MutedPost.user_id == user_id, MutedPost.post_id == post_id)) is not None


def wants_email(dbsession: Session, user_id: int, kind: str) -> bool:
    return dbsession.get(EmailOptOut, (user_id, kind)) is None


def mark_read_for_target(dbsession: Session, user_id: int, target_type: str, target_id: int) -> int:
    """Mark the user's notifications about a target read (a post also covers its comments).

    Called when the user opens the target. Returns how many were unread.
    """
    about = sa.and_(Notification.target_type == target_type, Notification.target_id == target_id)
    if target_type == "Post":
        comments = sa.select(Comment.id).where(Comment.post_id == target_id)
        about = sa.or_(about, sa.and_(Notification.target_type == "Comment", Notification.target_id.in_(comments)))
    result = dbsession.execute(sa.update(Notification).where(
        Notification.recipient_id == user_id, Notification.unread.is_(True), about).values(unread=False),
        execution_options={"synchronize_session": False})
    return result.rowcount or 0


def unread_count(dbsession: Session, user_id: int) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.unread.is_(True))) or 0


# --- reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """A piece of a notification's sentence, a link when ``url`` is set."""

    text: str
    url: str | None = None


@dataclass
class Target:
    """What a notification points at, as far as its recipient may see it."""

    url: str | None = None
    post: Post | None = None
    text: str | None = None  # the commented or mentioning text, for quoting

    @property
    def exists(self) -> bool:
        return self.url is not None


@dataclass
class Item:
    """One notification as the list and the mails show it."""

    notification: Notification
    actors: list[Person]
    parts: list[Part] = field(default_factory=list)
    target: Target = field(default_factory=Target)

    @property
    def id(self) -> int:
        return self.notification.id

    @property
    def kind(self) -> str:
        return self.notification.kind

    @property
    def unread(self) -> bool:
        return self.notification.unread

    @property
    def updated_at(self) -> dt.datetime:
        return self.notification.updated_at

    @property
    def sentence(self) -> str:
        return "".join(part.text for part in self.parts)


def person_url(person: Person) -> str:
    return f"/people/{person.guid}"


def actor_parts(actors: list[Person]) -> list[Part]:
    """'Alice', 'Alice and Bob', 'Alice, Bob and Carol', 'Alice, Bob and 3 others'."""
    links = [Part(person.name, person_url(person)) for person in actors]
    if len(links) <= 1:
        return links
    if len(links) <= MAX_NAMED_ACTORS:
        parts: list[Part] = []
        for index, link in enumerate(links[:-1]):
            parts += [link, Part(", " if index < len(links) - 2 else " and ")]
        return parts + [links[-1]]
    return [links[0], Part(", "), links[1], Part(f" and {len(links) - 2} others")]


def _link(target: Target, text: str, missing: str) -> Part:
    return Part(text, target.url) if target.exists else Part(missing)


def sentence_parts(kind: str, target_type: str, actors: list[Person], target: Target, when: dt.datetime) -> list[Part]:
    """The human sentence of a notification, starting with its actors."""
    missing = {"Comment": "a deleted comment", "Conversation": "a deleted conversation"}.get(target_type,
                                                                                             "a deleted post")
    if kind == "started_sharing":
        rest = [Part(" started sharing with you.")]
    elif kind == "contacts_birthday":
        rest = [Part(f" has a birthday on {when:%B} {when.day}.")]
    elif kind == "mentioned":
        rest = [Part(" mentioned you in "), _link(target, "a post", missing), Part(".")]
    elif kind == "mentioned_in_comment":
        rest = [Part(" mentioned you in "), _link(target, "a comment", missing), Part(".")]
    elif kind == "comment_on_post":
        rest = [Part(" commented on "), _link(target, "your post", missing), Part(".")]
    elif kind == "also_commented":
        author = target.post.author.name if target.post is not None else ""
        rest = [Part(" also commented on "), _link(target, f"{author}'s post", missing), Part(".")]
    elif kind == "liked":
        rest = [Part(" liked "), _link(target, "your post", missing), Part(".")]
    elif kind == "liked_comment":
        rest = [Part(" liked "), _link(target, "your comment", missing), Part(".")]
    elif kind == "reshared":
        rest = [Part(" reshared "), _link(target, "your post", missing), Part(".")]
    else:  # private_message
        rest = [Part(" sent you "), _link(target, "a private message", missing), Part(".")]
    return actor_parts(actors) + rest


@dataclass
class NotificationService:
    dbsession: Session
    pod: object

    def page(self, user: User, *, kind: str | None = None, unread_only: bool = False,
             cursor: str | None = None) -> Page:
        """A page of ``user``'s notifications, newest first, as Items."""
        if kind is not None and kind not in KINDS:
            raise NotificationError(f"There is no kind of notification called {kind!r}.")
        try:
            position = Cursor.decode(cursor)
        except BadCursor:
            raise NotificationError("That page link is broken; start again from the newest notifications.") from None
        query = sa.select(Notification).where(Notification.recipient_id == user.id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        if unread_only:
            query = query.where(Notification.unread.is_(True))
        page = keyset(self.dbsession, query, Notification.updated_at, Notification.id, position)
        return Page(self.present(user, page.items), page.next_cursor)

    def present(self, user: User, notifications) -> list[Item]:
        """Items with their sentences; actors the user blocked since are left out, and so is
        a notification left with none."""
        blocked = set(self.dbsession.scalars(sa.select(Block.person_id).where(Block.user_id == user.id)))
        targets = self._targets(user, notifications)
        items = []
        for notification in notifications:
            actors = [actor.person for actor in reversed(notification.actors) if actor.person_id not in blocked]
            if not actors:
                continue
            target = targets.get((notification.target_type, notification.target_id), Target())
            parts = sentence_parts(notification.kind, notification.target_type, actors, target,
                                   notification.updated_at)
            items.append(Item(notification, actors, parts, target))
        return items

    def item(self, user: User, notification_id: int, actor_id: int | None = None) -> Item | None:
        """One notification of ``user``, optionally told as if ``actor_id`` were its only actor."""
        notification = self.dbsession.scalar(sa.select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == user.id))
        if notification is None:
            return None
        (item,) = self.present(user, [notification]) or (None,)
        if item is not None and actor_id is not None:
            actors = [person for person in item.actors if person.id == actor_id]
            if not actors:
                return None
            item.actors = actors
            item.parts = sentence_parts(notification.kind, notification.target_type, actors, item.target,
                                        notification.updated_at)
        return item

    def _targets(self, user: User, notifications) -> dict[tuple[str, int], Target]:
        """Every target of these notifications the user may still see, in a few queries."""
        wanted: dict[str, set[int]] = {}
        for notification in notifications:
            wanted.setdefault(notification.target_type, set()).add(notification.target_id)
        found: dict[tuple[str, int], Target] = {}
        visible = sa.and_(visible_to(user), not_blocked(user))
        if wanted.get("Post"):
            for post in self.dbsession.scalars(sa.select(Post).where(Post.id.in_(wanted["Post"]), visible)):
                found["Post", post.id] = Target(f"/posts/{post.guid}", post, post.text)
        if wanted.get("Comment"):
            rows = self.dbsession.execute(sa.select(Comment, Post).join(Post, Post.id == Comment.post_id).where(
                Comment.id.in_(wanted["Comment"]), visible))
            for comment, post in rows:
                found["Comment", comment.id] = Target(f"/posts/{post.guid}#comment-{comment.guid}", post, comment.text)
        if wanted.get("Person"):
            for person in self.dbsession.scalars(sa.select(Person).where(Person.id.in_(wanted["Person"]))):
                found["Person", person.id] = Target(person_url(person))
        if wanted.get("Conversation"):
            mine = sa.exists().where(ConversationParticipant.conversation_id == Conversation.id,
                                     ConversationParticipant.person_id == user.person.id)
            for conversation in self.dbsession.scalars(sa.select(Conversation).where(
                    Conversation.id.in_(wanted["Conversation"]), mine)):
                found["Conversation", conversation.id] = Target(f"/conversations/{conversation.guid}")
        return found

    # --- for API clients ---

    def api_query(self, user: User, *, only_unread: bool = False, since: dt.datetime | None = None) -> sa.Select:
        """The user's notifications as a query for the API's pager, by ``created_at``: unread ones
        only if asked, those created at ``since`` or later. Private messages stay out: API
        clients read them as conversations (and diaspora*'s schema has no type for them)."""
        query = sa.select(Notification).where(Notification.recipient_id == user.id,
                                              Notification.kind.not_in(NOT_IN_API))
        if only_unread:
            query = query.where(Notification.unread.is_(True))
        if since is not None:
            query = query.where(Notification.created_at >= since)
        return query

    def by_guid(self, user: User, guid: str) -> Notification | None:
        """One of the user's notifications API clients see, by guid; None for anyone else's."""
        return self.dbsession.scalar(sa.select(Notification).where(
            Notification.guid == guid, Notification.recipient_id == user.id, Notification.kind.not_in(NOT_IN_API)))

    def set_read(self, notification: Notification, read: bool) -> None:
        notification.unread = not read
        self.dbsession.flush()

    # --- marking read ---

    def mark_read(self, user: User, notification_id: int) -> Notification:
        notification = self.dbsession.scalar(sa.select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == user.id))
        if notification is None:
            raise LookupError(notification_id)
        notification.unread = False
        return notification

    def mark_all_read(self, user: User, kind: str | None = None) -> int:
        if kind is not None and kind not in KINDS:
            raise NotificationError(f"There is no kind of notification called {kind!r}.")
        query = sa.update(Notification).where(Notification.recipient_id == user.id, Notification.unread.is_(True))
        if kind is not None:
            query = query.where(Notification.kind == kind)
        result = self.dbsession.execute(query.values(unread=False), execution_options={"synchronize_session": False})
        return result.rowcount or 0

    # --- email switches ---

    def emailed_kinds(self, user: User) -> set[str]:
        off = set(self.dbsession.scalars(sa.select(EmailOptOut.kind).where(EmailOptOut.user_id == user.id)))
        return set(KINDS) - off

    def set_emailed_kinds(self, user: User, kinds) -> None:
        """Mail ``user`` for exactly these kinds; every other kind gets an opt-out row."""
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise NotificationError(f"There is no kind of notification called {unknown[0]!r}.")
        self.dbsession.execute(sa.delete(EmailOptOut).where(EmailOptOut.user_id == user.id))
        self.dbsession.add_all(EmailOptOut(user_id=user.id, kind=kind) for kind in KINDS if kind not in kinds)
        self.dbsession.flush()


# --- birthdays -------------------------------------------------------------------------

def notify_birthdays(dbsession: Session, today: dt.date, enqueue=None) -> int:
    """Tell every local user about the birthdays today (UTC) of the people sharing with them.

    Safe to run more than once a day: a notification already stamped today is left alone.
    A 29 February birthday is told on 28 February in other years. Returns how many were told.
    """
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    month, day = sa.extract("month", Profile.birthday), sa.extract("day", Profile.birthday)
    rows = dbsession.execute(sa.select(Contact.user_id, Contact.person_id)
                             .join(Profile, Profile.person_id == Contact.person_id)
                             .where(Contact.sharing.is_(True), Profile.birthday.is_not(None),
                                    sa.or_(*[sa.and_(month == m, day == d) for m, d in days]))
                             .order_by(Contact.id)).all()
    now = utcnow()
    stamp = now if now.date() == today else dt.datetime.combine(today, dt.time(), dt.timezone.utc)
    told = 0
    for user_id, person_id in rows:
        existing = dbsession.scalar(sa.select(Notification).where(
            Notification.recipient_id == user_id, Notification.kind == "contacts_birthday",
            Notification.target_type == "Person", Notification.target_id == person_id))
        if existing is not None:
            if existing.updated_at.date() == today:
                continue
            # Last year's: start it afresh so it is told (and mailed) again.
            existing.actors.clear()
            dbsession.flush()
        if notify(dbsession, kind="contacts_birthday", recipient_id=user_id, actor_id=person_id,
                  target_type="Person", target_id=person_id, enqueue=enqueue, at=stamp) is not None:
            told += 1
    return told
