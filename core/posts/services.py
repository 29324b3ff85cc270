"""Posting: the composer's checks, who a limited post goes to, and what a post's text adds
(mentions, tags, NSFW). Interactions with posts live in ``interactions.py``."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.keys import new_guid
from ..accounts.models import Person
from ..aspects.models import Aspect, AspectMembership, Contact
from ..db import utcnow
from ..events import record
from ..notifications.services import notify
from .models import (RESHARE, AspectVisibility, Mention, MutedPost, Participation, Poll, PollAnswer, Post,
                     ShareVisibility, Tag, Tagging)
from .rendering import extract_mentions, extract_tags

VISIBILITIES = ("public", "all_aspects", "aspects")
MAX_PHOTOS = 4
POLL_TEXT_MAX = 255
LOCATION_MAX = 255


class PostError(ValueError):
    """A post action we refuse; ``message`` says why and ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Draft:
    """What the composer sent."""

    text: str = ""
    visibility: str = "all_aspects"
    aspect_ids: list = field(default_factory=list)
    # (bytes, alt text) of each uploaded file.
    photos: list = field(default_factory=list)
    poll_question: str = ""
    # One answer a line from the composer; a list from the API, where every entry must say
    # something and a list, even an empty one, means a poll was asked for.
    poll_answers: str | list = ""
    location: str = ""
    # The API's extras: the author's photos uploaded before (pending, by guid) and the
    # location's coordinates (numbers as text, both or neither).
    photo_guids: list = field(default_factory=list)
    location_lat: str | None = None
    location_lng: str | None = None


def participate(dbsession: Session, person_id: int, post_id: int) -> None:
    """Record that the person takes part in the post (once)."""
    exists = dbsession.scalar(sa.select(Participation.id).where(
        Participation.person_id == person_id, Participation.post_id == post_id))
    if exists is None:
        dbsession.add(Participation(guid=new_guid(), person_id=person_id, post_id=post_id))
        dbsession.flush()


def muted(dbsession: Session, user_id: int, post_id: int) -> bool:
    return dbsession.scalar(sa.select(MutedPost.user_id).where(
        MutedPost.user_id == user_id, MutedPost.post_id == post_id)) is not None


def notify_about(dbsession: Session, post: Post, *, kind: str, recipient_id: int, actor_id: int,
                 target_type: str, target_id: int, enqueue=None) -> None:
    """``notify``, unless the recipient muted ``post``."""
    if muted(dbsession, recipient_id, post.id):
        return
    notify(dbsession, kind=kind, recipient_id=recipient_id, actor_id=actor_id,
           target_type=target_type, target_id=target_id, enqueue=enqueue)


def can_user_see(dbsession: Session, user_id: int, post: Post) -> bool:
    """Whether the local user ``user_id`` may see ``post`` (public, theirs, or given to them)."""
    if post.public or post.author.user_id == user_id:
        return True
    return dbsession.scalar(sa.select(ShareVisibility.user_id).where(
        ShareVisibility.post_id == post.id, ShareVisibility.user_id == user_id)) is not None


def mentionable_people(dbsession: Session, post: Post, text: str) -> list[Person]:
    """The known people mentioned in ``text`` who may see ``post`` (in a limited post only
    those it was given to, as diaspora* does)."""
    ids = extract_mentions(text)
    if not ids:
        return []
    people = dbsession.scalars(sa.select(Person).where(Person.diaspora_id.in_(ids)).order_by(Person.id))
    return [p for p in people if post.public or (p.user_id is not None and can_user_see(dbsession, p.user_id, post))]


def coordinates(lat, lng) -> tuple[str | None, str | None]:
    """A location's latitude and longitude as stored (text), checked to be a place on Earth;
    (None, None) when neither is given."""
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat_value, lng_value = float(lat), float(lng)
    except (TypeError, ValueError):
        raise PostError("A location's latitude and longitude are numbers.") from None
    if not (math.isfinite(lat_value) and math.isfinite(lng_value)
            and -90 <= lat_value <= 90 and -180 <= lng_value <= 180):
        raise PostError("A latitude is from -90 to 90 and a longitude from -180 to 180.")
    return repr(lat_value), repr(lng_value)


def reshare_by(dbsession: Session, person_id: int, post: Post) -> Post | None:
    """The person's reshare of ``post`` (of its original, when ``post`` is a reshare), if any."""
    root_id = post.root_id if post.type == RESHARE else post.id
    if root_id is None:
        return None
    return dbsession.scalar(sa.select(Post).where(Post.root_id == root_id, Post.author_id == person_id,
                                                  Post.type == RESHARE))


