"""The authorization endpoint's decisions (API_V1.md §8.3), before and around Authlib's grants.

Authlib validates the OAuth request and builds the answers. What comes first is diaspora*'s:
which client and redirect URI (an HTML page when they can't be trusted), request objects and
the ``claims`` parameter, ``prompt`` and ``max_age``, signing in, and whether the consent page
is needed at all.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oidc.core import OpenIDJWTAuthenticationRequest
from pyramid.httpexceptions import HTTPFound

from ...db import utcnow
from ...federation import http
from .. import scopes as scope_rules

MALFORMED = "The request was malformed: please double check the client id and redirect uri."
INVALID_CLIENT = "Invalid client id or redirect uri"
REQUEST_OBJECT_FIELDS = ("request", "request_uri")
# Parameters the sign-in detour drops, so that coming back does not ask again.
REAUTHENTICATION = ("prompt", "max_age")
MAX_AGE_LIMIT = 10 * 365 * 86400  # larger values ask for nothing a sign-in could fail
RESPONSE_TYPES = ("code", "id_token", "id_token token")


class ErrorPage(Exception):
    """The client or its redirect URI can't be trusted: tell the user, send nobody anywhere."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Verified:
    client: object  # server.Client
    redirect_uri: str
    pairs: list[tuple[str, str]]

    @property
    def data(self) -> dict:
        return dict(self.pairs)

    @property
    def state(self) -> str | None:
        return self.data.get("state")

    @property
    def prompts(self) -> list[str]:
        return (self.data.get("prompt") or "").split()

    def error_redirect(self, error: str, description: str) -> HTTPFound:
        """diaspora*'s prompt errors: in the query, with ``state``."""
        params = [("error", error), ("error_description", description)]
        if self.state:
            params.append(("state", self.state))
        return HTTPFound(location=add_params_to_uri(self.redirect_uri, params))


class RequestObjects(OpenIDJWTAuthenticationRequest):
    """Unsigned request objects (``request`` or ``request_uri``), read with Authlib's decoder."""

    def __init__(self, server):
        super().__init__()
        self.server = server

    def get_server_metadata(self):
        return {"request_object_signing_alg_values_supported": ["none"]}

    def get_client_require_signed_request_object(self, client):
        return False

    def resolve_client_public_key(self, client):
        return None

    def validate_request_uri(self, request_uri, client):
        return isinstance(request_uri, str)

    def get_request_object(self, request_uri):
        try:
            return http.get(self.server.pod, request_uri, purpose="oidc_request_uri").body.decode("utf-8")
        except (http.RequestFailed, UnicodeDecodeError):
            return None


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return json.dumps(value)


def _resolve_request_object(server, client, pairs):
    oauth_request = server.create_oauth2_request(pairs)
    RequestObjects(server).parse_authorization_request(server, oauth_request)
    return [(key, _as_text(value)) for key, value in oauth_request.payload.data.items()]


def _add_claimed_scopes(pairs):
    """Claim names asked for user_info in ``claims`` are asked as scopes, as diaspora* does;
    names that are not scopes of this pod are left out rather than refused."""
    data = dict(pairs)
    try:
        claims = json.loads(data.get("claims") or "null")
    except ValueError:
        return pairs
    userinfo = claims.get("userinfo") if isinstance(claims, dict) else None
    if not isinstance(userinfo, dict):
        return pairs
    wanted = (data.get("scope") or "").split()
    wanted += [name for name in userinfo if name in scope_rules.SCOPES and name not in wanted]
    return [(key, value) for key, value in pairs if key != "scope"] + [("scope", " ".join(wanted))]


def verify(server, pairs) -> Verified:
    """Which client asks and where its answer goes, or an ErrorPage; request objects and
    ``claims`` are folded into the parameters here."""
    data = dict(pairs)
    client_id = data.get("client_id")
    if not client_id:
        raise ErrorPage(MALFORMED)
    client = server.query_client(client_id)
    if client is None:
        raise ErrorPage(INVALID_CLIENT)
    if any(field in data for field in REQUEST_OBJECT_FIELDS):
        try:
            pairs = _resolve_request_object(server, client, pairs)
        except OAuth2Error:
            raise ErrorPage(MALFORMED) from None
        if dict(pairs).get("client_id") != client_id:
            raise ErrorPage(MALFORMED)
    pairs = _add_claimed_scopes(pairs)
    redirect_uri = dict(pairs).get("redirect_uri")
    if redirect_uri:
        if not client.check_redirect_uri(redirect_uri):
            raise ErrorPage(INVALID_CLIENT)
    else:
        redirect_uri = client.get_default_redirect_uri()
        if redirect_uri is None:
            raise ErrorPage(MALFORMED)
    return Verified(client, redirect_uri, pairs)


def signed_in_too_long_ago(request, max_age) -> bool:
    """``max_age``: the sign-in is older than the client accepts."""
    session = request.user_session
    try:
        seconds = int(max_age)
    except (TypeError, ValueError):
        return False
    if session is None or not 0 <= seconds <= MAX_AGE_LIMIT:
        return False
    return utcnow() - session.created_at > dt.timedelta(seconds=seconds)


def supported_response_type(data: dict) -> bool:
    """Checked before Authlib sees it: Authlib quotes the value in its error description."""
    return " ".join(sorted((data.get("response_type") or "").split())) in RESPONSE_TYPES


def without_reauthentication(pairs):
    return [(key, value) for key, value in pairs if key not in REAUTHENTICATION]


def already_granted(server, verified: Verified, user, scope: str | None) -> bool:
    """The user granted this client exactly these scopes before (API_V1.md §9.15)."""
    authorization = server.authorizations.find(verified.client.row, user)
    return authorization is not None and set(authorization.scope_list) == set(scope_rules.parse(scope or ""))
