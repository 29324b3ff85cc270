"""A fake Tumblr on 127.0.0.1: the API v2 ``/posts`` endpoint and the photos it links to, with
Tumblr's paths, parameters, key check, paging and error shapes."""
from __future__ import annotations

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image

API_KEY = "tumblr-test-consumer-key"
_POSTS_PATH = re.compile(r"^/v2/blog/([^/]+)/posts/?$")
_COLOURS = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 180, 30)]


def png(seed: int = 0, size=(8, 6)) -> bytes:
    """A real, small PNG; ``seed`` picks its colour."""
    out = io.BytesIO()
    Image.new("RGB", size, _COLOURS[seed % len(_COLOURS)]).save(out, format="PNG")
    return out.getvalue()


def error_body(status: int, title: str, detail: str, code: int = 0) -> dict:
    return {"meta": {"status": status, "msg": title}, "response": [],
            "errors": [{"title": title, "code": code, "detail": detail}]}


class FakeTumblr:
    """Blogs by name, each a list of (legacy, npf) posts, newest first."""

    def __init__(self):
        self.blogs: dict[str, list[tuple[dict, dict]]] = {}
        self.domains: dict[str, str] = {}  # custom domain -> blog name
        self.fail_next: list[int] = []     # statuses for the next API requests, one each
        self.requests: list[dict] = []     # the query of every API request
        self.photo_requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.media = f"{self.url}/media"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_blog(self, name: str, posts: list[tuple[dict, dict]], domain: str | None = None) -> None:
        self.blogs[name] = list(posts)
        if domain:
            self.domains[domain] = name

    def settings(self, **extra) -> dict:
        """Settings for a pod that imports from this server."""
        return {"plugins": "tumblr_import", "tumblr_import.api_url": self.url, "tumblr_import.api_key": API_KEY,
                **extra}

    # --- the HTTP side --------------------------------------------------------------------

    def _blog(self, identifier: str) -> str | None:
        identifier = identifier.lower()
        if identifier.endswith(".tumblr.com"):
            identifier = identifier[: -len(".tumblr.com")]
        identifier = self.domains.get(identifier, identifier)
        return identifier if identifier in self.blogs else None

    def answer_posts(self, identifier: str, query: dict) -> tuple[int, dict]:
        self.requests.append(query)
        if self.fail_next:
            status = self.fail_next.pop(0)
            title = {429: "Limit Exceeded", 503: "Service Unavailable"}.get(status, "Error")
            return status, error_body(status, title, f"{title}.")
        if query.get("api_key") != API_KEY:
            return 401, error_body(401, "Unauthorized", "You must provide a valid API key.", 1016)
        name = self._blog(identifier)
        if name is None:
            return 404, error_body(404, "Not Found", "Blog not found.", 0)
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "20"))
        except ValueError:
            return 400, error_body(400, "Bad Request", "offset and limit must be numbers.", 1001)
        if not 1 <= limit <= 20 or offset < 0:
            return 400, error_body(400, "Bad Request", "limit must be between 1 and 20.", 1001)
        posts = self.blogs[name]
        npf = query.get("npf") == "true"
        page = [pair[1] if npf else pair[0] for pair in posts[offset:offset + limit]]
        response = {"blog": {"name": name, "title": name.title(), "url": f"https://{name}.tumblr.com/",
                             "posts": len(posts)},
                    "posts": page, "total_posts": len(posts)}
        if offset + limit < len(posts):
            following = {"offset": str(offset + limit), "limit": str(limit)}
            if npf:
                following["npf"] = "true"
            response["_links"] = {"next": {"href": f"/v2/blog/{name}/posts?offset={offset + limit}",
                                           "method": "GET", "query_params": following}}
        return 200, {"meta": {"status": 200, "msg": "OK"}, "response": response}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parts = urlsplit(self.path)
                match = _POSTS_PATH.match(parts.path)
                if match:
                    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                    status, body = fake.answer_posts(match.group(1), query)
                    self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8")
                elif parts.path.startswith("/media/") and parts.path.endswith(".png"):
                    fake.photo_requests.append(parts.path)
                    self._send(200, png(len(parts.path)), "image/png")
                else:
                    self._send(404, json.dumps(error_body(404, "Not Found", "No such page.")).encode(),
                               "application/json")

        return Handler
