"""API test helpers: users made directly, tokens minted for any scopes, and a client that
validates every JSON answer against diaspora*'s own schema (tests/api/schema/README.md)."""
from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from core.accounts.models import User
from core.accounts.services import AccountService
from core.api.tokens import TokenService

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "diaspora" / "api_v1.json"
SCHEMA_FILE = SHARED if SHARED.exists() else HERE / "schema" / "api_v1.json"
SCHEMA_SHA256 = "8471dc2fe0645d84c0fa5f39570cc24e7f68ccd2814102235d09e6282623c56f"
SCHEMA_ID = "https://diaspora.software/api/v1/schema.json"
MINIMUM = "openid public:read"
PASSWORD = "correct horse battery"

# (route name, method) -> the api_v1.json definition its success body must match. A route not
# listed here answers with an empty body; "comments"/"messages" single objects are wrapped.
RESPONSE_SCHEMAS = {
    ("api.aspects", "GET"): "aspects", ("api.aspects", "POST"): "aspect",
    ("api.aspect", "GET"): "aspect", ("api.aspect", "PATCH"): "aspect", ("api.aspect", "PUT"): "aspect",
    ("api.aspect_contacts", "GET"): "users",
    ("api.posts", "POST"): "post", ("api.post", "GET"): "post",
    ("api.post_comments", "GET"): "comments", ("api.post_comments", "POST"): "comments",
    ("api.post_likes", "GET"): "likes", ("api.post_comment_likes", "GET"): "likes",
    ("api.post_reshares", "GET"): "reshares", ("api.post_reshares", "POST"): "post",
    ("api.conversations", "GET"): "conversations", ("api.conversations", "POST"): "conversation",
    ("api.conversation", "GET"): "conversation", ("api.conversation", "PATCH"): "conversation",
    ("api.conversation", "PUT"): "conversation",
    ("api.conversation_messages", "GET"): "messages", ("api.conversation_messages", "POST"): "messages",
    ("api.notifications", "GET"): "notifications", ("api.notification", "GET"): "notification",
    ("api.photos", "GET"): "photos", ("api.photos", "POST"): "photo", ("api.photo", "GET"): "photo",
    ("api.user", "GET"): "own_user", ("api.user", "PATCH"): "own_user",
    ("api.users_user", "GET"): "user", ("api.users_contacts", "GET"): "users",
    ("api.users_photos", "GET"): "photos", ("api.users_posts", "GET"): "posts",
    ("api.tag_followings", "GET"): "tags",
    ("api.search_users", "GET"): "users", ("api.search_posts", "GET"): "posts", ("api.search_tags", "GET"): "tags",
    **{(f"api.streams_{name}", "GET"): "posts"
       for name in ("main", "activity", "aspects", "tags", "mentions", "liked", "commented")},
}
SINGLE_ITEM = {("api.post_comments", "POST"), ("api.conversation_messages", "POST")}


def _schema():
    document = json.loads(SCHEMA_FILE.read_text())
    registry = Registry().with_resource(SCHEMA_ID, Resource.from_contents(document, default_specification=DRAFT4))
    return document, registry


SCHEMA, REGISTRY = _schema()


def validate(body, definition: str) -> None:
    """Raise unless ``body`` matches ``#/definitions/<definition>`` of diaspora*'s schema."""
    validator = Draft4Validator({"$ref": f"{SCHEMA_ID}#/definitions/{definition}"}, registry=REGISTRY,
                                format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"not a valid {definition!r}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def check_response(response) -> None:
    """Validate a success body against the definition of the route that answered."""
    attrs = response.request.environ.get("webob.adhoc_attrs", {})
    route = attrs.get("matched_route")
    if route is None or not 200 <= response.status_int < 300:
        return
    key = (route.name, response.request.method)
    definition = RESPONSE_SCHEMAS.get(key)
    if definition is None:
        return
    body = response.json
    validate([body] if key in SINGLE_ITEM else body, definition)
    if definition in ("post", "posts"):
        for post in body if isinstance(body, list) else [body]:
            assert post["post_type"] in ("StatusMessage", "Reshare")
            if post["post_type"] == "Reshare" and "root" in post:
                assert {"guid", "created_at", "author"} <= set(post["root"])


@dataclass
class Caller:
    """A local user of the test pod, and a way to mint them tokens."""

    api: "Api"
    username: str
    id: int
    guid: str
    diaspora_id: str
    person_id: int

    def token(self, scopes: str = MINIMUM, *, expires_in: dt.timedelta | None = dt.timedelta(hours=24)) -> str:
        """A bearer token of this user for ``scopes`` (public:read is always added)."""
        with self.api.session() as session:
            user = session.get(User, self.id)
            _, secret = TokenService(session).issue(user, scopes, lifetime=expires_in,
                                                    now=dt.datetime.now(dt.timezone.utc))
            return secret

    def user(self, session) -> User:
        return session.get(User, self.id)


class Api:
    """WebTest on /api/v1 that checks every success body against diaspora*'s schema."""

    def __init__(self, app, pod):
        self.app = app
        self.pod = pod

    @contextmanager
    def session(self):
        """A database session committed on leaving the block."""
        session = self.pod.session_factory()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def user(self, username: str) -> Caller:
        with self.session() as session:
            user = AccountService(session, self.pod).sign_up(username, f"{username}@example.org", PASSWORD)
            return Caller(self, username, user.id, user.person.guid, user.person.diaspora_id, user.person.id)

    def users(self, *names: str) -> list[Caller]:
        return [self.user(name) for name in names]

    def request(self, method: str, path: str, token: str | None = None, *, status=None, params=None,
                json_body=None, headers=None, upload_files=None):
        url = path if path.startswith("/api/") else "/api/v1" + path
        headers = dict(headers or {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        kwargs = {"headers": headers, "status": status, "expect_errors": True}
        if method == "GET":
            response = self.app.get(url, params=params or {}, **kwargs)
        elif json_body is not None:
            response = getattr(self.app, f"{method.lower()}_json")(url, json_body, **kwargs)
        elif upload_files is not None:
            response = self.app.post(url, params=params or {}, upload_files=upload_files, **kwargs)
        else:
            response = getattr(self.app, method.lower())(url, params=params or {}, **kwargs)
        # WebTest skips its own status check when errors are expected, so check it here; without
        # ``status`` any answer passes (``error()`` then checks the envelope).
        if status is not None:
            assert response.status_int == status, (response.status, response.text[:300])
        check_response(response)
        return response

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.request("POST", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self.request("PATCH", path, token, **kw)

    def put(self, path, token=None, **kw):
        return self.request("PUT", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)


def error(response, status: int, message: str) -> None:
    """Assert the API's error envelope."""
    assert response.status_int == status, (response.status, response.text[:300])
    assert response.json == {"code": status, "message": message}


def links(response) -> dict[str, str]:
    """The Link header as {rel: path?query}, in the header's order."""
    found = {}
    header = response.headers.get("Link") or ""
    for part in filter(None, (piece.strip() for piece in header.split(","))):
        url, rel = part.split(";", 1)
        parts = urlsplit(url.strip().strip("<>"))
        found[rel.split("=", 1)[1].strip('"')] = f"{parts.path}?{parts.query}"
    return found


@pytest.fixture
def api(app, pod) -> Api:
    return Api(app, pod)

