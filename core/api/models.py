"""Who may call the API: registered apps, what a user granted them, and tokens.

Secrets are never stored: tokens, codes and refresh tokens are kept as their sha256, so a
copy of the database lets nobody call the API as anyone.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow


class OAuthClient(Base):
    """An app registered through OpenID Connect dynamic registration (RFC 7591)."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The secret's sha256, like every other secret here: it is shown once, at registration.
    client_secret: Mapped[str] = mapped_column(String(128))
    client_name: Mapped[str] = mapped_column(String(255))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    # Every other registered metadata value (response_types, logo_uri, jwks, subject_type ...).
    client_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    # Pairwise subject identifiers: the app sees a per-sector id instead of the handle.
    ppid: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OAuthAuthorization(Base):
    """What one user granted one app: the single row per (app, user), re-used on re-consent."""

    __tablename__ = "oauth_authorizations"
    __table_args__ = (UniqueConstraint("client_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(1024), default="")
    scopes: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the code is exchanged: presenting it again revokes the whole authorization.
    code_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The code's challenge and the sign-in time the ID token reports.
    code_challenge: Mapped[str | None] = mapped_column(String(255))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    auth_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[OAuthClient] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class PairwiseSubject(Base):
    """The random subject id one user has towards one sector (a pairwise client's host)."""

    __tablename__ = "oauth_pairwise_subjects"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)


class ApiToken(Base):
    """A bearer token for /api/v1: issued to an app through an authorization, or a personal
    access token the user named and created in settings (``authorization_id`` is then empty)."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    authorization_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_authorizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Empty for a personal token that lives until revoked.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def personal(self) -> bool:
        return self.authorization_id is None
