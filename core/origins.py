"""The origins a pod answers on: its ``url``, and those plugins add through ``alternate_origins``.

A request whose Host is an alternate origin (an onion service address, say) is answered as if
the pod lived there:

* ``request.origin`` is that origin, and the request's scheme and host are set to it, so
  ``route_url`` links and the redirects built from them stay on it even behind a proxy;
* cookies are set for its scheme (see core.security): an https pod reached on an http onion
  must not send Secure cookies, which the browser would never send back (no sign-in, and every
  CSRF check failing for want of the session);
* absolute URLs of the main origin in its pages and redirects (photo and avatar URLs, links a
  template or plugin built from ``pod.url``) are rewritten to the request's origin, so a reader
  is never sent off it.

Federation keeps the main URL: identities never change origin. Discovery, hCard, fetch,
receive, NodeInfo and the API (:data:`core.security.MACHINE_PATHS`) are never rewritten, and
whatever the pod stores or sends to other pods is built from ``pod.url`` as before.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from pyramid.events import NewRequest, NewResponse

DEFAULT_PORTS = {"http": "80", "https": "443"}
# Answers whose bodies hold links a reader follows; anything else (images, files) is left alone.
REWRITTEN_TYPES = ("text/html", "application/json")


def normalized(origin: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an origin, lower-case and without a default port; None when it
    is not an http(s) origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = parts.hostname.lower()
    if port is not None and str(port) != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return parts.scheme, host


def alternate_origins(pod) -> dict[str, str]:
    """The plugins' alternate origins by host: ``{"abc.onion": "http://abc.onion"}``."""
    hook = pod.pm.hook.alternate_origins
    if not hook.get_hookimpls():
        return {}
    main = normalized(pod.url)
    found: dict[str, str] = {}
    for answer in hook(pod=pod):
        for origin in answer or ():
            parts = normalized(origin) if isinstance(origin, str) else None
            if parts is not None and parts != main:
                found.setdefault(parts[1], f"{parts[0]}://{parts[1]}")
    return found


def request_host(request) -> str:
    """The Host the request was sent to, lower-case, without the default port of its scheme."""
    host = (request.host or "").lower()
    default = ":" + DEFAULT_PORTS.get(request.scheme, "")
    return host[:-len(default)] if host.endswith(default) else host


def request_origin(request) -> str:
    """``request.origin``: the alternate origin the request came to, or the pod's main URL."""
    pod = request.registry.pod
    return alternate_origins(pod).get(request_host(request), pod.url)


def on_alternate_origin(request) -> bool:
    return request.origin != request.registry.pod.url


def stay_on_origin(event: NewRequest) -> None:
    """Links and redirects of a request to an alternate origin are built on that origin."""
    request = event.request
    if on_alternate_origin(request):
        scheme, host = normalized(request.origin)
        request.environ["wsgi.url_scheme"] = scheme
        request.environ["HTTP_HOST"] = host


def main_url_pattern(pod) -> re.Pattern:
    """The main URL where it starts an absolute URL (``https://pod.example`` but not
    ``https://pod.example.evil``)."""
    return re.compile(re.escape(pod.url.encode()) + rb"(?=[/?#\"'<>\s]|$)")


def to_request_origin(request, url: str) -> str:
    """``url`` moved to the request's origin when it is on the pod's main URL."""
    if not on_alternate_origin(request):
        return url
    return main_url_pattern(request.registry.pod).sub(request.origin.encode(), url.encode()).decode()


def rewrite_for_origin(event: NewResponse) -> None:
    """Keep a reader who came to an alternate origin on it: redirects and page bodies."""
    request, response = event.request, event.response
    if not on_alternate_origin(request):
        return
    location = response.headers.get("Location")
    if location:
        response.headers["Location"] = to_request_origin(request, location)
    from .security import MACHINE_PATHS

    if request.path_info.startswith(MACHINE_PATHS) or response.content_type not in REWRITTEN_TYPES:
        return
    pattern = main_url_pattern(request.registry.pod)
    body = response.body
    if pattern.search(body):
        response.body = pattern.sub(request.origin.encode(), body)


def includeme(config):
    config.add_request_method(request_origin, "origin", reify=True)
    config.add_subscriber(stay_on_origin, NewRequest)
    config.add_subscriber(rewrite_for_origin, NewResponse)
