"""Welcoming people: the spotlight (public posts of the people holding the ``spotlight`` role)
and the getting-started steps a new user works through, each with its state read from what
the user has done so far."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, User
from ..aspects.models import Contact
from ..posts.models import Post, Tag, TagFollowing, Tagging
from ..posts.visibility import for_streams
from ..streams.services import spotlight_person_ids

NEWHERE = "newhere"
# Popular tags are counted over this many of the latest public posts (an index walk, not a scan).
POPULAR_WINDOW = 1000


def spotlight_stream(viewer) -> sa.Select:
    """The spotlight's public posts, for ``core.streams.services.page_of`` to order and page."""
    return sa.select(Post).where(Post.public.is_(True), Post.author_id.in_(spotlight_person_ids()),
                                 for_streams(viewer))


def spotlight_people(dbsession: Session, exclude_person_id: int | None = None, limit: int = 6) -> list[Person]:
    query = sa.select(Person).where(Person.id.in_(spotlight_person_ids())).order_by(Person.id).limit(limit)
    if exclude_person_id is not None:
        query = query.where(Person.id != exclude_person_id)
    return list(dbsession.scalars(query).unique())


def popular_tags(dbsession: Session, limit: int = 8) -> list[str]:
    """The tags used most on the latest public posts, most used first."""
    latest = (sa.select(Post.id).where(Post.public.is_(True))
              .order_by(Post.created_at.desc(), Post.id.desc()).limit(POPULAR_WINDOW).subquery())
    uses = sa.func.count(Tagging.post_id)
    query = (sa.select(Tag.name).join(Tagging, Tagging.tag_id == Tag.id).join(latest, latest.c.id == Tagging.post_id)
             .group_by(Tag.id, Tag.name).order_by(uses.desc(), Tag.name).limit(limit))
    return list(dbsession.scalars(query))


@dataclass
class Step:
    key: str
    title: str
    done: bool
    extra: dict = field(default_factory=dict)


def has_profile(user: User) -> bool:
    profile = user.person.profile
    return profile is not None and bool((profile.first_name or "").strip() or (profile.last_name or "").strip()
                                        or profile.image_url)


def follows_a_tag(dbsession: Session, user: User) -> bool:
    return dbsession.scalar(sa.select(TagFollowing.tag_id).where(TagFollowing.user_id == user.id).limit(1)) is not None


def has_contacts(dbsession: Session, user: User) -> bool:
    """Someone is in one of the user's aspects (or shares with them)."""
    return dbsession.scalar(sa.select(Contact.id).where(Contact.user_id == user.id,
                                                        sa.or_(Contact.receiving, Contact.sharing)).limit(1)) is not None


def posted_newhere(dbsession: Session, user: User) -> bool:
    query = (sa.select(Post.id).join(Tagging, Tagging.post_id == Post.id).join(Tag, Tag.id == Tagging.tag_id)
             .where(Post.author_id == user.person.id, Tag.name == NEWHERE).limit(1))
    return dbsession.scalar(query) is not None


@dataclass
class GettingStarted:
    dbsession: Session
    pod: object

    def steps(self, user: User) -> list[Step]:
        followed = {name for name in self.dbsession.scalars(
            sa.select(Tag.name).join(TagFollowing, TagFollowing.tag_id == Tag.id)
            .where(TagFollowing.user_id == user.id))}
        suggestions = [name for name in popular_tags(self.dbsession) if name not in followed]
        return [
            Step("profile", "Fill in your profile", has_profile(user)),
            Step("tags", "Follow a few tags", bool(followed), {"suggestions": suggestions, "followed": sorted(followed)}),
            Step("people", "Find people", has_contacts(self.dbsession, user),
                 {"spotlight": spotlight_people(self.dbsession, exclude_person_id=user.person.id)}),
            Step("post", "Say hello with #newhere", posted_newhere(self.dbsession, user)),
        ]

    def finish(self, user: User) -> None:
        """The user is done with the steps: they leave the stream."""
        user.getting_started = False
