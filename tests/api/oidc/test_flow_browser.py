"""The whole OpenID Connect flow as a third-party app lives it, against a live pod: discover,
register, send the user's browser to authorize, exchange the code, call the API, refresh,
and stop working once the user revokes the app in their settings.

The "app" is this test and a small HTTP server on loopback that receives the browser at its
redirect URI. Nothing here leaves the machine.
"""
from __future__ import annotations

import http.server
import re
import threading
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from core.accounts.services import AccountService
from core.testing import free_port

PASSWORD = "a long walk by the river"
TIMEOUT_MS = 15_000


class AppCallback:
    """The app's redirect URI: answers the browser with a plain page and remembers the query."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                received.append(self.path)
                body = b"<!DOCTYPE html><title>Example App</title><h1>Signed in to Example App</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback():
    served = AppCallback()
    yield served
    served.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def create_user(pod, username: str) -> None:
    with pod.session_factory() as session:
        AccountService(session, pod).sign_up(username, f"{username}@example.org", PASSWORD)
        session.commit()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_third_party_app_signs_in_calls_the_api_refreshes_and_is_revoked(make_live_server, page, callback):
    server = make_live_server()
    create_user(server.pod, "alice")

    # 1. Discovery, then registration, as any OpenID Connect library does.
    config = requests.get(f"{server.url}/.well-known/openid-configuration", timeout=10).json()
    registered = requests.post(config["registration_endpoint"], json={
        "client_name": "Example App", "redirect_uris": [callback.url],
        "token_endpoint_auth_method": "client_secret_basic"}, timeout=10)
    assert registered.status_code == 200
    client = registered.json()

    # 2. The browser goes to the authorization endpoint; the user signs in and approves.
    state, nonce = uuid.uuid4().hex, uuid.uuid4().hex
    page.goto(config["authorization_endpoint"] + "?" + urlencode({
        "client_id": client["client_id"], "redirect_uri": callback.url, "response_type": "code",
        "scope": "openid name tags:read tags:modify", "state": state, "nonce": nonce}))
    expect(page).to_have_url(re.compile(re.escape(server.url + "/users/sign_in")))
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("app-name")).to_have_text("Example App")
    expect(page.locator("li[data-scope=tags\\:modify]")).to_contain_text("Follow and unfollow tags for you")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Signed in to Example App")).to_be_visible()
    answer = {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}
    assert answer["state"] == state
    assert urlsplit(page.url).path == "/callback"

    # 3. The app exchanges the code and checks the ID token with the published key.
    tokens = requests.post(config["token_endpoint"], data={
        "grant_type": "authorization_code", "code": answer["code"], "redirect_uri": callback.url},
        auth=(client["client_id"], client["client_secret"]), timeout=10).json()
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    assert id_token.header["kid"] == "default"
    claims = id_token.claims
    assert claims["iss"] == config["issuer"] and claims["aud"] == client["client_id"]
    assert claims["nonce"] == nonce and claims["sub"] == f"alice@127.0.0.1:{urlsplit(server.url).port}"
    user_info = requests.get(config["userinfo_endpoint"], headers=bearer(tokens["access_token"]), timeout=10)
    assert user_info.json()["sub"] == claims["sub"]

    # 4. The API works with the token.
    api = f"{server.url}/api/v1/tag_followings"
    assert requests.post(api, data={"name": "gardening"}, headers=bearer(tokens["access_token"]),
                         timeout=10).status_code == 204
    assert requests.get(api, headers=bearer(tokens["access_token"]), timeout=10).json() == ["gardening"]

    # 5. A refresh gives a new token that works as well.
    refreshed = requests.post(config["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client["client_id"], client["client_secret"]), timeout=10).json()
    assert refreshed["access_token"] != tokens["access_token"]
    assert requests.get(api, headers=bearer(refreshed["access_token"]), timeout=10).json() == ["gardening"]

    # 6. The user revokes the app from their settings; its tokens stop working.
    page.goto(server.url + "/user/edit")
    page.get_by_role("link", name="Authorized applications").click()
    application = page.get_by_test_id("application")
    expect(application).to_contain_text("Example App")
    expect(application.locator("li[data-scope=tags\\:read]")).to_contain_text("See which tags you follow")
    page.once("dialog", lambda dialog: dialog.accept())
    application.get_by_role("button", name="Revoke access of Example App").click()
    expect(page.get_by_text("Example App can no longer use your account.")).to_be_visible()
    expect(page.get_by_test_id("no-applications")).to_be_visible()
    for token in (tokens["access_token"], refreshed["access_token"]):
        gone = requests.get(api, headers=bearer(token), timeout=10)
        assert gone.status_code == 401 and gone.json()["error"] == "invalid_token"
    again = requests.post(config["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
