"""The PyPI `federation` package, an independent diaspora* implementation, as Seedpod's peer.

It discovers a Seedpod user over WebFinger and hCard, and it sends a public post signed by a
person whose WebFinger and hCard it wrote itself (served by the test's fake peer): the pod
looks that person up, verifies, shows the post, and asks to participate. A forged signature and
a post whose author is not the signer are refused with a reason on the inbox row and never shown.
The pod runs in this process on a loopback port; its jobs run when the test drains them.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from core.accounts.models import Person
from core.federation.models import DONE, REJECTED, InboxItem
from core.posts.models import Post
from core.testing import sign_up

from ..fake_peer import PeerPerson, run_async


@pytest.fixture
def server(make_live_server):
    return make_live_server()


def signed_up(server, username: str):
    import webtest

    browser = webtest.TestApp(f"{server.url}#requests",
                              extra_environ={"HTTP_HOST": server.url.split("//")[1], "REMOTE_ADDR": "127.0.0.1"})
    assert sign_up(browser, username).status_int == 303
    return browser


@pytest.fixture
def plain_http_for_the_package(monkeypatch):
    """The package looks a handle's host up on https first and gives up on TLS errors; the pods
    of this test speak plain http on loopback, so its host-based fetches go to http:// directly.
    Fetches by full URL (the hCard link from WebFinger) are left as they are."""
    from federation.utils import network

    original = network.fetch_document

    async def fetch_document(url=None, host=None, path="/", **kwargs):
        if url is None and host is not None:
            url = f"http://{host}{path if path.startswith('/') else '/' + path}"
        return await original(url=url, **kwargs)

    monkeypatch.setattr(network, "fetch_document", fetch_document)
    monkeypatch.setattr("federation.utils.diaspora.fetch_document", fetch_document)


def status_message(author, text: str, guid: str | None = None):
    from federation.entities.diaspora.entities import DiasporaPost

    guid = guid or uuid.uuid4().hex
    return DiasporaPost(raw_content=text, guid=guid, id=guid, actor_id=author.handle, handle=author.handle,
                        public=True, created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))


def envelope(entity, signer) -> bytes:
    """The package's Magic Envelope of ``entity``, signed as ``signer`` (a federation UserType)."""
    from federation.outbound import handle_create_payload

    return run_async(handle_create_payload(entity, signer, "diaspora")).encode()


def receive(server, body: bytes) -> None:
    import requests

    response = requests.post(server.url + "/receive/public", data=body, timeout=10,
                             headers={"Content-Type": "application/magic-envelope+xml"})
    assert response.status_code == 202, (response.status_code, response.text[:500])
    server.pod.jobs.drain()


def inbox(server) -> list[InboxItem]:
    with server.pod.session_factory() as session:
        items = list(session.scalars(sa.select(InboxItem).order_by(InboxItem.id)))
        session.expunge_all()
        return items


def stored_posts(server, guid: str) -> int:
    with server.pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.guid == guid))


def test_the_package_discovers_a_seedpod_user(server, plain_http_for_the_package):
    from federation.utils.diaspora import retrieve_and_parse_profile

    signed_up(server, "alice")
    host = server.url.split("//")[1]
    with server.pod.session_factory() as session:
        alice = session.scalar(sa.select(Person).where(Person.diaspora_id == f"alice@{host}"))
    profile = run_async(retrieve_and_parse_profile(f"alice@{host}"))
    assert profile is not None, "the federation package could not read alice's WebFinger and hCard"
    assert profile.handle == f"alice@{host}"
    assert profile.guid == alice.guid
    assert profile.public_key.split() == alice.public_key_pem.split()
    assert profile.name
    assert run_async(retrieve_and_parse_profile(f"nobody@{host}")) is None


def test_a_signed_public_post_from_the_package_is_accepted_and_shown(server, fake_peer):
    browser = signed_up(server, "alice")  # a local user, on whose behalf the pod participates
    peer = fake_peer.person
    post = status_message(peer, "Hello from a pod that is not Seedpod")
    receive(server, envelope(post, peer.user()))

    [item] = inbox(server)
    assert (item.state, item.reason) == (DONE, None), item.reason
    assert (item.sender, item.entity_type, item.entity_guid) == (peer.handle, "status_message", post.guid)
    page = browser.get(f"/posts/{post.guid}")
    assert "Hello from a pod that is not Seedpod" in page.text
    assert post.guid in {card["data-guid"] for card in browser.get("/public").html.select('[data-testid="post"]')}
    assert "GET /.well-known/webfinger" in fake_peer.requests  # the pod looked the sender up

    # The pod subscribes to the post's interactions on the author's pod, as diaspora* does.
    participations = [e for e in fake_peer.entities() if e.type == "participation" and e.guid]
    assert participations, f"no participation came back to the peer: {fake_peer.entities()}"

    # The same envelope again changes nothing.
    receive(server, envelope(post, peer.user()))
    assert stored_posts(server, post.guid) == 1


def test_a_forged_signature_is_rejected_and_never_shown(server, fake_peer):
    browser = signed_up(server, "alice")
    peer = fake_peer.person
    impostor = PeerPerson("peer", fake_peer.host)  # the same diaspora ID, another key
    post = status_message(peer, "A forged hello")
    receive(server, envelope(post, impostor.user()))

    [item] = inbox(server)
    assert item.state == REJECTED
    assert "signature" in (item.reason or "").lower(), item.reason
    assert stored_posts(server, post.guid) == 0
    assert browser.get(f"/posts/{post.guid}", status="*").status_int == 404
    assert "A forged hello" not in browser.get("/public").text


def test_a_post_whose_author_is_not_the_signer_is_rejected_and_never_shown(server, fake_peer):
    browser = signed_up(server, "alice")
    signer = fake_peer.person
    victim = fake_peer.add_person("victim")  # discoverable, with a key of their own
    post = status_message(victim, "Words put in someone else's mouth")
    receive(server, envelope(post, signer.user()))  # a valid signature, by the wrong person

    [item] = inbox(server)
    assert item.state == REJECTED
    assert item.reason and ("author" in item.reason.lower() or "sender" in item.reason.lower()), item.reason
    assert stored_posts(server, post.guid) == 0
    assert browser.get(f"/posts/{post.guid}", status="*").status_int == 404
    assert "Words put in someone else" not in browser.get("/public").text
