"""A fake YouTube oEmbed service on a loopback port, and pods with youtube_embed alone enabled.

The fake speaks oEmbed as YouTube does: ``GET /oembed?url=<watch URL>&format=json`` answers
JSON with ``title``, ``author_name``, ``thumbnail_url`` and an ``html`` iframe (which the
plugin must never use), 404 for a removed video and 401 for a private one; the thumbnails
are real JPEGs made with Pillow. Tests choose per video what goes wrong.
"""
from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import undefer

from core.posts.models import Post
from plugins.youtube_embed.models import Video

VIDEO = "dQw4w9WgXcQ"
OTHER = "9bZkp7q19f0"
THIRD = "kJQP7kiw5Fk"
FOURTH = "OPf0YbXqDm0"


def jpeg(width=480, height=360, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


@dataclass
class Seen:
    path: str
    query: dict
    headers: dict


@dataclass
class FakeYouTube:
    """What the fake answers, per video id: ``behaviour[id]`` is ``"ok"`` (default), ``"removed"``
    (404), ``"private"`` (401), ``"error"`` (503), ``"junk"`` (not JSON), ``"slow"`` (answers
    after ``slow_seconds``) or ``"not_image"`` (the thumbnail is an HTML page)."""

    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    authors: dict[str, str] = field(default_factory=dict)
    slow_seconds: float = 2.5

    def reset(self) -> None:
        self.requests.clear()
        self.behaviour.clear()
        self.titles.clear()
        self.authors.clear()

    def oembed_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/oembed"]


def make_handler(fake: FakeYouTube):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output quiet
            pass

        def answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - the http.server API
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.requests.append(Seen(parts.path, query, dict(self.headers)))
            if parts.path == "/oembed":
                return self.oembed(query)
            if parts.path.startswith("/vi/") and parts.path.endswith("/hqdefault.jpg"):
                video_id = parts.path.split("/")[2]
                if fake.behaviour.get(video_id) == "not_image":
                    return self.answer(200, b"<html><body>not a picture</body></html>", "image/jpeg")
                return self.answer(200, jpeg(), "image/jpeg")
            self.answer(404, b"Not Found", "text/plain")

        def oembed(self, query):
            target = query.get("url", "")
            video_id = parse_qs(urlsplit(target).query).get("v", [""])[0]
            if query.get("format") != "json" or not target.startswith("https://www.youtube.com/watch?v="):
                return self.answer(400, b"Bad Request", "text/plain")
            behaviour = fake.behaviour.get(video_id, "ok")
            if behaviour == "removed":
                return self.answer(404, b"Not Found", "text/html")
            if behaviour == "private":
                return self.answer(401, b"Unauthorized", "text/html")
            if behaviour == "error":
                return self.answer(503, b"<html>Service Unavailable</html>", "text/html")
            if behaviour == "junk":
                return self.answer(200, b"{\"title\": \"half a document", "application/json")
            if behaviour == "slow":
                time.sleep(fake.slow_seconds)
            document = {
                "title": fake.titles.get(video_id, f"Video {video_id}"),
                "author_name": fake.authors.get(video_id, f"Channel of {video_id}"),
                "author_url": "https://www.youtube.com/@someone",
                "type": "video",
                "height": 113,
                "width": 200,
                "version": "1.0",
                "provider_name": "YouTube",
                "provider_url": "https://www.youtube.com/",
                "thumbnail_height": 360,
                "thumbnail_width": 480,
                "thumbnail_url": f"{fake.url}/vi/{video_id}/hqdefault.jpg",
                "html": f'<iframe src="https://www.youtube.com/embed/{video_id}"></iframe>'
                        '<script>alert("from oembed")</script>',
            }
            self.answer(200, json.dumps(document).encode(), "application/json")

    return Handler


@pytest.fixture(scope="session")
def _fake_youtube_server():
    fake = FakeYouTube()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def youtube(_fake_youtube_server):
    """The fake YouTube, with nothing recorded and every video fine."""
    _fake_youtube_server.reset()
    yield _fake_youtube_server
    _fake_youtube_server.reset()


@pytest.fixture
def settings(settings, youtube):
    """Pods of these tests enable youtube_embed alone, pointed at the fake; the same on both
    databases."""
    return {**settings, "plugins": "youtube_embed", "youtube_embed.oembed_url": f"{youtube.url}/oembed"}


@pytest.fixture
def publish():
    """``publish(browser, text)``: a public post through the composer; returns its guid."""
    def make(browser, text, visibility="public"):
        form = browser.get("/status_messages").forms["composer-form"]
        form["text"] = text
        form["visibility"] = visibility
        assert form.submit().status_int == 303
        with browser.pod.session_factory() as session:
            return session.scalar(sa.select(Post.guid).order_by(Post.id.desc()).limit(1))
    return make


@pytest.fixture
def add_comment():
    """``add_comment(browser, guid, text)`` through the post page's comment form."""
    def make(browser, guid, text):
        form = browser.get(f"/posts/{guid}").forms["comment-form"]
        form["text"] = text
        assert form.submit().status_int == 303
    return make


@pytest.fixture
def videos(pod):
    """``videos()``: every cached video row, by id, fresh from the database."""
    def read():
        with pod.session_factory() as session:
            rows = session.scalars(sa.select(Video).options(undefer(Video.thumbnail)).order_by(Video.id)).all()
            for row in rows:
                session.expunge(row)
            return {row.video_id: row for row in rows}
    return read
