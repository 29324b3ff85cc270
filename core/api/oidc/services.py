"""Registered apps, what each user granted them, and the subject id an app knows a user by.

One authorization per (app, user): approving again updates it. Codes and refresh tokens are
kept as sha256 digests, like access tokens (core/api/tokens.py).
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...db import utcnow
from ..models import OAuthAuthorization, OAuthClient, PairwiseSubject
from ..tokens import TokenService, digest, new_secret

CODE_LIFETIME = dt.timedelta(minutes=10)


def sector_of(client: OAuthClient) -> str:
    """Whose pairwise ids a client shares: the host of its sector_identifier_uri, else of its
    first redirect URI (OIDC Core §8.1)."""
    source = (client.client_metadata or {}).get("sector_identifier_uri") or (client.redirect_uris or [""])[0]
    return (urlsplit(source).hostname or "").lower()


@dataclass
class ClientService:
    dbsession: Session

    def by_client_id(self, client_id) -> OAuthClient | None:
        if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
            return None
        return self.dbsession.scalar(sa.select(OAuthClient).where(OAuthClient.client_id == client_id))

    def by_name(self, name: str) -> OAuthClient | None:
        return self.dbsession.scalar(sa.select(OAuthClient).where(OAuthClient.client_name == name)
                                     .order_by(OAuthClient.id).limit(1))

    def name_taken(self, name: str, redirect_uris: list[str]) -> bool:
        """diaspora* keeps client names unique per set of redirect URIs."""
        wanted = sorted(redirect_uris)
        return any(sorted(client.redirect_uris or []) == wanted for client in self.dbsession.scalars(
            sa.select(OAuthClient).where(OAuthClient.client_name == name)))

    def register(self, client_id: str, secret: str, name: str, redirect_uris: list[str], metadata: dict) -> OAuthClient:
        client = OAuthClient(client_id=client_id, client_secret=digest(secret), client_name=name,
                             redirect_uris=list(redirect_uris), client_metadata=dict(metadata),
                             ppid=metadata.get("subject_type") == "pairwise")
        self.dbsession.add(client)
        self.dbsession.flush()
        return client

    @staticmethod
    def secret_matches(client: OAuthClient, secret) -> bool:
        return isinstance(secret, str) and hmac.compare_digest(client.client_secret, digest(secret))


@dataclass
class AuthorizationService:
    dbsession: Session

    def find(self, client: OAuthClient, user) -> OAuthAuthorization | None:
        return self.dbsession.scalar(sa.select(OAuthAuthorization).where(
            OAuthAuthorization.client_id == client.id, OAuthAuthorization.user_id == user.id))

    def approve(self, client: OAuthClient, user, *, scopes: list[str], redirect_uri: str, nonce: str | None,
                auth_time: dt.datetime | None) -> OAuthAuthorization:
        """Create or update the one authorization of (client, user) with what was just granted."""
        authorization = self.find(client, user)
        if authorization is None:
            authorization = OAuthAuthorization(client_id=client.id, user_id=user.id)
            self.dbsession.add(authorization)
        authorization.scopes = " ".join(scopes)
        authorization.redirect_uri = redirect_uri
        authorization.nonce = nonce
        authorization.auth_time = auth_time
        self.dbsession.flush()
        return authorization

    def set_code(self, authorization: OAuthAuthorization, code: str, *, challenge: str | None = None,
                 challenge_method: str | None = None) -> None:
        authorization.code_hash = digest(code)
        authorization.code_expires_at = utcnow() + CODE_LIFETIME
        authorization.code_used_at = None
        authorization.code_challenge = challenge
        authorization.code_challenge_method = challenge_method
        self.dbsession.flush()

    def by_code(self, client: OAuthClient, code) -> OAuthAuthorization | None:
        """The authorization a code belongs to, used or not (the caller tells them apart)."""
        if not isinstance(code, str) or not code:
            return None
        return self.dbsession.scalar(sa.select(OAuthAuthorization).where(
            OAuthAuthorization.code_hash == digest(code), OAuthAuthorization.client_id == client.id))

    def code_usable(self, authorization: OAuthAuthorization) -> bool:
        return (authorization.code_used_at is None and authorization.code_expires_at is not None
                and authorization.code_expires_at > utcnow())

    def use_code(self, authorization: OAuthAuthorization) -> None:
        authorization.code_used_at = utcnow()
        self.dbsession.flush()

    def new_refresh_token(self, authorization: OAuthAuthorization) -> str:
        """A refresh token for the authorization; it replaces the one handed out before."""
        secret = new_secret()
        authorization.refresh_token_hash = digest(secret)
        self.dbsession.flush()
        return secret

    def by_refresh_token(self, client: OAuthClient, refresh_token) -> OAuthAuthorization | None:
        if not isinstance(refresh_token, str) or not refresh_token:
            return None
        return self.dbsession.scalar(sa.select(OAuthAuthorization).where(
            OAuthAuthorization.refresh_token_hash == digest(refresh_token),
            OAuthAuthorization.client_id == client.id))

    def destroy(self, authorization: OAuthAuthorization) -> None:
        """Forget the authorization; its access tokens stop working at once."""
        TokenService(self.dbsession).revoke_for_authorization(authorization)
        self.dbsession.delete(authorization)
        self.dbsession.flush()

    def of_user(self, user) -> list[OAuthAuthorization]:
        return list(self.dbsession.scalars(sa.select(OAuthAuthorization).where(
            OAuthAuthorization.user_id == user.id).order_by(OAuthAuthorization.created_at.desc(),
                                                             OAuthAuthorization.id.desc())))

    def revoke(self, user, authorization_id) -> OAuthAuthorization | None:
        """Revoke one of ``user``'s authorizations; None when there is no such one of theirs."""
        if authorization_id is None:
            return None
        authorization = self.dbsession.scalar(sa.select(OAuthAuthorization).where(
            OAuthAuthorization.id == authorization_id, OAuthAuthorization.user_id == user.id))
        if authorization is None:
            return None
        self.destroy(authorization)
        return authorization


@dataclass
class SubjectService:
    dbsession: Session

    def subject(self, user, client: OAuthClient | None) -> str:
        """``sub``: the handle for public clients, a random id per (user, sector) for pairwise ones."""
        if client is None or not client.ppid:
            return user.person.diaspora_id
        sector = sector_of(client)
        found = self.dbsession.get(PairwiseSubject, (user.id, sector))
        if found is None:
            found = PairwiseSubject(user_id=user.id, sector=sector, subject=secrets.token_hex(16))
            self.dbsession.add(found)
            self.dbsession.flush()
        return found.subject
