"""The OpenID Connect provider: discovery, registration, consent, tokens, user_info
(API_V1.md §8). Authlib does the protocol; server.py wires it to Pyramid and the pod."""
from __future__ import annotations

from pyramid.events import NewResponse

PREFIX = "/api/openid_connect"

ROUTES = (
    ("oidc.discovery", "/.well-known/openid-configuration"),
    ("oidc.clients_find", PREFIX + "/clients/find"),
    ("oidc.clients", PREFIX + "/clients"),
    # Before oidc.authorization, whose {id} would otherwise take "new".
    ("oidc.authorize", PREFIX + "/authorizations/new"),
    ("oidc.authorizations", PREFIX + "/authorizations"),
    ("oidc.authorization", PREFIX + "/authorizations/{id}"),
    ("oidc.access_tokens", PREFIX + "/access_tokens"),
    ("oidc.jwks", PREFIX + "/jwks.json"),
    ("oidc.user_info", PREFIX + "/user_info"),
    ("oidc.user_applications", PREFIX + "/user_applications"),
)


def includeme(config):
    from .server import oidc_server
    from .views import strip_commit_marker

    for name, pattern in ROUTES:
        config.add_route(name, pattern)
    config.add_request_method(oidc_server, "oidc_server", reify=True)
    config.add_subscriber(strip_commit_marker, NewResponse)
    config.scan(".views")
