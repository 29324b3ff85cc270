"""core.http.request: any request to a service that is not a pod, under the pod's rules."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import http


class Recorder(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, dict(self.headers), body))
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/landed?from=moved")
            self.end_headers()
            return
        if self.path.startswith("/limited"):
            payload = json.dumps({"errors": [{"message": "Rate limit exceeded"}]}).encode()
            self.send_response(429)
            self.send_header("x-rate-limit-reset", "1700000000")
        else:
            payload = b"x" * 2000 if self.path.startswith("/big") else b'{"ok": true}'
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = answer


@pytest.fixture
def upstream():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.seen
    server.shutdown()
    server.server_close()


def test_any_status_is_returned_with_its_headers_and_body(pod, upstream):
    base, seen = upstream
    answer = http.request(pod, "POST", base + "/limited", purpose="crosspost", params={"a": "1"}, data=b"hi",
                          headers={"X-Test": "yes"})
    assert answer.status == 429
    assert answer.headers["x-rate-limit-reset"] == "1700000000"
    assert json.loads(answer.body)["errors"][0]["message"] == "Rate limit exceeded"
    method, path, headers, body = seen[0]
    assert (method, path, body, headers["X-Test"]) == ("POST", "/limited?a=1", b"hi", "yes")
    assert headers["User-Agent"].startswith("Seedpod/")


def test_get_follows_redirects_without_repeating_the_query(pod, upstream):
    base, seen = upstream
    answer = http.request(pod, "GET", base + "/moved", purpose="oembed", params={"url": "x"})
    assert answer.status == 200 and answer.url.endswith("/landed?from=moved")
    assert [p for _, p, _, _ in seen] == ["/moved?url=x", "/landed?from=moved"]


def test_other_methods_never_follow_a_redirect(pod, upstream):
    base, seen = upstream
    assert http.request(pod, "DELETE", base + "/moved", purpose="crosspost").status == 302
    assert len(seen) == 1


def test_auth_signs_the_request(pod, upstream):
    base, seen = upstream

    def sign(prepared):
        prepared.headers["Authorization"] = "Signed " + prepared.url.rsplit("/", 1)[1]
        return prepared

    http.request(pod, "GET", base + "/thing", purpose="import", auth=sign)
    assert seen[0][2]["Authorization"] == "Signed thing"


def test_the_size_limit_can_be_set_per_request(pod, upstream):
    base, _ = upstream
    with pytest.raises(http.PayloadTooLarge):
        http.request(pod, "GET", base + "/big", purpose="import", max_bytes=1000)
    assert len(http.request(pod, "GET", base + "/big", purpose="import").body) == 2000


def test_the_rules_still_hold(make_pod, upstream):
    base, seen = upstream
    strict = make_pod(federation__allow_private_addresses="false")
    with pytest.raises(http.Refused):
        http.request(strict, "GET", base + "/thing", purpose="oembed")
    with pytest.raises(http.Refused):
        http.request(strict, "GET", "ftp://example.org/", purpose="oembed")
    assert seen == []


class OnionCarrier:
    """A transport for .onion names that answers itself, recording what it was asked."""

    def __init__(self):
        self.asked = []

    def request(self, method, url, **kwargs):
        import io

        import requests

        self.asked.append((method, url))
        answer = requests.Response()
        answer.status_code, answer.url = 200, url
        answer.raw = io.BytesIO(b"onion")
        answer.raw.stream = lambda size, decode_content=True: iter([b"onion"])
        return answer

    def http_transport_for(self, url, purpose, pod):
        return self if ".onion" in url else None


def test_plain_http_is_allowed_to_onion_names_only(make_pod):
    from core.hookspecs import hookimpl

    carrier = OnionCarrier()

    class Plugin:
        @hookimpl
        def http_transport_for(self, url, purpose, pod):
            return carrier.http_transport_for(url, purpose, pod)

    strict = make_pod(federation__allow_http="false", extra_plugins={"onions": Plugin()})
    onion = "http://" + "a" * 56 + ".onion/.well-known/host-meta"

    assert http.get(strict, onion, purpose="fetch").body == b"onion"
    assert carrier.asked == [("GET", onion)]
    with pytest.raises(http.Refused):
        http.get(strict, "http://example.org/", purpose="fetch")


def test_an_onion_pod_is_addressed_over_http(make_pod):
    from core.federation.http import pod_base_url

    strict = make_pod(federation__allow_http="false")
    assert pod_base_url(strict, "abc.onion", https=False) == "http://abc.onion"
    assert pod_base_url(strict, "abc.example", https=False) == "https://abc.example"
    assert pod_base_url(strict, "abc.onion", https=True) == "https://abc.onion"
