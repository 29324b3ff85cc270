"""The only outbound HTTP client: scheme, address, size and redirect rules, and the transport hook."""
from __future__ import annotations

import logging
import socket

import pytest
from requests.adapters import HTTPAdapter

from core.federation import http
from core.federation.errors import ProtocolError
from core.hookspecs import hookimpl


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fe80::1%1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "2002:7f00:1::1", "2001:db8::1",
])
def test_private_and_special_addresses_are_refused(address):
    assert http.address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_are_allowed(address):
    assert http.address_refusal(address) is None


def test_get_returns_status_headers_body_and_url(make_pod, remote_pod):
    remote_pod.route("/hello", body="hi", headers={"Content-Type": "text/plain", "X-Thing": "1"})
    answer = http.get(make_pod(), f"{remote_pod.url}/hello", purpose="test", accept="text/plain")
    assert (answer.status, answer.body, answer.url) == (200, b"hi", f"{remote_pod.url}/hello")
    assert answer.headers["x-thing"] == "1" and answer.content_type == "text/plain"


def test_the_user_agent_names_seedpod(make_pod, remote_pod):
    seen = {}
    remote_pod.route("/ua", body="ok")
    original = remote_pod.server.RequestHandlerClass.do_GET

    def record(handler):
        seen.update(ua=handler.headers["User-Agent"], accept=handler.headers["Accept"])
        original(handler)
    remote_pod.server.RequestHandlerClass.do_GET = record
    http.get(make_pod(), f"{remote_pod.url}/ua", purpose="test", accept="application/jrd+json")
    assert seen == {"ua": http.USER_AGENT, "accept": "application/jrd+json"}
    assert http.USER_AGENT.startswith("Seedpod/")


def test_non_2xx_raises_http_error_with_the_status(make_pod, remote_pod):
    with pytest.raises(http.HTTPError) as raised:
        http.get(make_pod(), f"{remote_pod.url}/missing", purpose="test")
    assert raised.value.status == 404 and isinstance(raised.value, ProtocolError)


def test_plain_http_is_refused_unless_allowed(make_pod, remote_pod, caplog):
    remote_pod.route("/x", body="x")
    pod = make_pod(federation__allow_http="false")
    with caplog.at_level(logging.WARNING, "core.federation.http"):
        with pytest.raises(http.Refused, match="plain http"):
            http.get(pod, f"{remote_pod.url}/x", purpose="test")
    assert remote_pod.requests == []
    assert "plain http is not allowed" in caplog.text


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "https:///nohost",
                                 "https://user:pw@example.org/", "https://example.org:99999/"])
def test_odd_urls_are_refused(pod, url):
    with pytest.raises(http.Refused):
        http.get(pod, url, purpose="test")


def test_loopback_is_refused_unless_private_addresses_are_allowed(make_pod, remote_pod, caplog):
    remote_pod.route("/x", body="x")
    assert http.get(make_pod(), f"{remote_pod.url}/x", purpose="test").body == b"x"
    pod = make_pod(federation__allow_private_addresses="false")
    with caplog.at_level(logging.WARNING, "core.federation.http"):
        with pytest.raises(http.Refused, match="127.0.0.1 is a loopback address"):
            http.get(pod, f"{remote_pod.url}/x", purpose="test")
    assert remote_pod.requests == ["/x"]
    assert "refused outbound request for test" in caplog.text


def test_metadata_address_is_refused_before_connecting(make_pod, monkeypatch):
    def no_connect(*args):
        raise AssertionError("must not connect")
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    pod = make_pod(federation__allow_private_addresses="false")
    with pytest.raises(http.Refused, match="169.254.169.254 is a link-local address"):
        http.get(pod, "https://169.254.169.254/latest/meta-data/", purpose="test")
    with pytest.raises(http.Refused, match="is a private address|is a loopback"):
        http.post(pod, "https://[::ffff:10.0.0.1]/receive/public", b"x", "text/plain", purpose="deliver")


def test_a_name_is_checked_when_connecting_so_rebinding_cannot_swap_it(make_pod, monkeypatch):
    """The addresses checked are the addresses connected to: the resolver is asked once, at
    connect time, and any refused address among its answers refuses the name."""
    calls = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            calls.append(host)
            # A hostile DNS server mixes a public and a private answer.
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    pod = make_pod(federation__allow_private_addresses="false")
    with pytest.raises(http.Refused, match="127.0.0.1 is a loopback address"):
        http.get(pod, "https://rebind.example/", purpose="test")
    assert calls == ["rebind.example"]


def test_an_answer_larger_than_the_limit_is_refused(make_pod, remote_pod, caplog):
    pod = make_pod(federation__max_payload_bytes="1000")
    remote_pod.route("/small", body=b"a" * 1000)
    remote_pod.route("/announced", body=b"a" * 1001)
    remote_pod.route("/unannounced", body=b"a" * 200_000, headers={"X-No-Length": "1"})
    assert len(http.get(pod, f"{remote_pod.url}/small", purpose="test").body) == 1000
    with caplog.at_level(logging.WARNING, "core.federation.http"):
        with pytest.raises(http.PayloadTooLarge, match="announces 1001 bytes"):
            http.get(pod, f"{remote_pod.url}/announced", purpose="test")
        with pytest.raises(http.PayloadTooLarge, match="larger than 1000 bytes"):
            http.get(pod, f"{remote_pod.url}/unannounced", purpose="test")
    assert "larger than 1000 bytes" in caplog.text


