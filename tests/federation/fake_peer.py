"""A diaspora* peer that is not Seedpod, served from the test on a loopback port.

Its person's WebFinger document and hCard are written by the PyPI ``federation`` package (an
independent implementation), so a pod that discovers this peer reads what another project
emits. Whatever is POSTed to its /receive routes is kept, in order, with the answer it got;
``mode`` decides that answer: "ok" (202), "unavailable" (503) or "hold" (no answer at all,
only a closed connection once the test releases it: for a sender that dies mid-request).
``stop()`` and ``start()`` take it off and back onto the same port, so a sender meets refused
connections in between.
"""
from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.testing import free_port


def make_federation_package_importable() -> None:
    """The PyPI `federation` package (our independent peer) imports Django settings at import time
    but does not depend on Django, and falls back to its defaults when Django is unconfigured.
    Without Django installed, an empty stand-in module gives it exactly that fallback."""
    import importlib.util
    import types

    if "django" in sys.modules or importlib.util.find_spec("django") is not None:
        return

    class ImproperlyConfigured(Exception):
        pass

    class Unconfigured:
        def __getattr__(self, name):
            raise ImproperlyConfigured(f"no Django settings ({name})")

    modules = {name: types.ModuleType(name) for name in ("django", "django.conf", "django.core",
                                                          "django.core.exceptions")}
    modules["django.conf"].settings = Unconfigured()
    modules["django.core.exceptions"].ImproperlyConfigured = ImproperlyConfigured
    modules["django"].conf, modules["django"].core = modules["django.conf"], modules["django.core"]
    modules["django.core"].exceptions = modules["django.core.exceptions"]
    sys.modules.update(modules)


def new_key_pem() -> tuple[str, str]:
    """(private PKCS#1 PEM, public SPKI PEM) of a fresh 2048-bit RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def run_async(coroutine):
    """Run one of the federation package's coroutines to the end, on a thread of its own: in a
    test process that ran the browser tests, Playwright keeps an event loop running on the
    main thread, where asyncio.run() refuses to start another."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def signed_status_message(author: "PeerPerson", text: str, signer: "PeerPerson | None" = None) -> tuple[str, bytes]:
    """(guid, Magic Envelope) of a new public post by ``author``, written and signed (by ``signer``,
    the author unless given) with the federation package."""
    import datetime as dt

    from federation.entities.diaspora.entities import DiasporaPost
    from federation.outbound import handle_create_payload

    guid = uuid.uuid4().hex
    post = DiasporaPost(raw_content=text, guid=guid, id=guid, actor_id=author.handle, handle=author.handle,
                        public=True, created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    return guid, run_async(handle_create_payload(post, (signer or author).user(), "diaspora")).encode()


@dataclass
class PeerPerson:
    username: str
    host: str
    guid: str = field(default_factory=lambda: uuid.uuid4().hex)
    keys: tuple[str, str] = field(default_factory=new_key_pem)

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.host}"

    @property
    def private_key_pem(self) -> str:
        return self.keys[0]

    @property
    def public_key_pem(self) -> str:
        return self.keys[1]

    def user(self):
        """The person as the ``federation`` package's sending user."""
        from federation.types import UserType

        return UserType(id=self.handle, handle=self.handle, guid=self.guid, private_key=self.private_key_pem)


class Arrival(NamedTuple):
    """One entity that reached the peer, as the peer read it (a tuple, so e[1] is the type)."""

    route: str  # "public" or "private"
    type: str
    guid: str | None
    author: str | None
    answered: int | None


@dataclass
class Received:
    path: str
    body: bytes
    content_type: str
    answered: int | None = None  # None: the sender went away before it was answered


