"""Managing accounts from /admin/users: finding them, what they wrote lately, and the
actions an admin takes (lock, unlock, close, roles), with the refusals that keep a pod
from losing its admins.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import ROLES, Person, User
from ..accounts.services import AccountService
from ..posts.models import Comment, Post

PER_PAGE = 50
RECENT = 20
MAX_QUERY = 255
ROLE_ACTIONS = ("grant", "revoke")


class UserAdminError(ValueError):
    """An admin action refused; the message says why. ``status`` is the answer's HTTP status."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def _like_prefix(text: str) -> str:
    """``text`` as a LIKE pattern matching what starts with it, wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def clean_query(raw: str) -> str:
    query = (raw or "").strip()
    if "\x00" in query:
        raise UserAdminError("The search may not contain NUL characters.")
    if len(query) > MAX_QUERY:
        raise UserAdminError(f"Search for at most {MAX_QUERY} characters.")
    return query


def search(dbsession: Session, raw_query: str, before: int | None = None) -> tuple[list[User], int | None]:
    """Users whose username or email starts with the query (any case) or whose guid is it,
    newest first, PER_PAGE at a time by id; returns the users and the next page's cursor."""
    query = clean_query(raw_query)
    statement = sa.select(User)
    if query:
        pattern = _like_prefix(query.lower())
        guid_owner = sa.select(Person.user_id).where(Person.guid == query, Person.user_id.is_not(None))
        # Usernames and emails are stored in lower case, so comparing lowered text is exact.
        statement = statement.where(sa.or_(User.username.like(pattern, escape="\\"),
                                           User.email.like(pattern, escape="\\"),
                                           User.id.in_(guid_owner.scalar_subquery())))
    if before is not None:
        statement = statement.where(User.id < before)
    users = list(dbsession.scalars(statement.order_by(User.id.desc()).limit(PER_PAGE + 1)))
    more = len(users) > PER_PAGE
    users = users[:PER_PAGE]
    return users, (users[-1].id if more else None)


def recent_posts(dbsession: Session, user: User, limit: int = RECENT) -> list[Post]:
    return list(dbsession.scalars(sa.select(Post).where(Post.author_id == user.person.id)
                                  .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)))


@dataclass(frozen=True)
class RecentComment:
    comment: Comment
    post_guid: str
    # A comment on a limited post is as private as the post: the page shows neither.
    post_public: bool


def recent_comments(dbsession: Session, user: User, limit: int = RECENT) -> list[RecentComment]:
    """The user's latest comments with the guid of the post each is on and whether it is public."""
    rows = dbsession.execute(sa.select(Comment, Post.guid, Post.public).join(Post, Post.id == Comment.post_id)
                             .where(Comment.author_id == user.person.id)
                             .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit))
    return [RecentComment(comment, guid, public) for comment, guid, public in rows]


@dataclass
class UserAdmin:
    """What one admin (``actor``) may do to other accounts."""

    dbsession: Session
    pod: object
    actor: User

    @property
    def accounts(self) -> AccountService:
        return AccountService(self.dbsession, self.pod)

    def _check_target(self, user: User, doing: str) -> None:
        if user.closed_at is not None:
            raise UserAdminError(f"{user.username}'s account is closed; there is nothing left to {doing}.", 409)

    def set_locked(self, user: User, locked: bool) -> bool:
        """Lock (ending every session) or unlock; False when it already was."""
        self._check_target(user, "lock" if locked else "unlock")
        if locked and user.id == self.actor.id:
            raise UserAdminError("You can't lock your own account.", 409)
        if (user.locked_at is not None) == locked:
            return False
        self.accounts.set_locked(user.username, locked)
        return True

    def check_close(self, user: User, confirmation: str) -> None:
        self._check_target(user, "close")
        if user.id == self.actor.id:
            raise UserAdminError("You can't close your own account from here; "
                                 "use your account settings if you mean to.", 409)
        if (confirmation or "").strip().lower() != user.username:
            raise UserAdminError(f"Type the username {user.username} to confirm closing the account.")

    def change_role(self, user: User, role: str, action: str) -> bool:
        """Grant or revoke ``role``; False when the user already had it or lacked it."""
        if role not in ROLES:
            raise UserAdminError(f"Choose a role: {', '.join(ROLES)}.")
        if action not in ROLE_ACTIONS:
            raise UserAdminError("Choose whether to grant or revoke the role.")
        self._check_target(user, "change")
        if action == "revoke" and role == "admin" and user.id == self.actor.id:
            raise UserAdminError("You can't revoke your own admin role; ask another admin to, "
                                 "so this pod always keeps one.", 409)
        if action == "grant":
            return self.accounts.add_role(role, user.username)
        return self.accounts.remove_role(role, user.username)
