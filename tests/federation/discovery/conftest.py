"""A fake remote pod for discovery tests: a plain HTTP server on a free loopback port.

``remote_pod.person("alice")`` publishes a WebFinger JRD and an hCard for
``alice@127.0.0.1:<port>`` (built with our own document writers, so each test can then break
one thing on purpose). ``remote_pod.route(path, status, body, headers)`` serves anything else;
``remote_pod.requests`` lists the paths asked for, in order.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.federation.documents import HCard, WebFinger, hcard_html, pretty_json, webfinger_jrd
from core.testing import free_port

VECTORS = Path(__file__).parents[1] / "vectors"
ALICE_PUBLIC_PEM = (VECTORS / "upstream/keys/alice_pod-a_rsa1024_public.pem").read_text()


class FakePod:
    def __init__(self):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.routes: dict[str, tuple[int, bytes, dict]] = {}
        self.requests: list[str] = []
        self.cards: dict[str, HCard] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                fake.requests.append(self.path)
                status, body, headers = fake.routes.get(self.path, (404, b"not here", {}))
                if callable(body):
                    status, body, headers = body()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and not headers.get("X-No-Length"):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, path: str, status: int = 200, body: bytes | str = b"", headers: dict | None = None):
        self.routes[path] = (status, body.encode() if isinstance(body, str) else body, headers or {})

    def webfinger_path(self, diaspora_id: str) -> str:
        return f"/.well-known/webfinger?resource=acct:{diaspora_id}"

    def person(self, username: str, *, guid: str | None = None, public_key: str = ALICE_PUBLIC_PEM,
               first_name: str = "Alice", last_name: str = "Remote", **webfinger_changes) -> str:
        """Publish WebFinger and hCard for ``username@host``; returns the diaspora ID."""
        diaspora_id = f"{username}@{self.host}"
        guid = guid or f"{username}0123456789abcdef0123456789"[:32]
        webfinger = WebFinger(subject=f"acct:{diaspora_id}", hcard_url=f"{self.url}/hcard/users/{guid}",
                              seed_url=f"{self.url}/", salmon_url=f"{self.url}/receive/users/{guid}")
        webfinger = replace(webfinger, **webfinger_changes)
        self.route(self.webfinger_path(diaspora_id), body=pretty_json(webfinger_jrd(webfinger)),
                   headers={"Content-Type": "application/jrd+json; charset=utf-8"})
        card = HCard(guid=guid, nickname=username, full_name=f"{first_name} {last_name}", first_name=first_name,
                     last_name=last_name, searchable=True, public_key=public_key,
                     photo_large="/images/large.png", photo_medium=f"{self.url}/images/medium.png",
                     photo_small=f"{self.url}/images/small.png")
        self.publish_card(card)
        return diaspora_id

    def publish_card(self, card: HCard) -> None:
        self.cards[card.guid] = card
        self.route(f"/hcard/users/{card.guid}", body=hcard_html(card),
                   headers={"Content-Type": "text/html; charset=utf-8"})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def remote_pod():
    fake = FakePod()
    yield fake
    fake.close()

