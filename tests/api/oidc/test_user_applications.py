"""The user's authorized applications: list and revoke (API_V1.md §8.3, §8.7 step 10)."""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from core.api.models import OAuthAuthorization

from .conftest import PREFIX, code_for, exchange, register, signed_in

PAGE = f"{PREFIX}/user_applications"
SETTINGS = "/user/edit"


def authorize(app, client, scope="openid tags:read") -> dict:
    return exchange(app, client, code_for(app, client, scope=scope)).json


def authorization_ids(app) -> list[int]:
    with app.pod.session_factory() as session:
        return list(session.scalars(sa.select(OAuthAuthorization.id).order_by(OAuthAuthorization.id)))


def revoke_form(page, authorization_id):
    return next(form for form in page.forms.values()
                if form.action.endswith(f"{PREFIX}/authorizations/{authorization_id}"))


def flashes(page) -> list[str]:
    return [p.text.strip() for p in page.html.select("p.flash")]


def test_the_page_lists_authorized_apps_with_their_scopes(app):
    client = register(app, client_name="<b>Bold</b> App", logo_uri="https://app.example/logo.png")
    signed_in(app)
    assert app.get(PAGE).html.select("[data-testid=no-applications]")
    authorize(app, client)
    page = app.get(PAGE)
    [card] = page.html.select("[data-testid=application]")
    assert card.h2.text == "<b>Bold</b> App"
    assert [li["data-scope"] for li in card.select("li")] == ["openid", "public:read", "tags:read"]
    assert "See which tags you follow" in card.text
    assert card.img["src"] == "https://app.example/logo.png"
    settings = app.get(SETTINGS)
    assert settings.html.find("a", href=f"http://localhost{PAGE}") is not None


def test_revoking_deletes_the_authorization_and_its_tokens(app):
    client = register(app)
    signed_in(app)
    tokens = authorize(app, client)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    app.get("/api/v1/tag_followings", headers=headers, status=200)
    [authorization_id] = authorization_ids(app)
    answer = revoke_form(app.get(PAGE), authorization_id).submit(status=303)
    assert urlsplit(answer.headers["Location"]).path == PAGE
    assert flashes(answer.follow()) == ["Diaspora Test App can no longer use your account."]
    assert authorization_ids(app) == []
    assert app.get("/api/v1/tag_followings", headers=headers, status=401).json["error"] == "invalid_token"
    refreshed = app.post(f"{PREFIX}/access_tokens", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": client["client_id"],
        "client_secret": client["client_secret"]}, status=400)
    assert refreshed.json["error"] == "invalid_grant"


def test_revoking_an_unknown_or_someone_elses_authorization_fails(app, new_browser):
    client = register(app)
    bob = signed_in(new_browser(), "bob")
    authorize(bob, client)
    [bobs] = authorization_ids(app)
    signed_in(app)
    token = app.get(PAGE).html.find("input", attrs={"name": "csrf_token"})["value"]
    for given in (str(bobs), "999", "abc", "99999999999999999999"):
        answer = app.post(f"{PREFIX}/authorizations/{given}", {"csrf_token": token}, status=303)
        assert flashes(answer.follow()) == [f"The attempt to revoke the authorization with ID {given} failed"]
    assert authorization_ids(app) == [bobs]


def test_revoking_needs_the_csrf_token_and_a_sign_in(app, new_browser):
    client = register(app)
    signed_in(app)
    authorize(app, client)
    [authorization_id] = authorization_ids(app)
    app.post(f"{PREFIX}/authorizations/{authorization_id}", status=400)
    visitor = new_browser()
    assert urlsplit(visitor.get(PAGE, status=302).headers["Location"]).path == "/users/sign_in"
    assert authorization_ids(app) == [authorization_id]


def test_delete_revokes_too_with_the_csrf_header(app):
    client = register(app)
    signed_in(app)
    authorize(app, client)
    [authorization_id] = authorization_ids(app)
    token = app.get(PAGE).html.find("input", attrs={"name": "csrf_token"})["value"]
    app.delete(f"{PREFIX}/authorizations/{authorization_id}", status=400)
    answer = app.delete(f"{PREFIX}/authorizations/{authorization_id}", headers={"X-CSRF-Token": token}, status=303)
    assert urlsplit(answer.headers["Location"]).path == PAGE
    assert authorization_ids(app) == []
