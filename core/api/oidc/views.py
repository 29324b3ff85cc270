"""The OpenID Connect endpoints (API_V1.md §8) and the user's page of authorized apps."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.security import forget
from pyramid.view import view_config

from ...accounts.services import SessionService
from ...security import CONTENT_SECURITY_POLICY, SESSION_COOKIE
from .. import scopes as scope_rules
from ..auth import presented_token
from ..errors import INVALID_TOKEN, OAuthError, json_response
from ..params import boolean, integer
from ..models import OAuthAuthorization
from ..tokens import TokenService
from ..presenters.people import absolute
from . import authorize
from .keys import public_jwks
from .metadata import provider_metadata
from .registration import RegistrationEndpoint
from .server import request_pairs

CONSENT_TEMPLATE = "core:templates/api/consent.pt"
APPLICATIONS_TEMPLATE = "core:templates/api/user_applications.pt"
ERROR_TEMPLATE = "core:templates/pages/error.pt"
SAFE_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[A-Za-z0-9.\-:\[\]]+$")
SAFE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file", "blob", "filesystem")


# --- machine endpoints -------------------------------------------------------------------

@view_config(route_name="oidc.discovery", request_method="GET", renderer="json")
def discovery(request):
    return provider_metadata(request)


@view_config(route_name="oidc.jwks", request_method="GET", renderer="json")
def jwks(request):
    return public_jwks(request.registry.pod)


@view_config(route_name="oidc.clients", request_method="POST", require_csrf=False)
def register_client(request):
    server = request.oidc_server
    server.register_endpoint(RegistrationEndpoint(server))
    return server.create_endpoint_response("client_registration", registration_data(request))


def registration_data(request) -> dict:
    """Client metadata from a JSON body, or from a form with ``redirect_uris[]`` lists."""
    if request.content_type == "application/json":
        try:
            data = request.json_body
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    data: dict = {}
    for key, value in request.POST.items():
        if key.endswith("[]"):
            data.setdefault(key[:-2], []).append(value)
        else:
            data[key] = value
    return data


@view_config(route_name="oidc.clients_find", request_method="GET", renderer="json")
def find_client(request):
    name = request.GET.get("client_name", "")
    client = request.oidc_server.clients.by_name(name)
    if client is None:
        return {"error": f"Client with name {name} does not exist"}
    return {"client_id": client.client_id}


@view_config(route_name="oidc.access_tokens", request_method="POST", require_csrf=False)
def access_tokens(request):
    return request.oidc_server.create_token_response()


@view_config(route_name="oidc.user_info", request_method=("GET", "POST"), require_csrf=False)
def user_info(request):
    secret = presented_token(request)
    if secret is None:
        response = json_response(401, {"error": "Unauthorized user"})
        response.headers["WWW-Authenticate"] = 'Bearer realm="OpenID Connect"'
        return response
    token = TokenService(request.dbsession).lookup(secret)
    if token is None or token.user.locked_at is not None:
        raise OAuthError(401, "invalid_token", INVALID_TOKEN)
    if "openid" not in token.scope_set:
        response = json_response(403, {"error": "insufficient_scope",
                                       "error_description": "The request requires higher privileges than provided by the access token."})
        response.headers["WWW-Authenticate"] = 'Bearer realm="OpenID Connect", error="insufficient_scope"'
        return response
    # A personal token has no app: its user_info names the user by handle, as for a public client.
    authorization = request.dbsession.get(OAuthAuthorization, token.authorization_id) if token.authorization_id else None
    response = json_response(200, claims_of(request, token, authorization.client if authorization else None))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def claims_of(request, token, client) -> dict:
    """user_info: ``sub`` always, each other claim only with its scope (API_V1.md §8.6)."""
    user = token.user
    person = user.person
    profile = person.profile
    granted = token.scope_set
    claims = {"sub": request.oidc_server.subjects.subject(user, client)}
    if "name" in granted:
        names = (profile.first_name, profile.last_name) if profile is not None else ()
        claims["name"] = " ".join(part for part in names if part)
    if "nickname" in granted:
        claims["nickname"] = person.name
    if "profile" in granted:
        claims["profile"] = request.registry.pod.url + request.route_path("api.user")
    if "picture" in granted:
        claims["picture"] = absolute(request, profile.image_url if profile is not None else None)
    return claims


# --- the authorization endpoint ----------------------------------------------------------

def error_page(request, message: str):
    response = render_to_response(ERROR_TEMPLATE, {"page_title": "Authorization failed", "message": message},
                                  request=request)
    response.status = 400
    return response


def to_sign_in(request, pairs, headers=None):
    """Send the browser to the sign-in page; it comes back to the same authorization request."""
    back = request.route_path("oidc.authorize", _query=pairs)
    return HTTPFound(location=request.route_url("sign_in", _query={"next": back}), headers=headers)


@view_config(route_name="oidc.authorize", request_method=("GET", "POST"), require_csrf=False)
def authorization_endpoint(request):
    server = request.oidc_server
    try:
        verified = authorize.verify(server, request_pairs(request))
    except authorize.ErrorPage as page:
        return error_page(request, page.message)
    prompts = verified.prompts
    user = request.user
    if "none" in prompts and len(prompts) > 1:
        return verified.error_redirect("invalid_request", "The 'none' value cannot be used with any other prompt value")
    if "select_account" in prompts:
        return verified.error_redirect("account_selection_required",
                                       "There is no support for choosing among multiple accounts")
    if "none" in prompts and user is None:
        return verified.error_redirect("login_required", "User must already be logged in when `prompt` is `none`")
    if user is not None and ("login" in prompts or authorize.signed_in_too_long_ago(request, verified.data.get("max_age"))):
        # Sign in again, then come back without the parameters that asked for it.
        SessionService(request.dbsession, request.registry.pod).end(request.cookies.get(SESSION_COOKIE, ""))
        return to_sign_in(request, authorize.without_reauthentication(verified.pairs), headers=forget(request))
    if user is None:
        return to_sign_in(request, authorize.without_reauthentication(verified.pairs))

    if not authorize.supported_response_type(verified.data):
        return verified.error_redirect("unsupported_response_type", "The response type is not supported")
    oauth_request = server.create_oauth2_request(verified.pairs)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
    except OAuth2Error as error:
        return server.handle_error_response(oauth_request, error)
    # The same scopes granted before: no consent page (API_V1.md §9.15). Unlike diaspora*, the
    # access tokens issued before stay valid: another copy of the app may be using them.
    granted_before = authorize.already_granted(server, verified, user, oauth_request.scope)
    if "none" in prompts and not granted_before:
        return verified.error_redirect("interaction_required", "User must already be authorized when `prompt` is `none`")
    if granted_before and "consent" not in prompts:
        return server.create_authorization_response(oauth_request, grant_user=user, grant=grant)
    return consent_page(request, verified, oauth_request)


def consent_page(request, verified, oauth_request):
    client = verified.client.row
    metadata = client.client_metadata or {}
    scopes = [{"name": name, "description": scope_rules.SCOPES[name]}
              for name in scope_rules.parse(oauth_request.scope or "")]
    links = [(label, metadata.get(key)) for key, label in (("client_uri", "Website"), ("policy_uri", "Privacy policy"),
                                                            ("tos_uri", "Terms of service"))
             if web_url(metadata.get(key))]
    logo = metadata.get("logo_uri") if web_url(metadata.get("logo_uri")) else None
    fields = [(key, value) for key, value in verified.pairs if key not in ("prompt", "max_age")]
    response = render_to_response(CONSENT_TEMPLATE, {
        "page_title": f"Authorize {client.client_name or client.client_id}",
        "client_name": client.client_name or client.client_id, "logo": logo, "scopes": scopes, "links": links,
        "fields": fields, "redirect_host": urlsplit(verified.redirect_uri).netloc or verified.redirect_uri,
    }, request=request)
    response.headers["Content-Security-Policy"] = consent_policy(verified.redirect_uri, logo)
    return response


def web_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def source_of(url: str) -> str | None:
    """The CSP source that allows ``url``: its origin, or its scheme for an app's own scheme."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.netloc and SAFE_ORIGIN.match(origin):
        return origin
    if SAFE_SCHEME.match(parts.scheme or "") and parts.scheme not in UNSAFE_SCHEMES:
        return parts.scheme + ":"
    return None


