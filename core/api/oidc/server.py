"""Authlib's authorization server, wired to Pyramid and to the pod's tables.

Authlib does the protocol: request validation, grants, client authentication, PKCE, ID
tokens, error answers. This module supplies what it leaves to the framework: how a Pyramid
request becomes an ``OAuth2Request``, how an answer becomes a Pyramid ``Response``, where
clients, codes and tokens live, and what an ID token says (API_V1.md §8.4, §8.5).

A server is made per request (``request.oidc_server``): it holds that request's database
session, and making one costs a few list appends.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (AccessDeniedError, ClientMixin, InvalidClientError, InvalidRequestError,
                                     InvalidScopeError, OAuth2Request)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, TokenMixin
from authlib.oauth2.rfc6749.requests import JsonPayload, JsonRequest, OAuth2Payload
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode, OpenIDImplicitGrant
from joserfc.jwk import KeySet
from pyramid.response import Response

from ...db import utcnow
from .. import scopes as scope_rules
from ..tokens import APP_TOKEN_LIFETIME, TokenService, new_secret
from .keys import KEY_ID, signing_key
from .services import AuthorizationService, ClientService, SubjectService

ID_TOKEN_LIFETIME = 30 * 60
NONCE_MAX = 255  # the authorization's nonce column
TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ASCII_DESCRIPTION = set(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


def safe_description(text: str, fallback: str) -> str:
    """OAuth error descriptions may only hold printable ASCII without quotes or backslashes."""
    return text if set(text) <= ASCII_DESCRIPTION else fallback


def issuer(pod) -> str:
    """The pod's URL with the trailing slash diaspora* publishes; the ID tokens' ``iss``."""
    return pod.url + "/"


# --- the framework side: requests and answers ------------------------------------------

class FormPayload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]):
        self._datalist = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return self._datalist


class PyramidOAuth2Request(OAuth2Request):
    """A Pyramid request as Authlib reads it. The https check of Authlib's own constructor is
    left out: the pod's ``url`` setting already decides whether plain http is allowed."""

    def __init__(self, request, pairs: list[tuple[str, str]]):
        self.method = request.method
        self.uri = request.url
        self.headers = request.headers
        self._body = None
        self.payload = FormPayload(pairs)
        self.client = None
        self.auth_method = None
        self.user = None
        self.authorization_code = None
        self.refresh_token = None
        self.credential = None
        self._scope = None
        self._form = {key: values[0] for key, values in self.payload.datalist.items()}

    @property
    def args(self):
        return self.payload.data

    @property
    def form(self):
        return self._form


class DictPayload(JsonPayload):
    def __init__(self, data: dict):
        self._data = data

    @property
    def data(self):
        return self._data


def request_pairs(request) -> list[tuple[str, str]]:
    """Query and form parameters, in order, repeated ones kept (Authlib refuses those)."""
    pairs = list(request.GET.items())
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                             "multipart/form-data"):
        pairs += [(key, value) for key, value in request.POST.items() if isinstance(value, str)]
    return pairs


# --- the pod's records as Authlib sees them ------------------------------------------------

class Client(ClientMixin):
    """An OAuthClient row. Every registered client may use every response type and grant the
    pod offers, and authenticate with its secret either way, as in diaspora*."""

    id_token_signed_response_alg = "RS256"

    def __init__(self, row):
        self.row = row
        self.client_id = row.client_id
        self.client_metadata = row.client_metadata or {}

    def get_client_id(self):
        return self.row.client_id

    def get_default_redirect_uri(self):
        uris = self.row.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        return " ".join(scope_rules.parse(scope or ""))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret):
        return ClientService.secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if method in ("client_secret_basic", "client_secret_post"):
            return True
        return method == "private_key_jwt" and bool(self.client_metadata.get("jwks"))

    def check_response_type(self, response_type):
        return True

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "implicit", "refresh_token")

    def public_keys(self) -> KeySet:
        return KeySet.import_key_set(self.client_metadata.get("jwks") or {"keys": []})


class CodeRecord(AuthorizationCodeMixin):
    """An authorization seen through the code it holds."""

    def __init__(self, authorization):
        self.authorization = authorization

    def get_redirect_uri(self):
        return self.authorization.redirect_uri or None

    def get_scope(self):
        return self.authorization.scopes

    def get_nonce(self):
        return self.authorization.nonce

    def get_auth_time(self):
        auth_time = self.authorization.auth_time
        return int(auth_time.timestamp()) if auth_time else None

    def get_acr(self):
        return None  # diaspora*'s acr is 0, added with the other fixed claims

    def get_amr(self):
        return None

    @property
    def code_challenge(self):  # read by Authlib's PKCE extension
        return self.authorization.code_challenge

    @property
    def code_challenge_method(self):
        return self.authorization.code_challenge_method


