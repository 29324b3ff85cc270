"""People, the local users behind some of them, their roles and their sign-ins.

A Person is anyone on the diaspora* network (local or, later, remote) with a guid,
a diaspora ID and a public key. A User is a local account and always has a Person.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..aspects.models import Aspect

ROLES = ("admin", "moderator", "spotlight")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    diaspora_id: Mapped[str] = mapped_column(String(255), unique=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Remote people: their pod, when discovery last read their profile, and whether their
    # account was closed (account_deletion). Local people have no pod.
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pods.id", ondelete="SET NULL"), index=True)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A remote account an admin closed on this pod only: its content is gone here and
    # nothing more from it is accepted, whatever its own pod says.
    closed_locally: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa.false())

    user: Mapped["User | None"] = relationship(back_populates="person")
    profile: Mapped["Profile"] = relationship(back_populates="person", uselist=False, lazy="joined",
                                              cascade="all, delete-orphan")

    @property
    def local(self) -> bool:
        return self.user_id is not None

    @property
    def username(self) -> str:
        return self.diaspora_id.split("@", 1)[0]

    @property
    def name(self) -> str:
        """What the pod shows for this person: the profile's names, else the username."""
        profile = self.profile
        if profile is not None:
            full = " ".join(part for part in (profile.first_name, profile.last_name) if part).strip()
            if full:
                return full
        return self.username


class Profile(Base):
    """A person's profile (PROTOCOL.md §9.16). The base part (names, avatar, tags, flags) is
    public; the extended part (bio, birthday, gender, location) is shown only to people the
    person shares with, unless ``public_details`` is set."""

    __tablename__ = "profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(32), default="")
    last_name: Mapped[str] = mapped_column(String(32), default="")
    image_url: Mapped[str | None] = mapped_column(String(1024))
    image_url_medium: Mapped[str | None] = mapped_column(String(1024))
    image_url_small: Mapped[str | None] = mapped_column(String(1024))
    tag_string: Mapped[str] = mapped_column(String(255), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(255), default="")
    gender: Mapped[str] = mapped_column(String(255), default="")
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    searchable: Mapped[bool] = mapped_column(Boolean, default=True)
    public_details: Mapped[bool] = mapped_column(Boolean, default=False)
    nsfw: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(back_populates="profile")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    private_key_pem: Mapped[str] = mapped_column(Text)
    # Indexed for the admin dashboard's weekly sign-ups.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A closed account keeps only this row (username, keys, no content) so that nobody can
    # take the username over and the account_deletion can still be signed.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # New users see the getting-started steps until they dismiss them.
    getting_started: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa.false())

    person: Mapped[Person] = relationship(back_populates="user", uselist=False, lazy="joined")
    roles: Mapped[list["Role"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    aspects: Mapped[list["Aspect"]] = relationship(
        order_by="Aspect.position, Aspect.id", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def guid(self) -> str:
        return self.person.guid

    @property
    def diaspora_id(self) -> str:
        return self.person.diaspora_id

    @property
    def role_names(self) -> set[str]:
        return {role.name for role in self.roles}


class Role(Base):
    __tablename__ = "roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """One signed-in browser. The cookie holds a token; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship(lazy="joined")


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class EmailChange(Base):
    """A requested new email address, applied when its owner opens the link mailed to it."""

    __tablename__ = "email_changes"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignUpRequest(Base):
    """A sign-up waiting for an admin's approval (registrations set to "approval").

    The account (keys, person, aspects) is made only when it is approved; until then the
    username and email are held here so nobody else can sign up with them.
    """

    __tablename__ = "sign_up_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the person wrote about why they want to join, for the admin reading the queue.
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Invite(Base):
    """A link an admin made to let one person sign up while registrations are closed."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
