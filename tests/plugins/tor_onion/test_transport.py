"""Requests to .onion pods go through Tor's SOCKS port with the name unresolved; others don't,
unless tor_onion.route_all. The SOCKS server here records each CONNECT and forwards it to a
local HTTP server standing for the other pod."""
from __future__ import annotations

import json

import pytest

from core import http
from core.federation import http as federation_http

ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
DOMAIN_NAME = 3  # SOCKS5 ATYP: the proxy gets the name and resolves it itself


def through(socks, **overrides):
    return {"plugins": "tor_onion", "tor_onion.socks_port": str(socks.port), **overrides}


def test_onion_requests_go_through_socks_unresolved(make_pod, socks, upstream):
    pod = make_pod(**through(socks))
    answer = http.get(pod, f"http://{ONION}/.well-known/nodeinfo", purpose="nodeinfo")

    assert socks.connects == [(DOMAIN_NAME, ONION, 80)]
    assert json.loads(answer.body) == {"host": ONION, "path": "/.well-known/nodeinfo"}


def test_deliveries_to_onion_pods_go_through_socks(make_pod, socks, upstream):
    pod = make_pod(**through(socks))
    answer = federation_http.post(pod, f"http://{ONION}:8080/receive/public", b"<xml/>", "application/magic-envelope+xml",
                                  purpose="deliver")
    assert answer.status == 202
    assert socks.connects == [(DOMAIN_NAME, ONION, 8080)]
    assert upstream.requests == [("POST", f"{ONION}:8080", "/receive/public")]


def test_clearnet_requests_do_not_use_tor(make_pod, socks, upstream):
    pod = make_pod(**through(socks))
    answer = http.get(pod, f"http://127.0.0.1:{upstream.port}/x", purpose="fetch")
    assert answer.status == 200
    assert socks.connects == []
    assert upstream.requests == [("GET", f"127.0.0.1:{upstream.port}", "/x")]


def test_route_all_sends_every_request_through_tor(make_pod, socks, upstream):
    pod = make_pod(**through(socks, **{"tor_onion.route_all": "true"}))
    http.get(pod, "http://pod.example/.well-known/host-meta", purpose="webfinger")
    http.request(pod, "POST", "http://api.example:8443/oembed", purpose="oembed", data={"a": "b"})
    assert socks.connects == [(DOMAIN_NAME, "pod.example", 80), (DOMAIN_NAME, "api.example", 8443)]


def test_tor_down_makes_onion_pods_unreachable_not_leaked(make_pod, upstream):
    from core.testing import free_port

    pod = make_pod(plugins="tor_onion", **{"tor_onion.socks_port": str(free_port())})
    with pytest.raises(http.Unreachable):
        http.get(pod, f"http://{ONION}/", purpose="fetch")
    assert upstream.requests == []


def test_without_the_plugin_nothing_changes(make_pod, socks, upstream):
    pod = make_pod(plugins="")
    assert http.get(pod, f"http://127.0.0.1:{upstream.port}/", purpose="fetch").status == 200
    assert socks.connects == []