class FakePeer:
    def __init__(self, username: str = "peer"):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.people = {username: PeerPerson(username, self.host)}
        self.received: list[Received] = []
        self.requests: list[str] = []  # "GET /path" of everything asked, discovery included
        self.mode = "ok"
        self.discovery_delay = 0.0  # seconds before answering WebFinger: a slow pod far away
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def person(self) -> PeerPerson:
        return next(iter(self.people.values()))

    def add_person(self, username: str) -> PeerPerson:
        self.people[username] = PeerPerson(username, self.host)
        return self.people[username]

    # --- documents, written by the federation package ------------------------------------

    def webfinger(self, resource: str) -> dict | None:
        from federation.hostmeta.generators import RFC7033Webfinger

        for person in self.people.values():
            if resource in (f"acct:{person.handle}", person.handle):
                return RFC7033Webfinger(id=f"{self.url}/people/{person.guid}", handle=person.handle, guid=person.guid,
                                        base_url=self.url, profile_path=f"/people/{person.guid}").render()
        return None

    def hcard(self, guid: str) -> str | None:
        from federation.hostmeta.generators import generate_hcard

        for person in self.people.values():
            if person.guid == guid:
                name = person.username.capitalize()
                return generate_hcard("diaspora", hostname=self.url + "/", fullname=name, firstname=name,
                                      lastname="", photo300=f"{self.url}/avatar.png", photo100=f"{self.url}/avatar.png",
                                      photo50=f"{self.url}/avatar.png", searchable="true", guid=person.guid,
                                      public_key=person.public_key_pem, username=person.username)
        return None

    def nodeinfo(self) -> dict:
        return {"version": "2.0", "software": {"name": "fakepeer", "version": "1.0"}, "protocols": ["diaspora"],
                "services": {"inbound": [], "outbound": []}, "openRegistrations": False,
                "usage": {"users": {"total": len(self.people)}, "localPosts": 0}, "metadata": {}}

    # --- serving -------------------------------------------------------------------------

    def start(self) -> "FakePeer":
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def answer(self, status: int, body: bytes = b"", content_type: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parts = urlsplit(self.path)
                peer.requests.append(f"GET {parts.path}")
                if parts.path == "/.well-known/webfinger":
                    time.sleep(peer.discovery_delay)
                    found = peer.webfinger(parse_qs(parts.query).get("resource", [""])[0])
                    if found is None:
                        return self.answer(404)
                    return self.answer(200, json.dumps(found).encode(), "application/jrd+json")
                if parts.path.startswith("/hcard/users/"):
                    found = peer.hcard(parts.path.rsplit("/", 1)[1])
                    return self.answer(404) if found is None else self.answer(200, found.encode(), "text/html")
                if parts.path == "/.well-known/nodeinfo":
                    links = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                                        "href": f"{peer.url}/nodeinfo/2.0"}]}
                    return self.answer(200, json.dumps(links).encode(), "application/json")
                if parts.path == "/nodeinfo/2.0":
                    return self.answer(200, json.dumps(peer.nodeinfo()).encode(), "application/json")
                if parts.path == "/":
                    return self.answer(200, b"a fake peer")
                return self.answer(404)

            def do_POST(self):
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                peer.requests.append(f"POST {parts.path}")
                if not parts.path.startswith("/receive/"):
                    return self.answer(404)
                item = Received(parts.path, body, self.headers.get("Content-Type", ""))
                with peer.lock:
                    peer.received.append(item)
                if peer.mode == "hold":  # never answered: the sender must not count it as delivered
                    peer.release.wait(120)
                    self.close_connection = True
                    return
                if peer.mode == "unavailable":
                    item.answered = 503
                    return self.answer(503)
                try:
                    self.answer(202)
                    item.answered = 202
                except OSError:  # the sender is gone
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Off the port: connections are refused until start()."""
        if self.server is not None:
            self.release.set()
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- reading what arrived ------------------------------------------------------------

    def entities(self, answered_only: bool = True) -> list[Arrival]:
        """Each payload received (only those answered 202 unless ``answered_only`` is false),
        decrypted when private and read with the federation package; in arrival order."""
        from federation.protocols.diaspora.encrypted import EncryptedPayload
        from federation.protocols.diaspora.magic_envelope import MagicEnvelope
        from Crypto.PublicKey import RSA
        from lxml import etree

        found = []
        for item in list(self.received):
            if answered_only and item.answered != 202:
                continue
            if item.path == "/receive/public":
                envelope = MagicEnvelope(payload=item.body)
            else:
                guid = item.path.rsplit("/", 1)[1]
                person = next(p for p in self.people.values() if p.guid == guid)
                doc = EncryptedPayload.decrypt(json.loads(item.body), RSA.importKey(person.private_key_pem))
                envelope = MagicEnvelope(doc=doc)
                envelope.author_handle = MagicEnvelope.get_sender(doc)
                envelope.message = envelope.message_from_doc()
            entity = etree.fromstring(envelope.message)
            found.append(Arrival("public" if item.path == "/receive/public" else "private", entity.tag,
                                 entity.findtext("guid"), entity.findtext("author"), item.answered))
        return found
