"""The API's error answers, in diaspora*'s shapes (API_V1.md §2.1, §2.2).

Views raise ``ApiError(status, message)``: the client gets ``{"code": status, "message": ...}``
with that status, and the transaction rolls back. Token problems found before any view runs
are ``OAuthError``s, answered the OAuth way with ``WWW-Authenticate``.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPException
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config

INVALID_TOKEN = ("The access token provided is expired, revoked, malformed or invalid for other reasons.")
BOTH_TOKENS = "Both Authorization header and payload includes access token."


class ApiError(Exception):
    """An error answer of /api/v1; ``message=None`` sends an empty body (409/410 of subscribe/mute)."""

    def __init__(self, status: int, message: str | None):
        super().__init__(message)
        self.status = status
        self.message = message


class OAuthError(Exception):
    """A bearer-token error: 401 invalid_token, or 400 invalid_request."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def not_found(what: str) -> ApiError:
    return ApiError(404, what)


def empty(status: int = 204) -> Response:
    """A success with no body (204, or diaspora*'s 201 of block)."""
    response = Response(status=status)
    response.content_type = None
    return response


def json_response(status: int, body) -> Response:
    response = Response(status=status, json_body=body, charset="utf-8") if body is not None else Response(status=status)
    response.content_type = "application/json" if body is not None else None
    return response


@exception_view_config(ApiError, renderer=None)
def api_error(exc: ApiError, request):
    if exc.message is None:
        return empty(exc.status)
    return json_response(exc.status, {"code": exc.status, "message": exc.message})


@exception_view_config(OAuthError)
def oauth_error(exc: OAuthError, request):
    response = json_response(exc.status, {"error": exc.error, "error_description": exc.description})
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="OpenID Connect", error="{exc.error}", error_description="{exc.description}"')
    return response


def is_api(request) -> bool:
    return request.path_info.startswith("/api/v1/") or request.path_info == "/api/v1"


@notfound_view_config(path_info=r"^/api/v1(/|$)")
def unknown_api_route(request):
    return json_response(404, {"code": 404, "message": "No record found for the given id"})


@exception_view_config(HTTPException, path_info=r"^/api/v1/")
def http_exception(exc: HTTPException, request):
    """Pyramid's own refusals (a method a route doesn't take, ...) in the API's envelope."""
    if exc.code < 400:
        return exc
    return json_response(exc.code, {"code": exc.code, "message": exc.title})
