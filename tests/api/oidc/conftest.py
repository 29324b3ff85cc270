"""OpenID Connect test helpers: one signing key for the whole session, registered apps,
signed-in browsers, and the steps of the flow as an app takes them.

The pod makes its 4096-bit signing key on first use (``oidc.rsa_key_size``). Tests don't
wait for that: a 2048-bit key made once per session is put in each test pod's data_dir
before the pod needs it (test_discovery.py checks the making itself, with a small size).
"""
from __future__ import annotations

import base64
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc.jwk import RSAKey

from core.api.oidc.keys import key_path
from core.testing import sign_up

REDIRECT_URI = "https://app.example/callback"
PREFIX = "/api/openid_connect"


@pytest.fixture(scope="session")
def oidc_key_pem() -> bytes:
    return RSAKey.generate_key(2048, private=True).as_pem(private=True)


@pytest.fixture(autouse=True)
def oidc_signing_key(settings, oidc_key_pem):
    """The session's key, where the test pod looks for its signing key."""
    class Where:
        data_dir = Path(settings["data_dir"])

    path = key_path(Where)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(oidc_key_pem)
    return path


def register(app, status=200, **metadata):
    """Register an app through the registration endpoint; its JSON answer."""
    body = {"client_name": "Diaspora Test App", "redirect_uris": [REDIRECT_URI], **metadata}
    return app.post_json(f"{PREFIX}/clients", body, status=status, expect_errors=True).json


def signed_in(app, username: str = "alice"):
    assert sign_up(app, username).status_int == 303
    return app


def authorize_path(client: dict, **params) -> str:
    query = {"client_id": client["client_id"], "redirect_uri": client["redirect_uris"][0],
             "response_type": "code", "scope": "openid", "state": "1234", "nonce": "n-0S6_WzA2Mj", **params}
    return f"{PREFIX}/authorizations/new?" + urlencode({k: v for k, v in query.items() if v is not None})


def redirect_params(response) -> dict:
    """The parameters an answer sends to the app: the query, or the fragment when there is one."""
    assert response.status_int == 302, (response.status, response.text[:500])
    parts = urlsplit(response.headers["Location"])
    raw = parts.fragment or parts.query
    return {key: values[0] for key, values in parse_qs(raw).items()}


def location(response) -> str:
    parts = urlsplit(response.headers["Location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def consent(app, client: dict, approve: bool = True, **params):
    """Open the consent page for a request and answer it; the redirect to the app."""
    page = app.get(authorize_path(client, **params), status=200)
    form = consent_form(page)
    return form.submit("approve", value="true" if approve else "false", status="*")


def consent_form(page):
    return next(form for form in page.forms.values() if form.action.endswith(f"{PREFIX}/authorizations"))


def code_for(app, client: dict, **params) -> str:
    return redirect_params(consent(app, client, **params))["code"]


def exchange(app, client: dict, code: str, status=200, **extra):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uris"][0],
            "client_id": client["client_id"], "client_secret": client["client_secret"], **extra}
    return app.post(f"{PREFIX}/access_tokens", {k: v for k, v in form.items() if v is not None},
                    status=status, expect_errors=True)


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


class Documents:
    """A tiny web server on loopback for what a registering app publishes (sector identifier
    lists, key sets): ``documents.serve("/path", body, status=200)`` gives the URL."""

    def __init__(self):
        import http.server
        import threading

        from core.testing import free_port

        pages = self.pages = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = pages.get(self.path, (404, b"not here"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, body, status: int = 200) -> str:
        import json

        self.pages[path] = (status, body if isinstance(body, bytes) else json.dumps(body).encode())
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def documents():
    served = Documents()
    yield served
    served.close()


def half_hash(value: str) -> str:
    """at_hash / c_hash of a value (OIDC Core §3.1.3.6, RS256)."""
    import hashlib

    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def verified_claims(app, id_token: str) -> tuple[dict, dict]:
    """(header, claims) of an ID token whose signature checks with the pod's jwks.json."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(app.get(f"{PREFIX}/jwks.json").json)
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    return dict(token.header), dict(token.claims)
