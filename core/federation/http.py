"""The pod's only outbound HTTP client (DESIGN.md §5, PROTOCOL.md §5.2, §5.3).

Everything the pod fetches or sends to another pod goes through :func:`get` or :func:`post`,
so the rules below hold everywhere:

* https only; a plain ``http://`` URL is refused unless ``federation.allow_http`` is set
  (development and tests) or the host is a ``.onion`` name (Tor encrypts and authenticates
  those connections itself), on the first request and on every redirect hop;
* no private, loopback, link-local, reserved, multicast or unspecified address, IPv4 or IPv6,
  unless ``federation.allow_private_addresses`` is set. Someone on the internet chooses the
  URLs we fetch (a WebFinger document names the hCard URL), so without this any remote user
  could make the pod read its own admin ports or a cloud metadata service;
* ``federation.timeout`` seconds per request, both per socket operation and for the whole
  exchange, so a peer dripping one byte a second cannot hold a worker;
* bodies are read as a stream and abandoned as soon as they pass ``federation.max_payload_bytes``
  (after decompression, so a small gzip bomb is cut off too);
* GET follows at most :data:`MAX_REDIRECTS` redirects, each hop checked again; POST never
  follows one (diaspora* counts a 3xx as a failed delivery, and so do we);
* nothing at all goes to a pod an admin blocked (``Pod.blocked_at``), on the first request or
  on a redirect hop;
* a plugin may carry a request itself through the ``http_transport_for`` hook (``.onion``
  addresses through Tor): it then decides where the connection goes, the other rules still hold.

How the address check resists DNS rebinding: the check is not done on a name resolved earlier
and connected later. The connection classes of our transport resolve the host themselves, at
connect time, check every address the resolver returned and connect only to those checked
addresses. There is no second lookup a hostile DNS server could answer differently, and TLS
still verifies the certificate against the host name. A name resolving to several addresses is
refused if any one of them is refused, so mixing a public and a private answer does not help.
Proxies from the environment are ignored (``trust_env = False``): a proxy would connect on our
behalf to an address we never checked.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
import sqlalchemy as sa
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from .documents import software_version
from .errors import ProtocolError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 4  # as diaspora*'s Faraday client (PROTOCOL.md §5.3)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024


USER_AGENT = f"Seedpod/{software_version()}"


# --- errors -----------------------------------------------------------------------------

class RequestFailed(ProtocolError):
    """An outbound request did not give a usable answer; ``str(exc)`` says why."""


class Refused(RequestFailed):
    """The pod refused to make the request: scheme, address, size or redirect rules."""


class PayloadTooLarge(Refused):
    """The answer was larger than ``federation.max_payload_bytes``."""


class Unreachable(RequestFailed):
    """No answer: name resolution, connection, TLS or timeout failed."""


class HTTPError(RequestFailed):
    """The peer answered with a status other than 2xx (for POST, 3xx counts too)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# --- the answer -------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    # Case-insensitive, like HTTP header names.
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    body: bytes = b""
    # The URL that finally answered, after redirects.
    url: str = ""

    @property
    def content_type(self) -> str:
        """The media type alone, lower-case: ``application/jrd+json``."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Policy:
    allow_http: bool
    allow_private: bool
    timeout: float
    max_bytes: int

    @classmethod
    def of(cls, pod) -> "Policy":
        settings = pod.settings
        return cls(bool(settings["federation.allow_http"]), bool(settings["federation.allow_private_addresses"]),
                   float(settings["federation.timeout"]), int(settings["federation.max_payload_bytes"]))


def pod_base_url(pod, host: str, https: bool) -> str:
    """``scheme://host[:port]`` of another pod: http only when it is not known for https and
    the pod allows http at all (PROTOCOL.md §5.4)."""
    plain_allowed = pod.settings["federation.allow_http"] or is_onion(host.split(":")[0])
    scheme = "http" if not https and plain_allowed else "https"
    return f"{scheme}://{host.lower()}"


def is_onion(hostname: str) -> bool:
    """An onion service name (RFC 7686): reachable only through Tor, which encrypts and
    authenticates the connection end to end, so plain http to it is as safe as https."""
    return hostname.lower().rstrip(".").endswith(".onion")


# --- the address rule -------------------------------------------------------------------

def address_refusal(address: str) -> str | None:
    """Why a connection to this IP address is refused, or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 is the IPv4 address as far as routing goes.
        if ip.ipv4_mapped is not None:
            inner = address_refusal(str(ip.ipv4_mapped))
            return f"{address} maps to {inner}" if inner else None
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            inner = address_refusal(str(embedded))
            if inner:
                return f"{address} embeds {inner}"
    for flag, label in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
                        ("is_link_local", "link-local"), ("is_multicast", "multicast"),
                        ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, flag):
            return f"{ip} is a {label} address"
    if not ip.is_global:  # shared address space (100.64/10), documentation ranges, ...
        return f"{ip} is not a public address"
    return None


