"""The plugin's own tables: connected X accounts and one row per post to crosspost."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

# States of a crosspost (see services.py for how a row moves between them).
PENDING = "pending"        # to send when next_attempt_at is due and the account works
SENDING = "sending"        # claimed by one job, which is talking to X right now
SENT = "sent"              # X has it: tweet_id is set
FAILED = "failed"          # X refused it, or we gave up; last_error says why
CANCELLED = "cancelled"    # the post was deleted (or the account disconnected) before it was sent
DELETING = "deleting"      # the post was deleted: the tweet is to be deleted when due
DELETED = "deleted"        # the tweet is gone from X too
STATES = (PENDING, SENDING, SENT, FAILED, CANCELLED, DELETING, DELETED)


class Account(Base):
    """A user's connected X account: the OAuth 1.0a access token of the user context."""

    __tablename__ = "crosspost_twitter_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    x_user_id: Mapped[str] = mapped_column(String(64), default="")
    screen_name: Mapped[str] = mapped_column(String(64), default="")
    access_token: Mapped[str] = mapped_column(String(255))
    access_token_secret: Mapped[str] = mapped_column(String(255))
    # X answered 401 with these tokens: the user must connect again; tweets wait till then.
    needs_reconnect: Mapped[bool] = mapped_column(Boolean, default=False)
    connected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tweet(Base):
    """One post to crosspost, from the moment the user ticked the box to the tweet's deletion."""

    __tablename__ = "crosspost_twitter_tweets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key to posts: the row outlives its post, to delete the tweet.
    post_id: Mapped[int] = mapped_column(Integer, unique=True)
    post_guid: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    tweet_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    post_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
