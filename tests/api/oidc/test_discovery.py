"""Discovery and the signing key (API_V1.md §8.1, §8.5)."""
from __future__ import annotations

import stat

from joserfc.jwk import RSAKey

from core.api.oidc.keys import key_path

from .conftest import PREFIX

POD = "http://pod.test"


def test_discovery_has_exactly_diasporas_keys(app):
    response = app.get("/.well-known/openid-configuration")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json == {
        "issuer": POD + "/",
        "registration_endpoint": f"{POD}{PREFIX}/clients",
        "authorization_endpoint": f"{POD}{PREFIX}/authorizations/new",
        "token_endpoint": f"{POD}{PREFIX}/access_tokens",
        "userinfo_endpoint": f"{POD}{PREFIX}/user_info",
        "jwks_uri": f"{POD}{PREFIX}/jwks.json",
        "scopes_supported": [
            "contacts:modify", "contacts:read", "conversations", "email", "interactions", "name", "nickname",
            "notifications", "openid", "picture", "private:modify", "private:read", "profile", "profile:modify",
            "profile:read_private", "public:modify", "public:read", "sub", "tags:modify", "tags:read"],
        "response_types_supported": ["id_token", "id_token token", "code"],
        "request_object_signing_alg_values_supported": ["none"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "claims_parameter_supported": True,
        "claims_supported": ["sub", "name", "nickname", "profile", "picture"],
        "userinfo_signing_alg_values_supported": ["none"],
    }


def test_jwks_publishes_the_public_half_of_the_signing_key(app, oidc_signing_key):
    keys = app.get(f"{PREFIX}/jwks.json").json["keys"]
    assert len(keys) == 1
    published = keys[0]
    assert {"kty": "RSA", "use": "sig", "kid": "default"}.items() <= published.items()
    assert "d" not in published and "p" not in published
    signing = RSAKey.import_key(oidc_signing_key.read_bytes()).as_dict(private=False)
    assert (published["n"], published["e"]) == (signing["n"], signing["e"])


def test_the_key_is_made_once_with_the_configured_size_and_kept_private(make_app, oidc_signing_key):
    oidc_signing_key.unlink()
    app = make_app(oidc__rsa_key_size="2048")
    first = app.get(f"{PREFIX}/jwks.json").json
    path = key_path(app.pod)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert RSAKey.import_key(path.read_bytes()).as_dict(private=False)["n"] == first["keys"][0]["n"]
    assert RSAKey.import_key(path.read_bytes()).raw_value.key_size == 2048
    assert app.get(f"{PREFIX}/jwks.json").json == first
