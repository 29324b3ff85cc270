"""Client API v1, compatible with diaspora*'s, and the OpenID Connect provider that issues its
tokens (API_V1.md). Views stay thin: they read parameters, call the domains' services and
present the result; scopes are checked by ``auth.api_view`` before a view runs."""
from __future__ import annotations

from pyramid.events import NewResponse

from .routes import API_ROUTES

PREFIX = "/api/v1"
# Browser apps on other origins call the API and read discovery (API_V1.md §2.6).
CORS_PREFIXES = ("/api/", "/.well-known/openid-configuration", "/.well-known/webfinger",
                 "/.well-known/nodeinfo", "/nodeinfo/")


def add_cors_headers(event: NewResponse) -> None:
    request = event.request
    if not request.path_info.startswith(CORS_PREFIXES):
        return
    headers = event.response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    if request.path_info.startswith("/api/"):
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        headers["Access-Control-Expose-Headers"] = "Link"


def preflight(request):
    from .errors import empty

    return empty()


def includeme(config):
    from .auth import api_token

    config.add_request_method(api_token, reify=True)
    # Before the API's own routes, which would otherwise take OPTIONS and refuse it.
    config.add_route("api.preflight", "/api/*rest", request_method="OPTIONS")
    for name, pattern in API_ROUTES:
        config.add_route(name, PREFIX + pattern)
    config.add_view(preflight, route_name="api.preflight", require_csrf=False)
    config.add_subscriber(add_cors_headers, NewResponse)
    config.scan(".errors")
    config.scan(".views")
    config.include(".oidc")
    config.include(".tokens_ui")