class RefreshRecord(TokenMixin):
    """An authorization seen through its refresh token, which never expires."""

    def __init__(self, authorization):
        self.authorization = authorization

    def check_client(self, client):
        return self.authorization.client_id == client.row.id

    def get_scope(self):
        return self.authorization.scopes

    def is_expired(self):
        return False

    def is_revoked(self):
        return False


# --- ID tokens ---------------------------------------------------------------------------

class IDTokenClaims:
    """What both ID-token-issuing flows put in an ID token: diaspora*'s fixed claims, ``sub``
    as the client is meant to see it, signed RS256 with the pod's key (kid "default")."""

    server: "OIDCServer"

    def resolve_client_private_key(self, client):
        return signing_key(self.server.pod)

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": KEY_ID}

    def get_client_claims(self, client):
        return {"iss": issuer(self.server.pod), "aud": client.client_id,
                "exp": int(time.time()) + ID_TOKEN_LIFETIME}

    def get_compatible_claims(self, request):
        claims = super().get_compatible_claims(request)
        claims["sub"] = self.server.subjects.subject(request.user, request.client.row)
        claims["acr"] = 0
        authorization = self.server.authorizations.find(request.client.row, request.user)
        if authorization is not None and authorization.auth_time is not None:
            claims["auth_time"] = int(authorization.auth_time.timestamp())
        return claims

    def generate_user_info(self, user, scope):
        return {}  # the ID token names the user by ``sub`` only; user_info has the rest

    def exists_nonce(self, nonce, request):
        if len(nonce) > NONCE_MAX:
            raise InvalidRequestError(f"The nonce is longer than {NONCE_MAX} characters")
        return False  # replays are the client's to detect, with the nonce it chose (as diaspora*)


class OpenIDCodeTokens(IDTokenClaims, OpenIDCode):
    def __init__(self, server):
        super().__init__(require_nonce=False)
        self.server = server


# --- grants ------------------------------------------------------------------------------

class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_ENDPOINT_AUTH_METHODS

    def generate_authorization_code(self):
        return new_secret()

    def save_authorization_code(self, code, request):
        authorization = self.server.approve(request)
        self.server.authorizations.set_code(authorization, code,
                                            challenge=request.payload.data.get("code_challenge"),
                                            challenge_method=request.payload.data.get("code_challenge_method"))

    def query_authorization_code(self, code, client):
        authorization = self.server.authorizations.by_code(client.row, code)
        if authorization is None:
            return None
        if not self.server.authorizations.code_usable(authorization):
            if authorization.code_used_at is not None:
                # A code presented twice was stolen or replayed: nothing issued from it stays valid.
                self.server.authorizations.destroy(authorization)
                self.server.keep_changes = True
            return None
        return CodeRecord(authorization)

    def delete_authorization_code(self, authorization_code):
        self.server.authorizations.use_code(authorization_code.authorization)

    def authenticate_user(self, authorization_code):
        user = authorization_code.authorization.user
        return user if user.locked_at is None else None


class ImplicitGrant(IDTokenClaims, OpenIDImplicitGrant):
    """``id_token`` and ``id_token token``: everything in the fragment, nonce required."""

    def authenticate_token_endpoint_client(self):
        # The implicit flow names its client without authenticating it (RFC 6749 §4.2).
        client = self.server.query_client(self.request.payload.client_id)
        if client is None:
            raise InvalidClientError(description="The client does not exist on this server.")
        return client

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        if self.request.payload.response_type == "id_token":
            # No access token is handed out, so none is made.
            return {"expires_in": int(APP_TOKEN_LIFETIME.total_seconds()), "scope": scope}
        return super().generate_token(user=user, scope=scope, grant_type=grant_type, expires_in=expires_in,
                                      include_refresh_token=False)

    def create_authorization_response(self, redirect_uri, grant_user):
        if not grant_user:
            # Raised rather than answered, so that the server adds ``state`` as it does for codes.
            raise AccessDeniedError(redirect_uri=redirect_uri, redirect_fragment=True)
        self.request.user = grant_user
        self.server.approve(self.request)
        return super().create_authorization_response(redirect_uri, grant_user)


class RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_ENDPOINT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = False  # an authorization keeps its refresh token

    def authenticate_refresh_token(self, refresh_token):
        authorization = self.server.authorizations.by_refresh_token(self.request.client.row, refresh_token)
        return RefreshRecord(authorization) if authorization is not None else None

    def authenticate_user(self, refresh_token):
        user = refresh_token.authorization.user
        return user if user.locked_at is None else None

    def revoke_old_credential(self, refresh_token):
        pass


