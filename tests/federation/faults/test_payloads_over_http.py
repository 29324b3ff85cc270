"""Bad payloads and bad addresses, once each over real HTTP to a served pod.

The inbox and discovery tests go through every case in detail; these check the same refusals
hold end to end (waitress, the WSGI stack, the jobs): each is refused with a reason, never a
server error, and leaves no content behind.
"""
from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from core.accounts.models import Person
from core.federation.models import REJECTED, InboxItem
from core.posts.models import Post

BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
        b'<me:env xmlns:me="http://salmon-protocol.org/ns/magic-env"><me:data>&lol4;</me:data></me:env>')


def rows(pod, model, *where) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def unknown_entity(peer) -> bytes:
    """A well-signed envelope (by the federation package) around an entity nobody knows."""
    from federation.protocols.diaspora.magic_envelope import MagicEnvelope

    xml = f"<space_ship><guid>{'f' * 32}</guid><author>{peer.handle}</author></space_ship>".encode()
    return MagicEnvelope(xml, private_key=peer.user().rsa_private_key, author_handle=peer.handle).render().encode()


def test_bad_payloads_are_refused_with_a_reason_and_store_nothing(make_live_server, fake_peer):
    server = make_live_server(federation__max_payload_bytes=str(1024 * 1024))
    receive = server.url + "/receive/public"
    headers = {"Content-Type": "application/magic-envelope+xml"}

    huge = requests.post(receive, data=b"<x>" + b"a" * (10 * 1024 * 1024) + b"</x>", headers=headers, timeout=30)
    assert huge.status_code == 413

    for body in (b"<me:env><unclosed", BOMB, unknown_entity(fake_peer.person)):
        answer = requests.post(receive, data=body, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.status_code
    server.pod.jobs.drain()

    with server.pod.session_factory() as session:
        refused = [(item.state, item.reason, len(item.body)) for item in session.scalars(
            sa.select(InboxItem).order_by(InboxItem.id))]
    assert len(refused) >= 3, refused  # the oversize one may be kept as a refusal, never its body
    assert all(state == REJECTED and reason and size <= 1024 * 1024 for state, reason, size in refused), refused
    assert rows(server.pod, Post) == 0


@pytest.mark.parametrize("address", ["nobody@169.254.169.254", "nobody@127.0.0.1:{port}"])
def test_a_search_never_reaches_a_private_address_when_they_are_disallowed(make_live_server, fake_peer, address):
    import webtest

    from core.testing import sign_up

    server = make_live_server(federation__allow_private_addresses="false")
    browser = webtest.TestApp(f"{server.url}#requests", extra_environ={"HTTP_HOST": server.url.split("//")[1]})
    sign_up(browser, "alice")
    address = address.format(port=fake_peer.port)
    started = time.monotonic()
    page = browser.get("/search", {"q": address})
    assert page.status_int == 200 and time.monotonic() - started < 5
    assert page.html.select('[data-testid="person-result"]') == []
    assert fake_peer.requests == []  # the loopback peer was never asked
    assert rows(server.pod, Person, Person.diaspora_id == address) == 0