@dataclass
class PostService:
    dbsession: Session
    pod: object

    @property
    def max_length(self) -> int:
        return self.pod.settings["posts.max_length"]

    def check_text(self, text: str, what: str = "Posts") -> str:
        if len(text) > self.max_length:
            raise PostError(f"{what} are at most {self.max_length:,} characters long; "
                            f"this one has {len(text):,}.")
        return text

    def create(self, user, draft: Draft, enqueue=None, *, created_at=None, federate: bool = True) -> Post:
        """A new status message by ``user``; every check runs before anything is stored.

        An imported post keeps its original ``created_at``; with ``federate`` false no
        post_published event is recorded, so it is not sent to contacts and followers."""
        text = self.check_text((draft.text or "").strip())
        photos = [(data, alt) for data, alt in draft.photos if data]
        pending = self._pending_photos(user, draft.photo_guids)
        if not text and not photos and not pending:
            raise PostError("Write something or add a photo.")
        if len(photos) + len(pending) > MAX_PHOTOS:
            raise PostError(f"A post holds at most {MAX_PHOTOS} photos.")
        aspects = self._audience(user, draft.visibility, draft.aspect_ids)
        poll = self._poll(draft.poll_question, draft.poll_answers)
        location = (draft.location or "").strip()
        if len(location) > LOCATION_MAX:
            raise PostError(f"A location is at most {LOCATION_MAX} characters long.")
        lat, lng = coordinates(draft.location_lat, draft.location_lng)
        if lat is not None and not location:
            raise PostError("Give the location's address with its coordinates.")

        now = created_at or utcnow()
        post = Post(guid=new_guid(), author_id=user.person.id, public=aspects is None, text=text,
                    location_address=location or None, location_lat=lat, location_lng=lng,
                    created_at=now, interacted_at=now)
        self.dbsession.add(post)
        self.dbsession.flush()
        if aspects is not None:
            self._share(post, aspects)
        if pending:
            from .photos import PhotoService

            PhotoService(self.dbsession, self.pod).attach(pending, post)
        if photos:
            self._add_photos(user, post, photos)
        if poll is not None:
            question, answers = poll
            self.dbsession.add(Poll(guid=new_guid(), post_id=post.id, question=question, answers=[
                PollAnswer(guid=new_guid(), answer=answer, position=i) for i, answer in enumerate(answers)]))
        participate(self.dbsession, user.person.id, post.id)
        self._tag(post)
        self._mention(post, user, enqueue)
        self.dbsession.flush()
        if federate:
            record(self.dbsession, "post_published", {"post_id": post.id}, enqueue)
        return post

    def _audience(self, user, visibility: str, raw_ids) -> list[Aspect] | None:
        """None for a public post, else the author's aspects it goes to."""
        if visibility not in VISIBILITIES:
            raise PostError("Choose who can see the post: public, all your aspects or some of them.")
        if visibility == "public":
            return None
        mine = {a.id: a for a in self.dbsession.scalars(sa.select(Aspect).where(Aspect.user_id == user.id))}
        if visibility == "all_aspects":
            return list(mine.values())
        chosen = []
        for raw in raw_ids or []:
            try:
                aspect = mine[int(raw)]
            except (KeyError, TypeError, ValueError):
                raise PostError("One of the chosen aspects is not yours.") from None
            if aspect not in chosen:
                chosen.append(aspect)
        if not chosen:
            raise PostError("Choose at least one aspect, or make the post public.")
        return chosen

    def _share(self, post: Post, aspects: list[Aspect]) -> None:
        """Give the post to every local user in the aspects now; later members never get it."""
        for aspect in aspects:
            self.dbsession.add(AspectVisibility(post_id=post.id, aspect_id=aspect.id))
        ids = [a.id for a in aspects]
        user_ids = set(self.dbsession.scalars(
            sa.select(Person.user_id)
            .join(Contact, Contact.person_id == Person.id)
            .join(AspectMembership, AspectMembership.contact_id == Contact.id)
            .where(AspectMembership.aspect_id.in_(ids), Person.user_id.is_not(None))))
        user_ids.discard(post.author.user_id)
        for user_id in sorted(user_ids):
            self.dbsession.add(ShareVisibility(post_id=post.id, user_id=user_id))
        self.dbsession.flush()

    def _pending_photos(self, user, guids) -> list:
        """The author's own pending photos named by ``guids``; any other guid is refused."""
        if not guids:
            return []
        from .photos import PhotoError, PhotoService

        try:
            return PhotoService(self.dbsession, self.pod).pending_of(user, guids)
        except PhotoError as exc:
            raise PostError(exc.message) from None

    def _poll(self, question: str, answers_text: str | list) -> tuple[str, list[str]] | None:
        question = (question or "").strip()
        asked = isinstance(answers_text, list)
        if asked:
            answers = [str(answer).strip() for answer in answers_text]
            if not all(answers):
                raise PostError("Every poll answer needs some text.")
        else:
            answers = [line.strip() for line in (answers_text or "").splitlines() if line.strip()]
        if not question and not answers and not asked:
            return None
        if not question:
            raise PostError("Write the poll's question.")
        if len(question) > POLL_TEXT_MAX:
            raise PostError(f"A poll question is at most {POLL_TEXT_MAX} characters long.")
        if len(answers) < 2:
            raise PostError("A poll needs at least two answers, one per line.")
        if any(len(answer) > POLL_TEXT_MAX for answer in answers):
            raise PostError(f"Each poll answer is at most {POLL_TEXT_MAX} characters long.")
        return question, answers

    def _add_photos(self, user, post: Post, photos) -> None:
        from .photos import PhotoError, PhotoService

        service = PhotoService(self.dbsession, self.pod)
        try:
            uploaded = [service.upload(user, data, alt) for data, alt in photos]
        except PhotoError as exc:
            raise PostError(exc.message) from None
        service.attach(uploaded, post)

    def _tag(self, post: Post) -> None:
        tags = extract_tags(post.text)
        post.nsfw = "nsfw" in tags
        for name in sorted(tags):
            tag = self.dbsession.scalar(sa.select(Tag).where(Tag.name == name))
            if tag is None:
                tag = Tag(name=name)
                self.dbsession.add(tag)
                self.dbsession.flush()
            self.dbsession.add(Tagging(tag_id=tag.id, post_id=post.id))

    def _mention(self, post: Post, user, enqueue) -> None:
        for person in mentionable_people(self.dbsession, post, post.text):
            self.dbsession.add(Mention(person_id=person.id, post_id=post.id))
            if person.user_id is not None:
                notify_about(self.dbsession, post, kind="mentioned", recipient_id=person.user_id,
                             actor_id=user.person.id, target_type="Post", target_id=post.id, enqueue=enqueue)