class PrivateKeyJWT(JWTBearerClientAssertion):
    """``private_key_jwt``: a JWT signed with a key the client registered (jwks or jwks_uri)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server):
        super().__init__(validate_jti=False)
        self.server = server

    def get_audiences(self):
        pod = self.server.pod
        return [pod.url + self.server.request.route_path("oidc.access_tokens"), issuer(pod), pod.url]

    def resolve_client_public_key(self, client):
        return client.public_keys()


# --- the server --------------------------------------------------------------------------

class OIDCServer(AuthorizationServer):
    def __init__(self, request):
        super().__init__(scopes_supported=list(scope_rules.SCOPES))
        self.request = request
        self.pod = request.registry.pod
        self.clients = ClientService(request.dbsession)
        self.authorizations = AuthorizationService(request.dbsession)
        self.subjects = SubjectService(request.dbsession)
        self.tokens = TokenService(request.dbsession)
        # Set when an error answer must still commit (a replayed code destroys its authorization).
        self.keep_changes = False
        self.register_token_generator("default", self.issue_token)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT(self))
        self.register_grant(CodeGrant, [CodeChallenge(required=False), OpenIDCodeTokens(self)])
        self.register_grant(ImplicitGrant)
        self.register_grant(RefreshGrant)

    # What Authlib asks of a framework integration.

    def query_client(self, client_id):
        row = self.clients.by_client_id(client_id)
        return Client(row) if row is not None else None

    def save_token(self, token, request):
        pass  # issue_token stored it: TokenService makes the secret and its row together

    def send_signal(self, name, *args, **kwargs):
        pass

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        if isinstance(request, list):  # parameters already resolved by the authorization endpoint
            return PyramidOAuth2Request(self.request, request)
        return PyramidOAuth2Request(self.request, request_pairs(self.request))

    def create_json_request(self, request):
        json_request = JsonRequest(self.request.method, self.request.url, self.request.headers)
        json_request.payload = DictPayload(request if isinstance(request, dict) else {})
        return json_request

    def handle_response(self, status, body, headers):
        headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
        if isinstance(body, dict):
            response = Response(status=status, body=json.dumps(body).encode(), content_type="application/json",
                                charset="utf-8")
        else:
            response = Response(status=status, body=(body or "").encode(), content_type=None)
            if body:
                response.content_type = "text/html"
        for name, value in headers:
            response.headers[name] = value
        if self.keep_changes:
            response.headers["X-Tm"] = "commit"
        return response

    def handle_error_response(self, request, error):
        if isinstance(error, InvalidClientError):
            # diaspora*'s token endpoint: every client authentication failure is a 401 with a Basic challenge.
            error.status_code = 401
            status, body, headers = error()
            headers = [(name, value) for name, value in headers if name.lower() != "www-authenticate"]
            headers.append(("WWW-Authenticate", 'Basic realm="OAuth2 Token Endpoint"'))
            return self.handle_response(status, body, headers)
        return super().handle_error_response(request, error)

    def validate_requested_scope(self, scope):
        try:
            scope_rules.parse(scope or "")
        except scope_rules.ScopeError as exc:
            raise InvalidScopeError(safe_description(str(exc), "Unknown scope")) from None

    # The pod's side of a grant.

    def approve(self, oauth_request):
        """Record what the signed-in user just granted: one authorization per (client, user)."""
        session = self.request.user_session
        nonce = oauth_request.payload.data.get("nonce")
        if nonce is not None and len(nonce) > NONCE_MAX:
            nonce = None  # only reachable without openid, where no ID token will carry it
        return self.authorizations.approve(
            oauth_request.client.row, oauth_request.user, scopes=scope_rules.parse(oauth_request.scope or ""),
            redirect_uri=oauth_request.payload.redirect_uri or "", nonce=nonce,
            auth_time=session.created_at if session is not None else utcnow())

    def issue_token(self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        authorization = self.authorizations.find(client.row, user)
        _row, secret = self.tokens.issue(user, scope or "", authorization=authorization, lifetime=APP_TOKEN_LIFETIME)
        token = {"access_token": secret, "token_type": "bearer",
                 "expires_in": int(APP_TOKEN_LIFETIME.total_seconds()), "scope": scope}
        if include_refresh_token and grant_type == "authorization_code" and authorization is not None:
            token["refresh_token"] = self.authorizations.new_refresh_token(authorization)
        return token


def oidc_server(request) -> OIDCServer:
    return OIDCServer(request)
