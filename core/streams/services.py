"""The streams as queries: each function returns a ``Select`` over Post, filtered by the one
visibility rule and left unordered, for ``paging.keyset`` (or the API) to order and page.

Every query is shaped for the posts indexes: a stream is "posts whose id (or author) is in
these small, indexed sets", so PostgreSQL walks ix_posts_created_at_id (or
ix_posts_interacted_at_id) backwards and stops after a page, or looks the few ids up by key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, Role
from ..aspects.models import Aspect, AspectMembership, Contact
from ..posts.models import (AspectVisibility, Comment, Like, Mention, Participation, Post, Tag, TagFollowing,
                            Tagging)
from ..posts.visibility import for_streams, per_row_exists
from .paging import DEFAULT_PER_PAGE, BadCursor, Cursor, Page, keyset

TAG_NAME_RE = re.compile(r"[\w-]{1,255}")


class StreamError(ValueError):
    """Bad input for a stream page (a cursor, a tag name); ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_tag_name(raw: str) -> str:
    """A tag's stored name: lower-case, no '#'; letters, digits, '_' and '-', at most 255."""
    name = (raw or "").strip().lstrip("#").lower()
    if not name:
        raise StreamError("A tag needs a name.")
    if len(name) > 255:
        raise StreamError("Tag names are at most 255 characters long.")
    if not TAG_NAME_RE.fullmatch(name):
        raise StreamError("Tag names may only contain letters, digits, '_' and '-'.")
    return name


def chosen_aspect_ids(user, raw: Iterable[str]) -> list[int] | None:
    """The aspects picked with ``?a=`` (None when none are: all aspects), each one ``user``'s."""
    raw = list(raw)
    if not raw:
        return None
    try:
        chosen = {int(value) for value in raw}
    except ValueError:
        raise StreamError("Choose aspects from your own list.") from None
    if not chosen <= {aspect.id for aspect in user.aspects}:
        raise StreamError("Choose aspects from your own list.")
    return sorted(chosen)


# --- the id sets streams are made of ------------------------------------------------------

def aspect_member_ids(user, aspect_ids: Iterable[int] | None = None) -> sa.Select:
    """Person ids of the people in ``user``'s aspects (only the given aspects, if any)."""
    query = (sa.select(Contact.person_id)
             .join(AspectMembership, AspectMembership.contact_id == Contact.id)
             .join(Aspect, Aspect.id == AspectMembership.aspect_id)
             .where(Contact.user_id == user.id, Aspect.user_id == user.id))
    if aspect_ids is not None:
        query = query.where(Aspect.id.in_(list(aspect_ids)))
    return query


def has_followed_tag(user) -> sa.ColumnElement[bool]:
    """The post carries a tag ``user`` follows (checked post by post: see ``per_row_exists``)."""
    return per_row_exists(sa.select(Tagging.post_id).join(TagFollowing, TagFollowing.tag_id == Tagging.tag_id)
                          .where(Tagging.post_id == Post.id, TagFollowing.user_id == user.id))


def mentions(user) -> sa.ColumnElement[bool]:
    """The post mentions ``user``."""
    return per_row_exists(sa.select(Mention.post_id).where(Mention.post_id == Post.id,
                                                           Mention.person_id == user.person.id))


def spotlight_person_ids() -> sa.Select:
    """People whose public posts everyone's main stream carries (the ``spotlight`` role)."""
    return sa.select(Person.id).join(Role, Role.user_id == Person.user_id).where(Role.name == "spotlight")


def liked_post_ids(user) -> sa.Select:
    return sa.select(Like.post_id).where(Like.author_id == user.person.id, Like.post_id.is_not(None))


def commented_post_ids(user) -> sa.Select:
    return sa.select(Comment.post_id).where(Comment.author_id == user.person.id)


def participated_post_ids(user) -> sa.Select:
    return sa.select(Participation.post_id).where(Participation.person_id == user.person.id)


def tagged_post_ids(tag_id: int) -> sa.Select:
    # The id goes in as a literal: PostgreSQL then plans with that tag's own row count from its
    # statistics (a popular tag and a rare one want different plans), not with an average.
    return sa.select(Tagging.post_id).where(Tagging.tag_id == sa.literal_column(str(int(tag_id))))


def _stream(viewer, *where) -> sa.Select:
    return sa.select(Post).where(*where, for_streams(viewer))


# --- the streams -------------------------------------------------------------------------

def main_stream(user) -> sa.Select:
    """/stream: the people in your aspects, your followed tags, your mentions, your own posts,
    and the public posts of the pod's spotlight people."""
    return _stream(user, sa.or_(
        Post.author_id == user.person.id,
        Post.author_id.in_(aspect_member_ids(user)),
        has_followed_tag(user),
        mentions(user),
        sa.and_(Post.public.is_(True), Post.author_id.in_(spotlight_person_ids())),
    ))


