"""Presenting a token (API_V1.md §2.1): header or parameter, never both; bad tokens are 401."""
from __future__ import annotations

import datetime as dt
import hashlib

from tests.api.conftest import SCHEMA_FILE, SCHEMA_SHA256, error

INVALID = ("The access token provided is expired, revoked, malformed or invalid for other reasons.")


def test_the_schema_copy_is_diasporas():
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256


def assert_invalid_token(response):
    assert response.status_int == 401
    assert response.json == {"error": "invalid_token", "error_description": INVALID}
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="OpenID Connect", error="invalid_token"')


def test_token_in_header_query_or_form(api):
    token = api.user("alice").token("openid tags:read tags:modify")
    assert api.get("/tag_followings", token).json == []
    assert api.get("/tag_followings", params={"access_token": token}).json == []
    api.post("/tag_followings", params={"access_token": token, "name": "cats"}, status=204)
    assert api.get("/tag_followings", token).json == ["cats"]


def test_a_token_in_a_json_body_counts_as_none(api):
    token = api.user("alice").token("openid tags:modify")
    response = api.post("/tag_followings", json_body={"access_token": token, "name": "cats"})
    error(response, 403, "Unauthorized user")


def test_header_and_parameter_at_once_is_a_bad_request(api):
    token = api.user("alice").token("openid tags:read")
    response = api.get("/tag_followings", token, params={"access_token": token})
    assert response.status_int == 400
    assert response.json == {"error": "invalid_request",
                             "error_description": "Both Authorization header and payload includes access token."}


def test_unknown_expired_and_revoked_tokens_are_401(api):
    alice = api.user("alice")
    assert_invalid_token(api.get("/tag_followings", "f" * 64))
    expired = alice.token("openid tags:read", expires_in=dt.timedelta(seconds=-1))
    assert_invalid_token(api.get("/tag_followings", expired))
    revoked = alice.token("openid tags:read")
    from core.api.tokens import TokenService

    with api.session() as session:
        service = TokenService(session)
        service.revoke(service.lookup(revoked))
    assert_invalid_token(api.get("/tag_followings", revoked))


def test_a_locked_account_cannot_use_its_tokens(api):
    alice = api.user("alice")
    token = alice.token("openid tags:read")
    with api.session() as session:
        alice.user(session).locked_at = dt.datetime.now(dt.timezone.utc)
    assert_invalid_token(api.get("/tag_followings", token))


def test_cookies_do_not_sign_anyone_in_on_the_api(api, app):
    from core.testing import sign_up

    sign_up(app, "carol")
    error(api.get("/tag_followings"), 403, "Unauthorized user")


def test_unknown_api_paths_answer_in_the_envelope(api):
    response = api.get("/nothing/here", status=404)
    assert response.json == {"code": 404, "message": "No record found for the given id"}


def test_cors_lets_browser_apps_call_and_read_links(api):
    response = api.app.options("/api/v1/tag_followings", headers={"Origin": "https://app.example",
                                                                    "Access-Control-Request-Method": "GET"})
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Link" in api.get("/tag_followings", "0" * 64).headers["Access-Control-Expose-Headers"]
