"""Posts and everything attached to them, shaped as the protocol carries them (PROTOCOL.md §9).

A Post is a status message or a reshare. A public post is visible to everyone; a limited
post to its author and to the local users given a ShareVisibility when it was posted
(the members of the chosen aspects at that moment), and to nobody else, ever.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Person
from ..db import Base, UTCDateTime, utcnow

STATUS_MESSAGE = "StatusMessage"
RESHARE = "Reshare"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # Keyset pagination: every stream walks (created_at, id) downwards.
        Index("ix_posts_created_at_id", "created_at", "id"),
        Index("ix_posts_public_created_at_id", "public", "created_at", "id"),
        Index("ix_posts_author_id_created_at_id", "author_id", "created_at", "id"),
        Index("ix_posts_interacted_at_id", "interacted_at", "id"),
        Index("ix_posts_root_id", "root_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(32), default=STATUS_MESSAGE)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    provider_display_name: Mapped[str | None] = mapped_column(String(255))
    # A reshare points at its root post; NULL when the root was deleted.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    location_address: Mapped[str | None] = mapped_column(String(255))
    location_lat: Mapped[str | None] = mapped_column(String(32))
    location_lng: Mapped[str | None] = mapped_column(String(32))
    # True when the text carries #nsfw (the author's NSFW profile flag is checked separately).
    nsfw: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Last comment, like or reshare: the order of the activity stream.
    interacted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    likes_count: Mapped[int] = mapped_column(Integer, default=0)
    reshares_count: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[Person] = relationship(lazy="joined")
    root: Mapped["Post | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)
    photos: Mapped[list["Photo"]] = relationship(back_populates="post", order_by="Photo.id")
    poll: Mapped["Poll | None"] = relationship(back_populates="post", uselist=False,
                                               cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_reshare(self) -> bool:
        return self.type == RESHARE


class ShareVisibility(Base):
    """A local user given a limited post (or holding a public one in their streams)."""

    __tablename__ = "share_visibilities"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class AspectVisibility(Base):
    """Which of the author's aspects a limited post went to."""

    __tablename__ = "aspect_visibilities"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspects.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class Photo(Base):
    """An uploaded image (PROTOCOL.md §9.13). Local files live under the uploads directory as
    ``<size>_<file_name>``; remote photos keep their ``remote_photo_path``."""

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_author_id_created_at_id", "author_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # Uploaded, not yet attached to a post: only its author may see it.
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Alt text; the protocol's photo.text.
    text: Mapped[str] = mapped_column(Text, default="")
    # Indexed: every image request looks its photo up by file name.
    file_name: Mapped[str] = mapped_column(String(255), index=True)
    remote_photo_path: Mapped[str | None] = mapped_column(String(1024))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person] = relationship(lazy="joined")
    post: Mapped[Post | None] = relationship(back_populates="photos")


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    question: Mapped[str] = mapped_column(String(255))

    post: Mapped[Post] = relationship(back_populates="poll")
    answers: Mapped[list["PollAnswer"]] = relationship(
        order_by="PollAnswer.position", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")


class PollAnswer(Base):
    __tablename__ = "poll_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    vote_count: Mapped[int] = mapped_column(Integer, default=0)


class PollParticipation(Base):
    __tablename__ = "poll_participations"
    __table_args__ = (UniqueConstraint("poll_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("poll_answers.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_id_created_at", "post_id", "created_at"),
                      Index("ix_comments_author_id_created_at", "author_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    likes_count: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[Person] = relationship(lazy="joined")
    post: Mapped[Post] = relationship()


class Like(Base):
    """A like of a post or of a comment (``target_type`` is ``Post`` or ``Comment``)."""

    __tablename__ = "likes"
    __table_args__ = (UniqueConstraint("post_id", "author_id"), UniqueConstraint("comment_id", "author_id"),
                      Index("ix_likes_author_id_created_at", "author_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    target_type: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    positive: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person] = relationship(lazy="joined")


class Participation(Base):
    """A person takes part in a post (wrote, commented, liked, reshared, voted): the activity
    stream and the "also commented" notification read these. The protocol's participation."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("person_id", "post_id"), Index("ix_participations_post_id", "post_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mention(Base):
    """A person mentioned in a post or in a comment."""

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_person_id_post_id", "person_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always lower-case, without the '#'.
    name: Mapped[str] = mapped_column(String(255), unique=True)


class Tagging(Base):
    __tablename__ = "taggings"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)


class TagFollowing(Base):
    __tablename__ = "tag_followings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HiddenPost(Base):
    """The user hid the post: it leaves their streams."""

    __tablename__ = "hidden_posts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)


class MutedPost(Base):
    """The user muted the post: no more notifications about it."""

    __tablename__ = "muted_posts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
