"""Personal access tokens in settings: made with chosen scopes, shown once, revocable."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.api.models import ApiToken
from core.testing import sign_up
from tests.api.conftest import error

TOKEN = re.compile(r'data-testid="token-secret">([0-9a-f]{64})<')


@pytest.fixture
def alice(new_browser):
    browser = new_browser()
    assert sign_up(browser, "alice").status_int == 303
    return browser


def create(browser, name="backup script", scopes=("tags:read",), status=200):
    form = browser.get("/user/tokens").forms["token-form"]
    form["name"] = name
    for field in form.fields.get("scope", []):
        field.checked = field._value in scopes
    return form.submit(status=status)


def secret_of(page) -> str:
    [secret] = TOKEN.findall(page.text)
    return secret


def token_rows(pod) -> list[tuple]:
    with pod.session_factory() as session:
        return session.execute(sa.select(ApiToken.name, ApiToken.scopes, ApiToken.revoked_at)
                               .order_by(ApiToken.id)).all()


def test_the_settings_page_links_to_tokens(alice):
    assert 'href="http://localhost/user/tokens"' in alice.get("/user/edit").text


def test_the_form_has_one_checkbox_per_scope_in_plain_words(alice):
    page = alice.get("/user/tokens")
    values = [field._value for field in page.forms["token-form"].fields["scope"]]
    assert values[:3] == ["contacts:modify", "contacts:read", "conversations"]
    assert len(values) == 20
    assert "See which tags you follow" in page.text
    assert "You have no personal access tokens." in page.text


def test_a_token_is_shown_once_and_works_on_the_api(alice, api, pod):
    page = create(alice, scopes=("tags:read",))
    secret = secret_of(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Copy it now" in page.text
    assert token_rows(pod) == [("backup script", "public:read tags:read", None)]
    with pod.session_factory() as session:
        assert session.scalar(sa.select(ApiToken.token_hash)) != secret  # only a hash is kept

    assert api.get("/tag_followings", secret).json == []
    # Scopes are exactly those chosen (public:read comes with every token).
    error(api.post("/tag_followings", secret, params={"name": "cats"}), 403, "insufficient_scope")

    listing = alice.get("/user/tokens")
    assert secret not in listing.text
    assert "backup script" in listing.text
    assert "public:read tags:read" in listing.text
    assert "never" not in listing.text  # last used is now known


def test_revoking_makes_the_token_401(alice, api, pod):
    secret = secret_of(create(alice))
    form = next(f for f in alice.get("/user/tokens").forms.values() if f.action.endswith("/revoke"))
    page = form.submit(status=303).follow()

    assert "The token was revoked" in page.text
    assert "You have no personal access tokens." in page.text
    response = api.get("/tag_followings", secret, status=401)
    assert response.json["error"] == "invalid_token"
    assert token_rows(pod)[0][2] is not None


def test_someone_elses_token_cannot_be_revoked(alice, new_browser, api, pod):
    secret = secret_of(create(alice))
    with pod.session_factory() as session:
        token_id = session.scalar(sa.select(ApiToken.id))
    mallory = new_browser()
    sign_up(mallory, "mallory")
    csrf = mallory.get("/user/tokens").forms["token-form"]["csrf_token"].value

    page = mallory.post(f"/user/tokens/{token_id}/revoke", {"csrf_token": csrf}, status=404)

    assert "There is no such token among yours." in page.text
    assert api.get("/tag_followings", secret).json == []
    for junk in ("abc", "99999999999999999999"):
        mallory.post(f"/user/tokens/{junk}/revoke", {"csrf_token": csrf}, status=404)


def test_revoking_needs_the_csrf_token(alice, api, pod):
    secret = secret_of(create(alice))
    with pod.session_factory() as session:
        token_id = session.scalar(sa.select(ApiToken.id))

    alice.post(f"/user/tokens/{token_id}/revoke", {}, status=400)

    assert api.get("/tag_followings", secret).json == []


@pytest.mark.parametrize("name, scopes, message", [
    ("  ", ("tags:read",), "Give the token a name, so you know later what uses it."),
    ("x" * 101, ("tags:read",), "A token's name is at most 100 characters long."),
    ("script", (), "Choose at least one scope."),
    ("script", ("private:read",), "private:read and private:modify require contacts:read as well"),
], ids=["no-name", "long-name", "no-scope", "private-without-contacts"])
def test_bad_input_is_explained_and_creates_nothing(alice, pod, name, scopes, message):
    page = create(alice, name=name, scopes=scopes, status=422)

    assert page.html.select_one("[data-testid=form-error]").text == message
    assert not TOKEN.search(page.text)
    assert token_rows(pod) == []


def test_an_unknown_scope_is_refused(alice, pod):
    csrf = alice.get("/user/tokens").forms["token-form"]["csrf_token"].value

    page = alice.post("/user/tokens", {"csrf_token": csrf, "name": "script", "scope": ["tags:read", "root"]},
                      status=422)

    assert page.html.select_one("[data-testid=form-error]").text == "Unknown scope: root"
    assert token_rows(pod) == []


def test_creating_needs_the_csrf_token(alice, pod):
    alice.post("/user/tokens", {"name": "script", "scope": "tags:read"}, status=400)

    assert token_rows(pod) == []


def test_signed_out_visitors_are_sent_to_sign_in(app):
    response = app.get("/user/tokens", status="*")

    assert response.status_int == 302
    assert "/users/sign_in" in response.location
    assert token_rows(app.pod) == []
