"""Outbound requests through Tor's SOCKS port: to .onion pods always, to every host with
``tor_onion.route_all``.

The proxy URL is ``socks5h://``: the host name goes to Tor unresolved, so an onion name (or,
with route_all, any name) is never looked up outside Tor.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests

from .onion import NAME


def is_onion(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host.rstrip(".").endswith(".onion")


def proxy_url(pod) -> str:
    return f"socks5h://{pod.settings[f'{NAME}.tor_host']}:{pod.settings[f'{NAME}.socks_port']}"


def transport_for(url: str, pod):
    """A session that carries this request through Tor, or None to leave it to the next transport."""
    if not (is_onion(url) or pod.settings[f"{NAME}.route_all"]):
        return None
    session = requests.Session()
    session.trust_env = False  # the environment's proxies must not take the request out of Tor
    proxy = proxy_url(pod)
    session.proxies = {"http": proxy, "https": proxy}
    return session