def consent_policy(redirect_uri: str, logo: str | None) -> str:
    """The pod's policy, plus the client's logo and its redirect URI: browsers apply form-action
    to the redirect that answers the consent form, so the app's address must be allowed."""
    policy = CONTENT_SECURITY_POLICY
    redirect_source = source_of(redirect_uri)
    if redirect_source:
        policy = policy.replace("form-action 'self'", f"form-action 'self' {redirect_source}")
    logo_source = source_of(logo) if logo else None
    if logo_source:
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {logo_source}")
    return policy


@view_config(route_name="oidc.authorizations", request_method="POST", permission="use")
def consent(request):
    """The consent form's answer: approve or deny the request it carries."""
    server = request.oidc_server
    pairs = [(key, value) for key, value in request_pairs(request) if key not in ("csrf_token", "approve")]
    try:
        verified = authorize.verify(server, pairs)
    except authorize.ErrorPage as page:
        return error_page(request, page.message)
    if not authorize.supported_response_type(verified.data):
        return verified.error_redirect("unsupported_response_type", "The response type is not supported")
    oauth_request = server.create_oauth2_request(verified.pairs)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=request.user)
    except OAuth2Error as error:
        return server.handle_error_response(oauth_request, error)
    approved = boolean(request.POST.get("approve"), default=False)
    return server.create_authorization_response(oauth_request, grant_user=request.user if approved else None,
                                                grant=grant)


# --- the user's authorized apps ----------------------------------------------------------

@view_config(route_name="oidc.user_applications", request_method="GET", permission="use",
             renderer=APPLICATIONS_TEMPLATE)
def user_applications(request):
    applications = []
    for authorization in request.oidc_server.authorizations.of_user(request.user):
        client = authorization.client
        metadata = client.client_metadata or {}
        applications.append({
            "id": authorization.id, "name": client.client_name or client.client_id,
            "logo": metadata.get("logo_uri") if web_url(metadata.get("logo_uri")) else None,
            "scopes": [{"name": name, "description": scope_rules.SCOPES.get(name, name)}
                       for name in authorization.scope_list],
            "authorized_at": authorization.updated_at,
        })
    return {"page_title": "Authorized applications", "applications": applications}


@view_config(route_name="oidc.authorization", request_method=("POST", "DELETE"), permission="use")
def revoke_authorization(request):
    raw_id = request.matchdict["id"]
    revoked = request.oidc_server.authorizations.revoke(request.user, integer(raw_id))
    if revoked is None:
        request.session.flash(f"The attempt to revoke the authorization with ID {raw_id} failed")
    else:
        request.session.flash(f"{revoked.client.client_name or revoked.client.client_id} can no longer use your account.")
    return HTTPSeeOther(location=request.route_url("oidc.user_applications"))


def strip_commit_marker(event) -> None:
    """The header that let an error answer commit (server.OIDCServer.keep_changes) stays here."""
    if event.request.path_info.startswith("/api/openid_connect/"):
        event.response.headers.pop("X-Tm", None)
