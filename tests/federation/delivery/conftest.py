"""Helpers for the delivery tests: a receiving pod that records what it gets, remote people
inserted as rows (with real keys and a Pod), and running the pod's jobs."""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from core.accounts.keys import generate_key_pair, new_guid
from core.accounts.models import Person, Profile
from core.federation.models import Pod
from core.testing import free_port


@dataclass
class Request:
    method: str
    path: str
    content_type: str
    body: bytes


class ReceivingPod:
    """A pod on a loopback port that answers every request with ``status`` and keeps them all;
    its NodeInfo says it runs diaspora 0.9.0."""

    def __init__(self):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.status = 202
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    fake.requests.append(Request(method, self.path, self.headers.get("Content-Type", ""), body))
                    status = fake.status
                payload = b""
                if self.path == "/.well-known/nodeinfo":
                    payload = json.dumps({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                                                     "href": f"{fake.url}/nodeinfo/2.1"}]}).encode()
                elif self.path == "/nodeinfo/2.1":
                    payload = json.dumps({"software": {"name": "diaspora", "version": "0.9.0"}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):  # noqa: N802 - http.server's naming
                self._answer("POST")

            def do_GET(self):  # noqa: N802
                self._answer("GET")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def posts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    def start(self) -> "ReceivingPod":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiving_pod():
    """``receiving_pod()``: a new recording pod, stopped after the test."""
    made = []

    def make() -> ReceivingPod:
        fake = ReceivingPod().start()
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.stop()


@lru_cache(maxsize=None)
def key_pair(index: int) -> tuple[str, str]:
    """(private, public) PEM; a handful reused across tests, since generating keys is slow."""
    return generate_key_pair(2048)


def pod_row(dbsession, host: str, https: bool = False) -> Pod:
    row = dbsession.scalar(sa.select(Pod).where(Pod.host == host))
    if row is None:
        row = Pod(host=host, https=https)
        dbsession.add(row)
        dbsession.flush()
    return row


_counter = iter(range(10_000_000))


def add_remote_person(dbsession, host: str, username: str | None = None, key: int = 0) -> Person:
    """A remote person as discovery would leave it: Person + Profile, on the Pod of ``host``."""
    target = pod_row(dbsession, host)
    username = username or f"remote{next(_counter)}"
    person = Person(guid=new_guid(), diaspora_id=f"{username}@{host}", public_key_pem=key_pair(key % 4)[1],
                    pod_id=target.id, fetched_at=dt.datetime.now(dt.timezone.utc))
    person.profile = Profile(first_name=username.capitalize())
    dbsession.add(person)
    dbsession.flush()
    return person


def private_key_of_remote(key: int = 0) -> str:
    return key_pair(key % 4)[0]


@pytest.fixture
def local_user(pod):
    """``local_user("alice")``: a local user made through the account service, committed."""
    from core.accounts.services import AccountService

    def make(username: str, admin: bool = False):
        with pod.session_factory() as session:
            service = AccountService(session, pod)
            user = service.sign_up(username, f"{username}@example.org", "correct horse battery")
            session.flush()
            if admin:
                service.add_role("admin", username)
            session.commit()
            return user.id

    return make


def run_job(pod, fn, *args) -> None:
    """Send one job and run the in-process broker until everything queued is done."""
    pod.jobs.send(fn, *args)
    pod.jobs.drain()


def add_post(dbsession, author_id: int, text: str = "hello", public: bool = True, aspect_ids=(), **values):
    """A post row as PostService leaves it (with its AspectVisibility rows when limited)."""
    from core.posts.models import AspectVisibility, Post

    post = Post(guid=new_guid(), author_id=author_id, public=public, text=text, **values)
    dbsession.add(post)
    dbsession.flush()
    for aspect_id in aspect_ids:
        dbsession.add(AspectVisibility(post_id=post.id, aspect_id=aspect_id))
    dbsession.flush()
    return post


def add_contact(dbsession, user_id: int, person, aspect=None, sharing=False, receiving=None):
    """``person`` in the user's contacts, in ``aspect`` (a name) when given."""
    from core.aspects.models import Aspect, AspectMembership, Contact

    contact = Contact(user_id=user_id, person_id=person.id, sharing=sharing,
                      receiving=bool(aspect) if receiving is None else receiving)
    dbsession.add(contact)
    dbsession.flush()
    if aspect:
        aspect_id = dbsession.scalar(sa.select(Aspect.id).where(Aspect.user_id == user_id, Aspect.name == aspect))
        dbsession.add(AspectMembership(aspect_id=aspect_id, contact_id=contact.id))
        dbsession.flush()
    return contact


def aspect_id(dbsession, user_id: int, name: str) -> int:
    from core.aspects.models import Aspect

    return dbsession.scalar(sa.select(Aspect.id).where(Aspect.user_id == user_id, Aspect.name == name))


def event(name: str, **payload):
    """An EventData as the dispatcher hands it to the on_* hooks."""
    from core.events import EventData

    return EventData(id=next(_counter) + 1, name=name, payload=payload, created_at=dt.datetime.now(dt.timezone.utc))