def aspects_stream(user, aspect_ids: Iterable[int] | None = None) -> sa.Select:
    """/aspects: posts by the people in the chosen aspects (all when ``aspect_ids`` is None),
    plus your own posts to them (all your posts when every aspect is chosen)."""
    if aspect_ids is None:
        own = Post.author_id == user.person.id
    else:
        chosen = sa.select(AspectVisibility.post_id).where(AspectVisibility.aspect_id.in_(list(aspect_ids)))
        own = sa.and_(Post.author_id == user.person.id, sa.or_(Post.public.is_(True), Post.id.in_(chosen)))
    return _stream(user, sa.or_(own, Post.author_id.in_(aspect_member_ids(user, aspect_ids))))


def activity_stream(user) -> sa.Select:
    """/activity: posts you wrote, commented on, liked or reshared; page it by interacted_at."""
    return _stream(user, sa.or_(
        Post.author_id == user.person.id,
        Post.id.in_(participated_post_ids(user)),
        Post.id.in_(commented_post_ids(user)),
        Post.id.in_(liked_post_ids(user)),
    ))


def mentions_stream(user) -> sa.Select:
    return _stream(user, mentions(user))


def followed_tags_stream(user) -> sa.Select:
    return _stream(user, has_followed_tag(user))


def public_stream(viewer) -> sa.Select:
    """/public: every public post the pod knows, for anyone, visitors included."""
    return _stream(viewer, Post.public.is_(True))


def liked_stream(user) -> sa.Select:
    return _stream(user, Post.id.in_(liked_post_ids(user)))


def commented_stream(user) -> sa.Select:
    return _stream(user, Post.id.in_(commented_post_ids(user)))


def tag_stream(viewer, tag: Tag | None) -> sa.Select:
    """/tags/<name>: posts with the tag the viewer may see (visitors: the public ones); a tag
    nobody used yet (None) has none."""
    if tag is None:
        return _stream(viewer, sa.false())
    return _stream(viewer, Post.id.in_(tagged_post_ids(tag.id)))


def public_only(query: sa.Select) -> sa.Select:
    """A stream narrowed to public posts: what an API client without private:read may read."""
    return query.where(Post.public.is_(True))


def tag_stream_named(dbsession: Session, viewer, raw_name: str) -> sa.Select:
    """``tag_stream`` for a tag name as typed ("#Cats" is cats); a name no tag can have finds
    nothing rather than failing."""
    try:
        tag = TagService(dbsession, None).find(raw_name)
    except StreamError:
        tag = None
    return tag_stream(viewer, tag)


def page_of(dbsession: Session, query: sa.Select, raw_cursor: str | None, by=Post.created_at,
            per_page: int = DEFAULT_PER_PAGE) -> Page:
    """One page of a stream query, newest first, from the ``max`` cursor on; ``by`` is the
    timestamp it is ordered by (``Post.interacted_at`` for the activity stream)."""
    try:
        cursor = Cursor.decode(raw_cursor)
    except BadCursor:
        raise StreamError("That page link is broken: go back to the first page of this stream.") from None
    return keyset(dbsession, query, by, Post.id, cursor, per_page)


# --- tags ----------------------------------------------------------------------------------

@dataclass
class TagService:
    dbsession: Session
    pod: object

    def find(self, name: str) -> Tag | None:
        return self.dbsession.scalar(sa.select(Tag).where(Tag.name == normalize_tag_name(name)))

    def followed(self, user) -> list[Tag]:
        return list(self.dbsession.scalars(
            sa.select(Tag).join(TagFollowing, TagFollowing.tag_id == Tag.id)
            .where(TagFollowing.user_id == user.id).order_by(Tag.name)))

    def follows(self, user, name: str) -> bool:
        tag = self.find(name)
        return tag is not None and self.dbsession.get(TagFollowing, (user.id, tag.id)) is not None

    def follow(self, user, name: str) -> Tag:
        name = normalize_tag_name(name)
        tag = self.dbsession.scalar(sa.select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            self.dbsession.add(tag)
            self.dbsession.flush()
        if self.dbsession.get(TagFollowing, (user.id, tag.id)) is None:
            self.dbsession.add(TagFollowing(user_id=user.id, tag_id=tag.id))
            self.dbsession.flush()
        return tag

    def unfollow(self, user, name: str) -> str:
        """Stop following the tag (nothing to do if not followed); returns its normalized name."""
        name = normalize_tag_name(name)
        tag = self.dbsession.scalar(sa.select(Tag).where(Tag.name == name))
        following = self.dbsession.get(TagFollowing, (user.id, tag.id)) if tag is not None else None
        if following is not None:
            self.dbsession.delete(following)
            self.dbsession.flush()
        return name
