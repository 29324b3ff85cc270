"""A fake X API on a loopback port, speaking X's paths, OAuth 1.0a and error shapes.

Every request's HMAC-SHA1 signature is checked with oauthlib's own functions (the query and
any urlencoded form count; a multipart body does not), and a bad one gets X's 401. Requests
are recorded for the tests to look at; ``fail_next`` makes the next matching call fail the
way X does.
"""
from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from types import SimpleNamespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from oauthlib.oauth1.rfc5849 import signature, utils

CONSUMER_KEY = "pod-consumer-key"
CONSUMER_SECRET = "pod-consumer-secret"
UPLOAD_PREFIX = "/upload-host"  # upload_url is another "host": a path prefix on the same server


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    oauth: dict
    json: dict | None = None
    media: bytes | None = None
    status: int = 0


@dataclass
class FakeX:
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    request_tokens: dict = field(default_factory=dict)   # token -> [secret, verifier or None]
    access_tokens: dict = field(default_factory=dict)    # token -> (secret, user id, screen name)
    tweets: dict = field(default_factory=dict)           # id -> {"text", "media_ids", "token"}
    media: dict = field(default_factory=dict)            # id -> bytes
    alt_texts: dict = field(default_factory=dict)        # media id -> alt text
    failures: list = field(default_factory=list)         # (method, path prefix, status, body, headers)
    nonces: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1850000000000000001))

    # --- what tests do -------------------------------------------------------------------
    def authorize(self, token: str) -> str:
        """The user clicks "Authorize app" on X: the request token gets a verifier."""
        verifier = secrets.token_hex(8)
        self.request_tokens[token][1] = verifier
        return verifier

    def grant(self, screen_name: str = "alice_on_x") -> tuple[str, str]:
        """An access token as if the OAuth dance happened."""
        token, secret = f"at-{secrets.token_hex(6)}", secrets.token_hex(12)
        self.access_tokens[token] = (secret, str(next(self.ids)), screen_name)
        return token, secret

    def revoke_all(self) -> None:
        self.access_tokens.clear()

    def fail_next(self, method: str, path: str, status: int, body: dict, headers: dict | None = None) -> None:
        self.failures.append((method, path, status, body, headers or {}))

    def calls(self, method: str, path_start: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start) and r.status < 300]


def oauth_params(header: str) -> dict:
    if not header.startswith("OAuth "):
        return {}
    return {name: utils.unescape(value) for name, value in utils.parse_authorization_header(header)}


