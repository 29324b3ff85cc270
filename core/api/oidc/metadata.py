"""The provider's discovery document (API_V1.md §8.1): exactly the keys diaspora* publishes."""
from __future__ import annotations

from .. import scopes as scope_rules
from .server import TOKEN_ENDPOINT_AUTH_METHODS, issuer

RESPONSE_TYPES = ["id_token", "id_token token", "code"]
CLAIMS = ["sub", "name", "nickname", "profile", "picture"]


def endpoint(request, route_name: str) -> str:
    """An endpoint's URL on the pod's configured address, whatever host the request came through."""
    return request.registry.pod.url + request.route_path(route_name)


def provider_metadata(request) -> dict:
    return {
        "issuer": issuer(request.registry.pod),
        "registration_endpoint": endpoint(request, "oidc.clients"),
        "authorization_endpoint": endpoint(request, "oidc.authorize"),
        "token_endpoint": endpoint(request, "oidc.access_tokens"),
        "userinfo_endpoint": endpoint(request, "oidc.user_info"),
        "jwks_uri": endpoint(request, "oidc.jwks"),
        "scopes_supported": list(scope_rules.SCOPES),
        "response_types_supported": list(RESPONSE_TYPES),
        "request_object_signing_alg_values_supported": ["none"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
        "claims_parameter_supported": True,
        "claims_supported": list(CLAIMS),
        "userinfo_signing_alg_values_supported": ["none"],
    }
