"""Receiving from a remote person with real keys, without any network.

The remote pod is a FakePeer on a loopback port: it answers what our pod sends back (the
participation of §13, relays) with 202. Its person is stored here directly, as discovery
would have left it, so no lookup is needed; entities are written as XML by hand, signed
with the person's key, and POSTed to the pod's receive routes.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from xml.sax.saxutils import escape

from core.accounts.models import Person, Profile, User
from core.db import utcnow
from core.federation.envelope import build_envelope, encrypt_for
from core.federation.models import InboxItem, Pod
from core.testing import sign_up
from ..fake_peer import FakePeer


def element(name: str, *children, **fields) -> str:
    """``<name>`` with ``fields`` as child elements in order (None omitted, bools as true/false)
    and ``children`` (already XML) after them; pretty enough for a payload."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(f"  <{key}>{escape(str(value))}</{key}>")
    parts += list(children)
    return f"<{name}>\n" + "\n".join(parts) + f"\n</{name}>"


def sign(private_key_pem: str, text: str) -> str:
    key = load_pem_private_key(private_key_pem.encode(), password=None)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def relayable(name: str, signer_pem: str | None, **fields) -> str:
    """A relayable with its author_signature over the fields in this order (§10.2)."""
    values = {k: ("true" if v is True else "false" if v is False else v) for k, v in fields.items() if v is not None}
    signature = sign(signer_pem, ";".join(str(v) for v in values.values())) if signer_pem else None
    return element(name, **values, author_signature=signature)


@dataclass
class Remote:
    """A remote person we know already: their key signs what they send."""

    diaspora_id: str
    guid: str
    private_key_pem: str
    public_key_pem: str
    person_id: int


class Inbox:
    """Posting payloads to the pod under test and reading what it made of them."""

    def __init__(self, app, pod):
        self.app = app
        self.pod = pod

    def envelope(self, xml: str, signer) -> bytes:
        return build_envelope(xml.encode("utf-8"), signer.diaspora_id, signer.private_key_pem)

    def post_public(self, body: bytes, status=202):
        return self.app.post("/receive/public", body, content_type="application/magic-envelope+xml", status=status)

    def post_private(self, body: bytes, user_guid: str, status=202):
        return self.app.post(f"/receive/users/{user_guid}", body, content_type="application/json", status=status)

    def public(self, xml: str, signer, status=202) -> InboxItem:
        """Send ``xml`` on the public route, process it, and return its inbox row."""
        self.post_public(self.envelope(xml, signer), status=status)
        return self.process()

    def private(self, xml: str, signer, recipient: Person) -> InboxItem:
        body = encrypt_for(self.envelope(xml, signer), recipient.public_key_pem)
        self.post_private(body, recipient.guid)
        return self.process()

    def process(self) -> InboxItem:
        self.pod.jobs.drain()
        return self.last()

    def last(self) -> InboxItem:
        with self.pod.session_factory() as session:
            item = session.scalar(sa.select(InboxItem).order_by(InboxItem.id.desc()).limit(1))
            session.expunge_all()
            return item

    def count(self, model, *where) -> int:
        with self.pod.session_factory() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def peer():
    peer = FakePeer("zoe").start()
    yield peer
    peer.stop()


def store_remote(pod, peer_person, host: str) -> Remote:
    """The remote person as discovery stores one: Person, Pod and Profile, fresh."""
    with pod.session_factory() as session:
        row = session.scalar(sa.select(Pod).where(Pod.host == host))
        if row is None:
            row = Pod(host=host, https=False)
            session.add(row)
            session.flush()
        person = Person(guid=peer_person.guid, diaspora_id=peer_person.handle, public_key_pem=peer_person.public_key_pem,
                        pod_id=row.id, fetched_at=utcnow())
        person.profile = Profile(first_name=peer_person.username.capitalize())
        session.add(person)
        session.commit()
        return Remote(peer_person.handle, peer_person.guid, peer_person.private_key_pem, peer_person.public_key_pem,
                      person.id)


@pytest.fixture
def zoe(pod, peer) -> Remote:
    return store_remote(pod, peer.person, peer.host)


@pytest.fixture
def yann(pod, peer) -> Remote:
    """A second person on the same remote pod."""
    return store_remote(pod, peer.add_person("yann"), peer.host)


@pytest.fixture
def inbox(app, pod) -> Inbox:
    return Inbox(app, pod)


@pytest.fixture
def local(new_browser, pod):
    """``local("alice")``: sign a user up; returns (browser, Person)."""
    def make(name: str):
        browser = new_browser()
        assert sign_up(browser, name).status_int == 303
        with pod.session_factory() as session:
            person = session.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                                    .where(User.username == name))
            session.expunge_all()
        return browser, person
    return make


@pytest.fixture
def other_peer():
    """A second remote pod, whose people must hear about interactions through us."""
    peer = FakePeer("xena").start()
    yield peer
    peer.stop()


@pytest.fixture
def xena(pod, other_peer) -> Remote:
    return store_remote(pod, other_peer.person, other_peer.host)


def public_post(author, guid: str, text: str = "Hello from afar") -> str:
    """A public status_message by a remote ``author``, as their pod would send it."""
    return element("status_message", author=author.diaspora_id, guid=guid, created_at="2026-11-01T10:00:00Z",
                   public=True, text=text)


def compose(browser, text: str, visibility: str = "public", **fields) -> str:
    """Post through the composer; returns the new post's guid."""
    from core.posts.models import Post

    form = browser.get("/status_messages").forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    for name, value in fields.items():
        form[name] = value
    assert form.submit(status="*").status_int == 303
    with browser.pod.session_factory() as session:
        return session.scalar(sa.select(Post.guid).order_by(Post.id.desc()).limit(1))
