"""Who may see a post: the one rule every page, stream, search, API and fetch goes through.

A public post is visible to everyone. A limited post is visible to its author and to the
local users holding a ShareVisibility for it (the members of the chosen aspects when it was
posted), and to nobody else. On top of that a signed-in user never sees posts by people
they blocked, nor posts they hid (in streams).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..aspects.models import Block
from .models import HiddenPost, Photo, Post, ShareVisibility


def visible_to(user) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Post``: the posts ``user`` (a User, or None for a visitor) may see."""
    if user is None:
        return Post.public.is_(True)
    return sa.or_(Post.public.is_(True), Post.author_id == user.person.id, per_row_exists(
        sa.select(ShareVisibility.post_id).where(ShareVisibility.post_id == Post.id,
                                                 ShareVisibility.user_id == user.id)))


def per_row_exists(query: sa.Select) -> sa.ColumnElement[bool]:
    """EXISTS checked by one index probe per post the stream walks over.

    Inside an OR, PostgreSQL may otherwise turn EXISTS into a hashed set of *every* matching
    row (every post ever given to the user) before reading the first page; the OFFSET 0
    keeps it from doing so, so a page costs the same however long the user's history is."""
    return query.offset(0).exists()


def not_blocked(user) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Post`` leaving out posts by people ``user`` blocked."""
    if user is None:
        return sa.true()
    blocked = sa.select(Block.person_id).where(Block.user_id == user.id)
    return Post.author_id.not_in(blocked)


def not_hidden(user) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Post`` leaving out posts ``user`` hid from their streams."""
    if user is None:
        return sa.true()
    hidden = sa.exists().where(HiddenPost.post_id == Post.id, HiddenPost.user_id == user.id)
    return ~hidden


def for_streams(user) -> sa.ColumnElement[bool]:
    """Everything a stream of ``user`` filters on: visible, not blocked, not hidden."""
    return sa.and_(visible_to(user), not_blocked(user), not_hidden(user))


def can_see(dbsession: Session, user, post: Post | None) -> bool:
    """Whether ``user`` may see ``post`` (a post by a blocked person counts as unseen)."""
    if post is None:
        return False
    query = sa.select(Post.id).where(Post.id == post.id, visible_to(user), not_blocked(user))
    return dbsession.scalar(query) is not None


def visible_post(dbsession: Session, user, guid: str) -> Post | None:
    """The post with ``guid`` if ``user`` may see it, else None (callers answer 404 either way)."""
    return dbsession.scalar(sa.select(Post).where(Post.guid == guid, visible_to(user), not_blocked(user)))


def can_see_photo(dbsession: Session, user, photo: Photo | None) -> bool:
    """A photo follows its post; a pending photo is its author's alone; a photo without a post
    (an avatar) is as public as its ``public`` flag, and always visible to its author."""
    if photo is None:
        return False
    if user is not None and photo.author_id == user.person.id:
        return True
    if photo.post_id is not None:
        return can_see(dbsession, user, dbsession.get(Post, photo.post_id))
    return photo.public and not photo.pending