def _checked_socket(conn) -> socket.socket:
    """Resolve ``conn``'s host, refuse it if any address is not public, connect to the checked
    addresses only. Stands in for urllib3's ``create_connection``."""
    host, port = conn._dns_host, conn.port
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    for info in infos:
        reason = address_refusal(info[4][0])
        if reason:
            raise Refused(f"{conn.host} resolves to a refused address: {reason}")
    last_error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            if conn.timeout is not None:
                sock.settimeout(conn.timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(sockaddr)
            sys.audit("http.client.connect", conn, conn.host, conn.port)
            return sock
        except socket.timeout as exc:
            sock.close()
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from exc
        except OSError as exc:
            sock.close()
            last_error = exc
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last_error}")


class CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_socket(self)


class CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_socket(self)


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class PublicAddressAdapter(HTTPAdapter):
    """requests' adapter, with connections that only ever reach public addresses."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPConnectionPool,
                                                   "https": CheckedHTTPSConnectionPool}


# --- requests ---------------------------------------------------------------------------

def _refuse(message: str, url: str, purpose: str, error=Refused):
    log.warning("refused outbound request for %s to %s: %s", purpose, url, message)
    return error(message)


def _check_url(url: str, policy: Policy, purpose: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise _refuse(f"malformed URL {url!r}: {exc}", url, purpose) from None
    if parts.scheme not in ("http", "https"):
        raise _refuse(f"only https URLs are fetched, not {url!r}", url, purpose)
    if parts.scheme == "http" and not policy.allow_http and not is_onion(parts.hostname or ""):
        raise _refuse(f"plain http is not allowed (federation.allow_http is off): {url}", url, purpose)
    if not parts.hostname:
        raise _refuse(f"URL without a host: {url!r}", url, purpose)
    if parts.username or parts.password:
        raise _refuse(f"URL with credentials: {url!r}", url, purpose)


DEFAULT_PORTS = {"http": 80, "https": 443}


def blocked_host(pod, url: str) -> str | None:
    """The ``host[:port]`` of ``url`` when an admin blocked that pod, else None. Read from the
    database on every request, so a block holds from the moment it is committed."""
    from .models import Pod

    engine = getattr(pod, "engine", None)
    if engine is None:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    with engine.connect() as conn:
        found = conn.execute(sa.select(Pod.id).where(Pod.host == host, Pod.blocked_at.is_not(None))).first()
    return host if found is not None else None


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words: what podmins read on the federation page,
    rather than urllib3's nested representation."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "timed out waiting for the answer"
    if "NameResolutionError" in text or "Name or service not known" in text:
        return "the host name does not resolve"
    if "Connection refused" in text:
        return "connection refused"
    if "Connection reset" in text or "RemoteDisconnected" in text:
        return "the connection was closed without an answer"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection failed"
    return text[:300]


def _session_for(pod, url: str, purpose: str, policy: Policy):
    """A fresh session for one request: a plugin's transport, or ours."""
    transport = pod.pm.hook.http_transport_for(url=url, purpose=purpose, pod=pod)
    if transport is not None and not isinstance(transport, BaseAdapter):
        return transport  # a Session-like object that carries the request itself
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    if transport is None:
        transport = HTTPAdapter(max_retries=0) if policy.allow_private else PublicAddressAdapter(max_retries=0)
        for prefix in ("http://", "https://"):
            session.mount(prefix, transport)
    else:
        parts = urlsplit(url)
        session.mount(f"{parts.scheme}://{parts.netloc}", transport)
    return session


