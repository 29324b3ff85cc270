"""Who calls /api/v1 and with which scopes (API_V1.md §2.1).

The token comes as ``Authorization: Bearer`` or as an ``access_token`` parameter of the query
or a form body, never both. On /api/v1 routes ``request.user`` is the token's user: cookies
do not sign anyone in there, so no other site can make a browser call the API.
"""
from __future__ import annotations

import functools

from pyramid.view import view_config

from ..db import utcnow
from .errors import BOTH_TOKENS, INVALID_TOKEN, ApiError, OAuthError
from .params import params
from .tokens import TokenService

NUL = "\x00"
# (route name, method) -> the scopes the endpoint needs; read by the OpenAPI test and docs.
ENDPOINT_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {}


def presented_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    from_header = header[7:].strip() if header[:7].lower() == "bearer " else None
    from_params = request.GET.get("access_token")
    if from_params is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        from_params = request.POST.get("access_token")
    if from_header and from_params:
        raise OAuthError(400, "invalid_request", BOTH_TOKENS)
    return from_header or from_params or None


def api_token(request):
    """The live ApiToken of this request, None without one; an unusable token is a 401."""
    secret = presented_token(request)
    if secret is None:
        return None
    token = TokenService(request.dbsession).lookup(secret)
    if token is None or token.user.locked_at is not None:
        raise OAuthError(401, "invalid_token", INVALID_TOKEN)
    token.last_used_at = utcnow()
    return token


def has_scope(request, scope: str) -> bool:
    token = request.api_token
    return token is not None and scope in token.scope_set


def require_scopes(request, scopes) -> None:
    if request.api_token is None:
        raise ApiError(403, "Unauthorized user")
    if any(not has_scope(request, scope) for scope in scopes):
        raise ApiError(403, "insufficient_scope")


def refuse_nul(request) -> None:
    """No text column can hold a NUL character (PostgreSQL refuses it outright), so a request
    carrying one in any parameter is refused before a view reads it. An id in the path holding
    one names nothing: it is blanked, so each view answers its own "not found"."""
    for key, value in request.matchdict.items():
        if NUL in value:
            request.matchdict[key] = ""
    if _holds_nul(params(request)):
        raise ApiError(422, "Text may not contain NUL characters")


def _holds_nul(value, depth: int = 0) -> bool:
    if isinstance(value, str):
        return NUL in value
    if depth > 32:
        return False
    if isinstance(value, dict):
        return any(_holds_nul(k, depth + 1) or _holds_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item, depth + 1) for item in value)
    return False


def api_view(*, route_name: str, request_method, scopes=(), **settings):
    """Register an /api/v1 view: JSON out, no CSRF (a bearer token can't be forged by
    another site), and the endpoint's scopes checked before the view runs."""
    methods = (request_method,) if isinstance(request_method, str) else tuple(request_method)
    for method in methods:
        ENDPOINT_SCOPES[(route_name, method)] = tuple(scopes)

    def decorate(view):
        @functools.wraps(view)
        def checked(request):
            require_scopes(request, scopes)
            refuse_nul(request)
            return view(request)

        return view_config(route_name=route_name, request_method=methods, renderer="json",
                           require_csrf=False, _depth=1, **settings)(checked)

    return decorate