def test_redirects_are_followed_up_to_four_times(pod, remote_pod, caplog):
    remote_pod.route("/r0", body="arrived")
    for n in range(1, 6):
        remote_pod.route(f"/r{n}", status=302, headers={"Location": f"/r{n - 1}"})
    answer = http.get(pod, f"{remote_pod.url}/r4", purpose="test")
    assert answer.body == b"arrived" and answer.url == f"{remote_pod.url}/r0"
    with caplog.at_level(logging.WARNING, "core.federation.http"):
        with pytest.raises(http.Refused, match="more than 4 redirects"):
            http.get(pod, f"{remote_pod.url}/r5", purpose="test")
    assert "more than 4 redirects" in caplog.text


def test_post_never_follows_a_redirect(pod, remote_pod):
    remote_pod.server.RequestHandlerClass.do_POST = lambda handler: (
        remote_pod.requests.append("POST " + handler.path), handler.send_response(302),
        handler.send_header("Location", "/elsewhere"), handler.send_header("Content-Length", "0"),
        handler.end_headers())
    with pytest.raises(http.HTTPError) as raised:
        http.post(pod, f"{remote_pod.url}/receive/public", b"<x/>", "application/magic-envelope+xml",
                  purpose="deliver")
    assert raised.value.status == 302
    assert remote_pod.requests == ["POST /receive/public"]


def test_post_sends_the_body_and_content_type(pod, remote_pod):
    got = {}

    def do_post(handler):
        got["type"] = handler.headers["Content-Type"]
        got["body"] = handler.rfile.read(int(handler.headers["Content-Length"]))
        handler.send_response(202)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    remote_pod.server.RequestHandlerClass.do_POST = do_post
    answer = http.post(pod, f"{remote_pod.url}/receive/public", b"<me/>", "application/magic-envelope+xml",
                       purpose="deliver")
    assert answer.status == 202 and got == {"type": "application/magic-envelope+xml", "body": b"<me/>"}


def test_unreachable_peer_raises_unreachable(pod):
    from core.testing import free_port

    with pytest.raises(http.Unreachable):
        http.get(pod, f"http://127.0.0.1:{free_port()}/", purpose="test")


def test_pod_base_url_uses_http_only_when_allowed(make_pod):
    assert http.pod_base_url(make_pod(), "Pod.Example:8443", https=True) == "https://pod.example:8443"
    assert http.pod_base_url(make_pod(), "pod.example", https=False) == "http://pod.example"
    assert http.pod_base_url(make_pod(federation__allow_http="false"), "pod.example", https=False) == \
        "https://pod.example"


class Transport:
    """Carries requests to the fake pod itself (as tor_onion does for .onion hosts)."""

    def __init__(self, host):
        self.host = host
        self.asked = []

    @hookimpl
    def http_transport_for(self, url, purpose, pod):
        self.asked.append((url, purpose))
        return HTTPAdapter(max_retries=0) if self.host in url else None


def test_hook_http_transport_for(make_pod, remote_pod):
    """A plugin's transport carries the request (here past the private-address rule, as a SOCKS
    proxy would); every redirect hop asks again, and a hop the plugin leaves alone gets core's
    checks."""
    transport = Transport(remote_pod.host)
    pod = make_pod(federation__allow_private_addresses="false", extra_plugins={"transport": transport})
    remote_pod.route("/via-plugin", body="carried")
    remote_pod.route("/hop", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    assert http.get(pod, f"{remote_pod.url}/via-plugin", purpose="fetch").body == b"carried"
    assert transport.asked == [(f"{remote_pod.url}/via-plugin", "fetch")]
    with pytest.raises(http.Refused, match="169.254.169.254 is a link-local address"):
        http.get(pod, f"{remote_pod.url}/hop", purpose="hcard")
    assert transport.asked[-1] == ("http://169.254.169.254/latest/meta-data/", "hcard")


def test_a_session_like_transport_carries_the_request_itself(make_pod):
    class Carrier:
        def __init__(self):
            self.calls = []

        def request(self, method, url, **kwargs):
            import io

            import requests
            from urllib3.response import HTTPResponse

            self.calls.append((method, url, kwargs["allow_redirects"], kwargs["stream"]))
            response = requests.Response()
            response.status_code = 200
            response.raw = HTTPResponse(io.BytesIO(b"from tor"), preload_content=False, status=200)
            response.url = url
            return response

    carrier = Carrier()

    class Plugin:
        @hookimpl
        def http_transport_for(self, url, purpose, pod):
            return carrier if ".onion" in url else None

    pod = make_pod(extra_plugins={"onion": Plugin()})
    assert http.get(pod, "http://exampleonionaddress.onion/x", purpose="fetch").body == b"from tor"
    assert carrier.calls == [("GET", "http://exampleonionaddress.onion/x", False, True)]
