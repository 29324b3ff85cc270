"""The token endpoint and ID tokens (API_V1.md §8.4, §8.5)."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import time
import uuid

import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import RSAKey

from core.api.models import OAuthAuthorization

from .conftest import (PREFIX, REDIRECT_URI, basic, code_for, exchange, half_hash, register, signed_in,
                       verified_claims)

API = "/api/v1/tag_followings"


def api_status(app, access_token: str) -> int:
    return app.get(API, headers={"Authorization": f"Bearer {access_token}"}, expect_errors=True).status_int


def refresh(app, client, refresh_token, status=200, **extra):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client["client_id"],
            "client_secret": client["client_secret"], **extra}
    return app.post(f"{PREFIX}/access_tokens", {k: v for k, v in form.items() if v is not None}, status=status,
                    expect_errors=True)


def test_a_code_buys_tokens_and_a_signed_id_token(app):
    client = register(app)
    signed_in(app)
    code = code_for(app, client, scope="openid tags:read", nonce="n-1")
    before = int(time.time())
    body = exchange(app, client, code).json
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400
    assert re.fullmatch(r"[0-9a-f]{64}", body["access_token"])
    assert re.fullmatch(r"[0-9a-f]{64}", body["refresh_token"])
    header, claims = verified_claims(app, body["id_token"])
    assert header["alg"] == "RS256" and header["kid"] == "default"
    issuer = app.get("/.well-known/openid-configuration").json["issuer"]
    assert claims["iss"] == issuer == "http://pod.test/"
    assert claims["sub"] == "alice@pod.test"
    assert claims["aud"] == client["client_id"]
    assert claims["nonce"] == "n-1" and claims["acr"] == 0
    assert before - 5 <= claims["iat"] <= before + 5
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["auth_time"] <= claims["iat"]
    assert claims["at_hash"] == half_hash(body["access_token"])
    assert api_status(app, body["access_token"]) == 200


def test_no_id_token_without_openid(app):
    client = register(app)
    signed_in(app)
    body = exchange(app, client, code_for(app, client, scope="tags:read")).json
    assert "id_token" not in body and "access_token" in body


def test_a_code_works_once_and_its_reuse_destroys_the_authorization(app):
    client = register(app)
    signed_in(app)
    code = code_for(app, client, scope="openid tags:read")
    first = exchange(app, client, code).json
    assert api_status(app, first["access_token"]) == 200
    again = exchange(app, client, code, status=400)
    assert again.json["error"] == "invalid_grant"
    assert "X-Tm" not in again.headers
    assert api_status(app, first["access_token"]) == 401
    with app.pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OAuthAuthorization)) == 0
    assert refresh(app, client, first["refresh_token"], status=400).json["error"] == "invalid_grant"


def test_code_errors(app):
    client = register(app)
    other = register(app, client_name="Other")
    signed_in(app)
    code = code_for(app, client)
    assert exchange(app, client, code, status=400, redirect_uri="https://app.example/elsewhere").json["error"] == \
        "invalid_grant"
    assert exchange(app, client, "f" * 64, status=400).json["error"] == "invalid_grant"
    assert exchange(app, client, None, status=400).json["error"] == "invalid_request"
    # Another client's code is not this client's.
    assert exchange(app, other, code, status=400, redirect_uri=REDIRECT_URI).json["error"] == "invalid_grant"
    with app.pod.session_factory() as session:
        session.execute(sa.update(OAuthAuthorization).values(
            code_expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
        session.commit()
    assert exchange(app, client, code, status=400).json["error"] == "invalid_grant"


def test_unsupported_grant_types(app):
    client = register(app)
    for grant_type in ("password", "client_credentials", None):
        answer = app.post(f"{PREFIX}/access_tokens", {k: v for k, v in {
            "grant_type": grant_type, "client_id": client["client_id"],
            "client_secret": client["client_secret"]}.items() if v}, status=400)
        assert answer.json["error"] == "unsupported_grant_type"


def test_client_authentication_failures_are_401_with_a_basic_challenge(app):
    client = register(app)
    signed_in(app)
    code = code_for(app, client)
    for extra in ({"client_secret": "0" * 64}, {"client_id": "0" * 32}, {"client_secret": None}):
        answer = exchange(app, client, code, status=401, **extra)
        assert answer.json["error"] == "invalid_client"
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="OAuth2 Token Endpoint"'
    wrong_basic = app.post(f"{PREFIX}/access_tokens", {"grant_type": "authorization_code", "code": code,
                                                       "redirect_uri": REDIRECT_URI},
                           headers=basic(client["client_id"], "nope"), status=401)
    assert wrong_basic.json["error"] == "invalid_client"
    # The code is still good after those failures.
    assert "access_token" in exchange(app, client, code).json


def test_client_secret_basic(app):
    client = register(app, token_endpoint_auth_method="client_secret_basic")
    signed_in(app)
    code = code_for(app, client)
    answer = app.post(f"{PREFIX}/access_tokens", {"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": REDIRECT_URI},
                      headers=basic(client["client_id"], client["client_secret"]))
    assert "access_token" in answer.json


def assertion(client_id: str, key: RSAKey, kid: str, audience: str = "http://pod.test/api/openid_connect/access_tokens"):
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "exp": now + 300, "iat": now,
              "jti": uuid.uuid4().hex}
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


def test_private_key_jwt(app):
    key = RSAKey.generate_key(2048, private=True, parameters={"kid": "app-key"})
    client = register(app, token_endpoint_auth_method="private_key_jwt",
                      jwks={"keys": [key.as_dict(private=False)]})
    signed_in(app)
    code = code_for(app, client)
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
    stranger = RSAKey.generate_key(2048, private=True)
    bad = app.post(f"{PREFIX}/access_tokens", {**base, "client_assertion": assertion(
        client["client_id"], stranger, "app-key")}, status=401)
    assert bad.json["error"] == "invalid_client"
    wrong_audience = app.post(f"{PREFIX}/access_tokens", {**base, "client_assertion": assertion(
        client["client_id"], key, "app-key", audience="https://elsewhere.example/")}, status=401)
    assert wrong_audience.json["error"] == "invalid_client"
    good = app.post(f"{PREFIX}/access_tokens", {**base, "client_assertion": assertion(client["client_id"], key, "app-key")})
    assert "access_token" in good.json and "id_token" in good.json


def test_refresh_gives_new_access_tokens_and_keeps_the_refresh_token(app):
    client = register(app)
    other = register(app, client_name="Other")
    signed_in(app)
    first = exchange(app, client, code_for(app, client, scope="openid tags:read")).json
    renewed = refresh(app, client, first["refresh_token"]).json
    assert renewed["access_token"] != first["access_token"]
    assert "refresh_token" not in renewed and renewed["expires_in"] == 86400
    assert api_status(app, renewed["access_token"]) == 200
    assert api_status(app, first["access_token"]) == 200
    again = refresh(app, client, first["refresh_token"]).json
    assert api_status(app, again["access_token"]) == 200
    missing = refresh(app, client, None, status=400).json
    assert missing["error"] == "invalid_request" and "'refresh_token'" in missing["error_description"]
    assert refresh(app, client, "0" * 64, status=400).json["error"] == "invalid_grant"
    assert refresh(app, other, first["refresh_token"], status=400).json["error"] == "invalid_grant"
    assert refresh(app, client, first["refresh_token"], status=401, client_secret="0" * 64).json["error"] == \
        "invalid_client"


def test_pkce(app):
    client = register(app)
    signed_in(app)
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = code_for(app, client, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(app, client, code, status=400, code_verifier="w" * 50).json["error"] == "invalid_grant"
    assert "access_token" in exchange(app, client, code, code_verifier=verifier).json


def test_pairwise_subjects_are_per_sector(app, new_browser):
    first = register(app, subject_type="pairwise")
    same_sector = register(app, subject_type="pairwise", client_name="Sibling",
                           redirect_uris=["https://app.example/other"])
    elsewhere = register(app, subject_type="pairwise", client_name="Elsewhere",
                         redirect_uris=["https://else.example/cb"])
    signed_in(app)
    subjects = []
    for client in (first, same_sector, elsewhere):
        body = exchange(app, client, code_for(app, client)).json
        subjects.append(verified_claims(app, body["id_token"])[1]["sub"])
    assert all(re.fullmatch(r"[0-9a-f]{32}", sub) for sub in subjects)
    assert subjects[0] == subjects[1] != subjects[2]
