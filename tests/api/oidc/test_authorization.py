"""The authorization endpoint and the consent page (API_V1.md §8.3)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from joserfc import jwt

from core.api.models import OAuthAuthorization

from .conftest import (PREFIX, REDIRECT_URI, authorize_path, consent, consent_form, location, redirect_params,
                       half_hash, register, signed_in, verified_claims)

MALFORMED = "The request was malformed: please double check the client id and redirect uri."
INVALID_CLIENT = "Invalid client id or redirect uri"


def authorizations(app) -> list[OAuthAuthorization]:
    with app.pod.session_factory() as session:
        rows = list(session.scalars(sa.select(OAuthAuthorization)))
        session.expunge_all()
        return rows


def sign_in_from(app, response, username="alice"):
    """Follow the redirect to the sign-in page and sign in there; the answer of the sign-in."""
    assert response.status_int == 302
    assert urlsplit(response.headers["Location"]).path == "/users/sign_in"
    page = app.get(response.headers["Location"])
    form = page.forms["sign-in"]
    form["login"] = username
    form["password"] = "correct horse battery"
    return form.submit(status=303)


def test_signing_in_first_then_back_to_the_consent_page(app, new_browser):
    client = register(app)
    signed_in(new_browser(), "alice")  # the account exists; this browser is not signed in
    path = authorize_path(client, scope="openid tags:read")
    answer = app.get(path)
    next_path = parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]
    assert next_path.startswith(f"{PREFIX}/authorizations/new?")
    back = sign_in_from(app, answer)
    assert back.headers["Location"].endswith(next_path)
    page = back.follow()
    assert consent_form(page) is not None


def test_the_consent_page_shows_the_app_and_every_scope_in_plain_words(app):
    client = register(app, client_name="<script>alert(0);</script>", logo_uri="https://app.example/logo.png")
    signed_in(app)
    page = app.get(authorize_path(client, scope="openid contacts:read private:read"))
    assert "<script>alert(0);</script>" not in page.text
    assert "&lt;script&gt;alert(0);&lt;/script&gt;" in page.text
    assert page.html.find("img", class_="app-logo")["src"] == "https://app.example/logo.png"
    listed = [item["data-scope"] for item in page.html.select("ul.scopes li")]
    assert listed == ["contacts:read", "openid", "private:read", "public:read"]
    assert "See your aspects and the people in them" in page.text
    assert "Read limited posts and photos shared with you" in page.text
    buttons = {button["value"]: button.text for button in page.html.select("form button[name=approve]")}
    assert buttons == {"true": "Approve", "false": "Deny"}
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self' https://app.example" in policy
    assert "img-src 'self' data: https://app.example" in policy


def test_approving_a_code_request_records_the_authorization(app):
    client = register(app)
    signed_in(app)
    answer = consent(app, client, scope="openid tags:read", nonce="abc")
    assert location(answer) == REDIRECT_URI
    params = redirect_params(answer)
    assert set(params) == {"code", "state"} and params["state"] == "1234"
    assert len(params["code"]) == 64
    [authorization] = authorizations(app)
    assert authorization.scope_list == ["openid", "public:read", "tags:read"]
    assert authorization.nonce == "abc"
    assert authorization.redirect_uri == REDIRECT_URI


def test_approving_again_updates_the_one_authorization(app):
    client = register(app)
    signed_in(app)
    consent(app, client, scope="openid tags:read")
    consent(app, client, scope="openid name", nonce="second")
    [authorization] = authorizations(app)
    assert authorization.scope_list == ["name", "openid", "public:read"]
    assert authorization.nonce == "second"


def test_denying_sends_access_denied_with_the_state(app):
    client = register(app)
    signed_in(app)
    params = redirect_params(consent(app, client, approve=False))
    assert params["error"] == "access_denied" and params["state"] == "1234"
    answer = consent(app, client, approve=False, response_type="id_token token")
    assert "error=access_denied" in urlsplit(answer.headers["Location"]).fragment
    assert authorizations(app) == []


def test_id_token_token_comes_in_the_fragment_and_works_on_the_api(app):
    client = register(app)
    signed_in(app)
    answer = consent(app, client, response_type="id_token token", scope="openid tags:read")
    parts = urlsplit(answer.headers["Location"])
    assert parts.query == ""
    params = redirect_params(answer)
    assert {"access_token", "token_type", "expires_in", "id_token", "state"} <= set(params)
    assert params["token_type"] == "bearer" and params["expires_in"] == "86400"
    claims = verified_claims(app, params["id_token"])[1]
    assert claims["at_hash"] == half_hash(params["access_token"])
    assert claims["nonce"] == "n-0S6_WzA2Mj" and claims["sub"] == "alice@pod.test" and claims["acr"] == 0
    app.get("/api/v1/tag_followings", headers={"Authorization": f"Bearer {params['access_token']}"}, status=200)


def test_id_token_alone_hands_out_no_access_token(app):
    client = register(app)
    signed_in(app)
    params = redirect_params(consent(app, client, response_type="id_token"))
    assert "id_token" in params and "access_token" not in params and params["state"] == "1234"


def test_the_fragment_types_need_a_nonce(app):
    client = register(app)
    signed_in(app)
    for response_type in ("id_token", "id_token token"):
        answer = app.get(authorize_path(client, response_type=response_type, nonce=None))
        assert urlsplit(answer.headers["Location"]).query == ""
        params = redirect_params(answer)
        assert params["error"] == "invalid_request" and params["state"] == "1234"


def test_unknown_and_unlinked_scopes_are_refused_the_oauth_way(app):
    client = register(app)
    signed_in(app)
    params = redirect_params(app.get(authorize_path(client, scope="openid everything")))
    assert params == {"error": "invalid_scope", "error_description": "Unknown scope: everything", "state": "1234"}
    answer = app.get(authorize_path(client, scope="openid private:read"))
    assert redirect_params(answer)["error_description"] == \
        "private:read and private:modify require contacts:read as well"
    fragment = app.get(authorize_path(client, scope="openid nope", response_type="id_token"))
    assert "error=invalid_scope" in urlsplit(fragment.headers["Location"]).fragment
    params = redirect_params(app.get(authorize_path(client, response_type="token")))
    assert params["error"] == "unsupported_response_type" and params["state"] == "1234"


def test_untrustworthy_clients_and_redirects_get_an_error_page(app):
    client = register(app, redirect_uris=[REDIRECT_URI, "https://app.example/second"])
    single = register(app, client_name="Single")
    signed_in(app)
    cases = [
        (authorize_path(client, client_id=""), MALFORMED),
        (authorize_path(client, client_id="0" * 32), INVALID_CLIENT),
        (authorize_path(client, client_id="0" * 32, prompt="none"), INVALID_CLIENT),
        (authorize_path(client, redirect_uri="https://evil.example/cb"), INVALID_CLIENT),
        (authorize_path(client, redirect_uri=None), MALFORMED),
    ]
    for path, message in cases:
        page = app.get(path, status=400)
        assert message in page.text, path
        assert "Location" not in page.headers
    # One registered redirect URI may be left out.
    params = redirect_params(consent(app, single, redirect_uri=None))
    assert "code" in params


def test_prompt_none(app, new_browser):
    client = register(app)
    visitor = new_browser()
    params = redirect_params(visitor.get(authorize_path(client, prompt="none")))
    assert params == {"error": "login_required",
                      "error_description": "User must already be logged in when `prompt` is `none`", "state": "1234"}
    signed_in(app)
    params = redirect_params(app.get(authorize_path(client, prompt="none")))
    assert params["error"] == "interaction_required"
    consent(app, client)
    assert "code" in redirect_params(app.get(authorize_path(client, prompt="none")))
    params = redirect_params(app.get(authorize_path(client, prompt="none consent")))
    assert params == {"error": "invalid_request",
                      "error_description": "The 'none' value cannot be used with any other prompt value",
                      "state": "1234"}


def test_select_account_is_not_supported(app):
    client = register(app)
    signed_in(app)
    params = redirect_params(app.get(authorize_path(client, prompt="select_account", response_type="id_token")))
    assert params == {"error": "account_selection_required",
                      "error_description": "There is no support for choosing among multiple accounts",
                      "state": "1234"}


def test_prompt_login_and_max_age_sign_in_again(app):
    client = register(app)
    signed_in(app)
    for extra in ({"prompt": "login"}, {"max_age": "0"}):
        answer = app.get(authorize_path(client, **extra))
        next_path = parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]
        assert "prompt" not in next_path and "max_age" not in next_path
        assert app.get("/stream").status_int == 302  # signed out
        assert consent_form(sign_in_from(app, answer).follow()) is not None
    assert consent_form(app.get(authorize_path(client, max_age="3600"))) is not None


def test_the_same_scopes_again_skip_the_consent_page_unless_asked(app):
    client = register(app)
    signed_in(app)
    first = redirect_params(consent(app, client, scope="openid tags:read"))
    again = redirect_params(app.get(authorize_path(client, scope="tags:read openid public:read")))
    assert again["code"] != first["code"]
    assert consent_form(app.get(authorize_path(client, scope="openid tags:read", prompt="consent"))) is not None
    assert consent_form(app.get(authorize_path(client, scope="openid tags:read name"))) is not None


def test_claims_asked_for_user_info_are_asked_as_scopes(app):
    client = register(app)
    signed_in(app)
    claims = json.dumps({"userinfo": {"name": None, "nickname": {"essential": True}, "email_verified": None}})
    page = app.get(authorize_path(client, claims=claims))
    listed = [item["data-scope"] for item in page.html.select("ul.scopes li")]
    assert listed == ["name", "nickname", "openid", "public:read"]


# diaspora* takes request objects unsigned ("none"), which joserfc warns about by design.
@pytest.mark.filterwarnings("ignore:JWS algorithm \"none\" is deprecated")
def test_an_unsigned_request_object_carries_the_request(app, documents):
    client = register(app)
    signed_in(app)
    claims = {"client_id": client["client_id"], "redirect_uri": REDIRECT_URI, "response_type": "code",
              "scope": "openid tags:read", "state": "from-object", "nonce": "n",
              "claims": {"userinfo": {"picture": None}}}
    request_object = jwt.encode({"alg": "none"}, claims, None, algorithms=["none"])
    page = app.get(f"{PREFIX}/authorizations/new", {"client_id": client["client_id"], "request": request_object})
    assert [item["data-scope"] for item in page.html.select("ul.scopes li")] == \
        ["openid", "picture", "public:read", "tags:read"]
    answer = consent_form(page).submit("approve", value="true")
    assert redirect_params(answer)["state"] == "from-object"
    uri = documents.serve("/request.jwt", request_object.encode())
    # Fetched from its URI; the same scopes were just granted, so the code comes at once.
    answer = app.get(f"{PREFIX}/authorizations/new", {"client_id": client["client_id"], "request_uri": uri})
    assert redirect_params(answer)["state"] == "from-object"
    app.get(f"{PREFIX}/authorizations/new", {"client_id": client["client_id"], "request": "junk"}, status=400)


def test_apps_may_post_the_authorization_request(app):
    client = register(app)
    signed_in(app)
    query = parse_qs(urlsplit(authorize_path(client)).query)
    page = app.post(f"{PREFIX}/authorizations/new", {key: values[0] for key, values in query.items()})
    assert consent_form(page) is not None


def test_the_consent_form_needs_its_csrf_token(app):
    client = register(app)
    signed_in(app)
    form = consent_form(app.get(authorize_path(client)))
    fields = {name: field[0].value for name, field in form.fields.items() if name and name != "csrf_token"}
    app.post(f"{PREFIX}/authorizations", {**fields, "approve": "true"}, status=400)
    assert authorizations(app) == []


def test_junk_parameters_get_oauth_errors_not_server_errors(app):
    client = register(app)
    signed_in(app)
    for response_type in ('co"de', "cöde", "token id_token code"):
        params = redirect_params(app.get(authorize_path(client, response_type=response_type)))
        assert params["error"] == "unsupported_response_type" and params["state"] == "1234"
    params = redirect_params(app.get(authorize_path(client, scope='openid "quoted"')))
    assert params["error"] == "invalid_scope"
    params = redirect_params(app.get(authorize_path(client, nonce="n" * 256)))
    assert params["error"] == "invalid_request"
    assert consent_form(app.get(authorize_path(client, max_age="9" * 30))) is not None
    assert consent_form(app.get(authorize_path(client, max_age="soon"))) is not None