class Handler(BaseHTTPRequestHandler):
    fake: FakeX

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_POST(self):
        self.handle_any("POST")

    def do_GET(self):
        self.handle_any("GET")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def answer(self, status: int, body, content_type: str = "application/json", headers: dict | None = None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.seen.status = status  # before answering: the test may read it as soon as the answer arrives
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method: str):
        fake = self.fake
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        params = self.oauth = oauth_params(self.headers.get("Authorization", ""))
        self.seen = Seen(method, parts.path, dict(parse_qsl(parts.query)), params)
        with fake.lock:
            fake.requests.append(self.seen)
        form = body.decode() if content_type.startswith("application/x-www-form-urlencoded") else None
        if content_type.startswith("application/json"):
            self.seen.json = json.loads(body)
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == "media":
                    self.seen.media = part.get_payload(decode=True)
        secret = self.token_secret(parts.path)
        if secret is None or not self.signed(method, parts, form, secret):
            return self.unauthorized(parts.path)
        for index, (f_method, f_path, status, f_body, headers) in enumerate(fake.failures):
            if f_method == method and parts.path.startswith(f_path):
                del fake.failures[index]
                return self.answer(status, f_body, headers=headers)
        return self.route(method, parts.path, form)

    def token_secret(self, path: str) -> str | None:
        """The token secret the request must be signed with, None for an unknown token."""
        token = self.oauth.get("oauth_token")
        if path == "/oauth/request_token":
            return "" if token is None and "oauth_callback" in self.oauth else None
        if path == "/oauth/access_token":
            entry = self.fake.request_tokens.get(token)
            return entry[0] if entry else None
        entry = self.fake.access_tokens.get(token)
        return entry[0] if entry else None

    def signed(self, method: str, parts, form: str | None, token_secret: str) -> bool:
        given = self.oauth.get("oauth_signature", "")
        nonce = self.oauth.get("oauth_nonce", "")
        if self.oauth.get("oauth_consumer_key") != CONSUMER_KEY or self.oauth.get("oauth_signature_method") != "HMAC-SHA1":
            return False
        if abs(int(self.oauth.get("oauth_timestamp", "0")) - time.time()) > 300 or nonce in self.fake.nonces:
            return False
        collected = signature.collect_parameters(uri_query=parts.query, body=form,
                                                 headers={"Authorization": self.headers["Authorization"]},
                                                 exclude_oauth_signature=True, with_realm=False)
        base_uri = signature.base_string_uri(f"http://{self.headers['Host']}{parts.path}")
        base = signature.signature_base_string(method, base_uri, signature.normalize_parameters(collected))
        expected = signature.sign_hmac_sha1_with_client(base, SimpleNamespace(client_secret=CONSUMER_SECRET,
                                                                         resource_owner_secret=token_secret))
        if not signature.safe_string_equals(expected, given):
            return False
        self.fake.nonces.add(nonce)
        return True

    def unauthorized(self, path: str):
        if path.startswith("/2/"):
            return self.answer(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                     "detail": "Unauthorized"})
        return self.answer(401, {"errors": [{"code": 32, "message": "Could not authenticate you."}]})

    def route(self, method: str, path: str, form: str | None):
        fake = self.fake
        if method == "POST" and path == "/oauth/request_token":
            token, secret = f"rt-{secrets.token_hex(6)}", secrets.token_hex(12)
            fake.request_tokens[token] = [secret, None]
            return self.answer(200, urlencode({"oauth_token": token, "oauth_token_secret": secret,
                                               "oauth_callback_confirmed": "true"}), "text/html")
        if method == "POST" and path == "/oauth/access_token":
            token = self.oauth["oauth_token"]
            secret, verifier = fake.request_tokens.pop(token)  # a request token is good once
            if verifier is None or self.oauth.get("oauth_verifier") != verifier:
                return self.answer(401, "Error processing your OAuth request: Invalid oauth_verifier parameter",
                                   "text/plain")
            access, access_secret = fake.grant("alice_on_x")
            _, user_id, screen_name = fake.access_tokens[access]
            return self.answer(200, urlencode({"oauth_token": access, "oauth_token_secret": access_secret,
                                               "user_id": user_id, "screen_name": screen_name}), "text/html")
        if method == "POST" and path == UPLOAD_PREFIX + "/1.1/media/upload.json":
            if not self.seen.media:
                return self.answer(400, {"errors": [{"code": 38, "message": "media parameter is missing."}]})
            media_id = str(next(fake.ids))
            fake.media[media_id] = self.seen.media
            return self.answer(200, {"media_id": int(media_id), "media_id_string": media_id, "size": len(self.seen.media),
                                     "expires_after_secs": 86400, "image": {"image_type": "image/png"}})
        if method == "POST" and path == UPLOAD_PREFIX + "/1.1/media/metadata/create.json":
            payload = self.seen.json or {}
            if payload.get("media_id") not in fake.media:
                return self.answer(400, {"errors": [{"code": 324, "message": "The media_id is invalid."}]})
            fake.alt_texts[payload["media_id"]] = (payload.get("alt_text") or {}).get("text", "")
            return self.answer(200, "", "text/plain")
        if method == "POST" and path == "/2/tweets":
            payload = self.seen.json or {}
            text = payload.get("text", "")
            token = self.oauth["oauth_token"]
            if any(t["text"] == text and t["token"] == token for t in fake.tweets.values()):
                return self.answer(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                         "type": "about:blank", "title": "Forbidden", "status": 403})
            media_ids = (payload.get("media") or {}).get("media_ids", [])
            if any(m not in fake.media for m in media_ids):
                return self.answer(400, {"errors": [{"message": "Your media IDs are invalid."}],
                                         "title": "Invalid Request", "detail": "One or more parameters to your "
                                         "request was invalid.", "type": "https://api.twitter.com/2/problems/"
                                         "invalid-request"})
            tweet_id = str(next(fake.ids))
            fake.tweets[tweet_id] = {"text": text, "media_ids": media_ids, "token": token}
            return self.answer(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}})
        if method == "DELETE" and path.startswith("/2/tweets/"):
            tweet_id = path.rsplit("/", 1)[-1]
            if fake.tweets.pop(tweet_id, None) is None:
                return self.answer(404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/"
                                         "resource-not-found", "detail": f"Could not find tweet with id: [{tweet_id}].",
                                         "status": 404})
            return self.answer(200, {"data": {"deleted": True}})
        return self.answer(404, {"errors": [{"code": 34, "message": "Sorry, that page does not exist."}]})