def _read_body(raw, url: str, purpose: str, policy: Policy, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in raw.stream(CHUNK_BYTES, decode_content=True):
        size += len(chunk)
        if size > policy.max_bytes:
            raise _refuse(f"the answer of {url} is larger than {policy.max_bytes} bytes", url, purpose,
                          PayloadTooLarge)
        if time.monotonic() > deadline:
            raise Unreachable(f"{url} took longer than {policy.timeout:g} s to answer")
        chunks.append(chunk)
    return b"".join(chunks)


def _exchange(pod, method: str, url: str, purpose: str, policy: Policy, headers: dict,
              data: bytes | None, **extra) -> Response:
    """One request and its answer, without following redirects."""
    _check_url(url, policy, purpose)
    blocked = blocked_host(pod, url)
    if blocked:
        raise _refuse(f"the pod {blocked} is blocked on this pod", url, purpose)
    session = _session_for(pod, url, purpose, policy)
    deadline = time.monotonic() + policy.timeout
    headers = {"User-Agent": USER_AGENT, **headers}
    try:
        answer = session.request(method, url, data=data, headers=headers, timeout=policy.timeout,
                                 allow_redirects=False, stream=True, **extra)
    except Refused as exc:
        log.warning("refused outbound request for %s to %s: %s", purpose, url, exc)
        raise
    except (requests.RequestException, OSError) as exc:  # OSError: from a plugin's own transport
        raise Unreachable(f"{method} {url} failed: {_reason(exc)}") from None
    try:
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > policy.max_bytes:
            raise _refuse(f"the answer of {url} announces {declared} bytes, more than {policy.max_bytes}",
                          url, purpose, PayloadTooLarge)
        try:
            body = _read_body(answer.raw, url, purpose, policy, deadline)
        except RequestFailed:
            raise
        except Exception as exc:  # urllib3 read/decode errors, resets, timeouts mid-body
            raise Unreachable(f"reading the answer of {url} failed: {exc}") from None
        return Response(answer.status_code, CaseInsensitiveDict(answer.headers), body, url)
    finally:
        answer.close()
        close = getattr(session, "close", None)
        if close is not None:
            close()


def get(pod, url: str, *, purpose: str, accept: str | None = None) -> Response:
    """GET ``url`` following at most four redirects, each checked like the first.

    ``purpose`` says why (``"webfinger"``, ``"hcard"``, ``"fetch"``, ``"nodeinfo"``): it is
    logged with refusals and passed to ``http_transport_for``. Returns the final 2xx answer;
    raises :class:`HTTPError` (``.status``) for any other final status, :class:`Refused` when a
    rule forbids the request and :class:`Unreachable` when there is no answer.
    """
    policy = Policy.of(pod)
    headers = {"Accept": accept} if accept else {}
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        answer = _exchange(pod, "GET", current, purpose, policy, headers, None)
        if answer.status in REDIRECT_STATUSES and answer.headers.get("Location"):
            current = urljoin(current, answer.headers["Location"].strip())
            continue
        if not 200 <= answer.status < 300:
            raise HTTPError(f"GET {current} answered {answer.status}", answer.status)
        return answer
    raise _refuse(f"more than {MAX_REDIRECTS} redirects from {url}", url, purpose)


def post(pod, url: str, body: bytes, content_type: str, *, purpose: str) -> Response:
    """POST ``body`` to ``url``; never follows a redirect. A 2xx answer is returned; anything
    else (3xx included, as diaspora* counts it) raises :class:`HTTPError`."""
    policy = Policy.of(pod)
    answer = _exchange(pod, "POST", url, purpose, policy, {"Content-Type": content_type}, body)
    if not 200 <= answer.status < 300:
        raise HTTPError(f"POST {url} answered {answer.status}", answer.status)
    return answer


def request(pod, method: str, url: str, *, purpose: str, params: dict | None = None,
            headers: dict | None = None, data=None, files=None, auth=None,
            max_bytes: int | None = None) -> Response:
    """Any request to a service that is not a pod (oEmbed, the Tumblr or X API, a photo).

    The rules of :func:`get` hold (https, the address check, timeouts, the size limit, which
    ``max_bytes`` may change for this request); ``params``, ``data``, ``files`` and ``auth``
    are those of ``requests`` (``auth`` may sign the request, as OAuth 1.0a does). GET and
    HEAD follow redirects, each hop checked again; other methods never do. Every final answer
    is returned whatever its status, so the caller can read an API's error body and headers
    (``Retry-After``, rate limits); :class:`Refused` and :class:`Unreachable` are still
    raised when there is no answer to read.
    """
    policy = Policy.of(pod)
    if max_bytes is not None:
        policy = Policy(policy.allow_http, policy.allow_private, policy.timeout, int(max_bytes))
    extra = {"params": params, "files": files, "auth": auth}
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        answer = _exchange(pod, method, current, purpose, policy, dict(headers or {}), data, **extra)
        redirect = answer.headers.get("Location") if answer.status in REDIRECT_STATUSES else None
        if method in ("GET", "HEAD") and redirect:
            current = urljoin(current, redirect.strip())
            extra["params"] = None  # the new location carries its own query
            continue
        return answer
    raise _refuse(f"more than {MAX_REDIRECTS} redirects from {url}", url, purpose)
