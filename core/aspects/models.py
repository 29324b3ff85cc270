"""Aspects, contacts and blocks: who a user shares with, and who shares with them.

A Contact is one row per (user, person) with diaspora*'s two flags (PROTOCOL.md §12):
``receiving`` means the user shares with the person (the person is in one of the user's
aspects), ``sharing`` means the person shares with the user.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Person
from ..db import Base, UTCDateTime, utcnow

DEFAULT_ASPECTS = ("Family", "Friends", "Work", "Acquaintances")
ASPECT_NAME_MAX = 20


class Aspect(Base):
    __tablename__ = "aspects"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(ASPECT_NAME_MAX))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["AspectMembership"]] = relationship(
        back_populates="aspect", cascade="all, delete-orphan", passive_deletes=True)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("user_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Indexed: "which local users have this person as a contact" drives fan-out and visibility.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # The person shares with the user.
    sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    # The user shares with the person (the person is in at least one of the user's aspects).
    receiving: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    memberships: Mapped[list["AspectMembership"]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def mutual(self) -> bool:
        return self.sharing and self.receiving


class AspectMembership(Base):
    __tablename__ = "aspect_memberships"

    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspects.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    aspect: Mapped[Aspect] = relationship(back_populates="memberships")
    contact: Mapped[Contact] = relationship(back_populates="memberships")


class Block(Base):
    """The user ignores the person: their content disappears for the user, and they can't
    comment on or like the user's posts."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("user_id", "person_id"), Index("ix_blocks_person_id", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