@pytest.fixture
def fake_x():
    fake = FakeX()
    handler = type("FakeXHandler", (Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def x_settings(fake: FakeX) -> dict:
    return {"plugins": "crosspost_twitter", "crosspost_twitter.consumer_key": CONSUMER_KEY,
            "crosspost_twitter.consumer_secret": CONSUMER_SECRET, "crosspost_twitter.api_url": fake.url,
            "crosspost_twitter.upload_url": fake.url + UPLOAD_PREFIX}


@pytest.fixture
def x_app(make_app, fake_x):
    """A pod with the plugin configured against the fake X."""
    return make_app(**x_settings(fake_x))


# --- steps of a user on the pod ---------------------------------------------------------------

def form_with_action(page, ending: str):
    return next(form for form in page.forms.values() if form.action.endswith(ending))


def start_connecting(browser, fake: FakeX) -> str:
    """Press "Connect": the pod asks X for a request token and sends the browser to X."""
    page = browser.get("/p/crosspost_twitter/")
    response = form_with_action(page, "/p/crosspost_twitter/connect").submit(status=303)
    location = urlsplit(response.location)
    assert f"{location.scheme}://{location.netloc}{location.path}" == fake.url + "/oauth/authorize"
    return dict(parse_qsl(location.query))["oauth_token"]


def connect(browser, fake: FakeX):
    """The whole dance: the user authorizes the app on X and comes back to the pod."""
    token = start_connecting(browser, fake)
    verifier = fake.authorize(token)
    return browser.get("/p/crosspost_twitter/callback", {"oauth_token": token, "oauth_verifier": verifier},
                       status=303)


def compose(browser, text: str = "Hello X", visibility: str = "public", crosspost: bool = True,
            photos=(), alt_texts=(), forge: bool = False):
    """Write a post from the composer; ``forge`` adds the crosspost field even when the page
    does not offer it."""
    page = browser.get("/status_messages")
    form = page.forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    for index, upload in enumerate(photos):
        form.set("photo", upload, index=index)
    for index, alt_text in enumerate(alt_texts):
        form.set("photo_alt", alt_text, index=index)
    offered = "crosspost_twitter" in form.fields
    fields = [(name, value) for name, value in form.submit_fields() if name != "crosspost_twitter"]
    if crosspost and (offered or forge):
        fields.append(("crosspost_twitter", "1"))
    return browser.post("/status_messages", fields, content_type=form.enctype, status=303)


def settle(pod) -> None:
    """Run the jobs, and the jobs those jobs sent (the event's dispatch sends the tweet's)."""
    for _ in range(3):
        pod.jobs.drain()


def rows(pod) -> list:
    import sqlalchemy as sa

    from plugins.crosspost_twitter.models import Tweet

    with pod.session_factory() as session:
        found = list(session.scalars(sa.select(Tweet).order_by(Tweet.id)))
        session.expunge_all()
        return found


@pytest.fixture
def alice(x_app, fake_x):
    """alice, signed up on the pod with her X account connected."""
    from core.testing import sign_up

    sign_up(x_app, "alice")
    connect(x_app, fake_x)
    fake_x.requests.clear()
    return x_app
