"""Bearer tokens: issued to apps through an authorization, or created by a user by hand.

Only a token's sha256 is stored; the token itself is shown once, when it is made.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import utcnow
from . import scopes as scope_rules
from .models import ApiToken, OAuthAuthorization

APP_TOKEN_LIFETIME = dt.timedelta(hours=24)
NAME_MAX = 100


class TokenError(ValueError):
    pass


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """64 lowercase hex characters, the shape diaspora*'s tokens have."""
    return secrets.token_hex(32)


@dataclass
class TokenService:
    dbsession: Session

    def issue(self, user, scopes, *, name: str | None = None, authorization: OAuthAuthorization | None = None,
              lifetime: dt.timedelta | None = None, now: dt.datetime | None = None) -> tuple[ApiToken, str]:
        """A new token of ``user`` for ``scopes`` and the secret to hand out (once).
        Scopes are checked as at consent; ``lifetime`` None makes a token that lives until revoked."""
        try:
            granted = scope_rules.parse(scopes)
        except scope_rules.ScopeError as exc:
            raise TokenError(str(exc)) from None
        now = now or utcnow()
        secret = new_secret()
        token = ApiToken(token_hash=digest(secret), user_id=user.id, name=name, scopes=" ".join(granted),
                         authorization_id=authorization.id if authorization else None, created_at=now,
                         expires_at=now + lifetime if lifetime else None)
        self.dbsession.add(token)
        self.dbsession.flush()
        return token, secret

    def create_personal(self, user, name: str, scopes) -> tuple[ApiToken, str]:
        """A personal access token the user named, for scripts; it lives until revoked."""
        name = (name or "").strip()
        if not name:
            raise TokenError("Give the token a name, so you know later what uses it.")
        if len(name) > NAME_MAX:
            raise TokenError(f"A token's name is at most {NAME_MAX} characters long.")
        if not scopes:
            raise TokenError("Choose at least one scope.")
        return self.issue(user, scopes, name=name)

    def lookup(self, secret: str | None, now: dt.datetime | None = None) -> ApiToken | None:
        """The live token for ``secret``: None when unknown, expired or revoked."""
        if not secret:
            return None
        now = now or utcnow()
        return self.dbsession.scalar(sa.select(ApiToken).where(
            ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None),
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)))

    def personal_tokens(self, user) -> list[ApiToken]:
        return list(self.dbsession.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.authorization_id.is_(None), ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))

    def revoke(self, token: ApiToken, now: dt.datetime | None = None) -> None:
        token.revoked_at = now or utcnow()
        self.dbsession.flush()

    def revoke_personal(self, user, token_id) -> bool:
        token = self.dbsession.scalar(sa.select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.authorization_id.is_(None),
            ApiToken.revoked_at.is_(None)))
        if token is None:
            return False
        self.revoke(token)
        return True

    def revoke_for_authorization(self, authorization: OAuthAuthorization) -> int:
        result = self.dbsession.execute(sa.update(ApiToken).where(
            ApiToken.authorization_id == authorization.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
        return result.rowcount
