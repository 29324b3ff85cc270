"""Fetching what a payload refers to from its author's pod (PROTOCOL.md §14, §10.3, §9.17).

The remote pod here is a small loopback server that answers /fetch with envelopes signed by
its person, after a redirect the way a pod sends a fetch on to the owner's pod.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from core.federation.envelope import build_envelope
from core.federation.errors import AuthorizationError, FetchError, NotFound
from core.federation.fetcher import fetch_entity
from core.federation.http import HTTPError
from core.federation.models import DONE, REJECTED
from core.posts.models import Comment, Post
from core.testing import free_port

from ..fake_peer import PeerPerson
from .conftest import element, relayable, store_remote
from .test_posts import GUID, status_message


class FetchPeer:
    """Serves ``documents[(type, guid)]`` at /fetch/<type>/<guid>; /fetch/post/... redirects there
    from the status_message path first."""

    def __init__(self):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.person = PeerPerson("fred", self.host)
        self.documents: dict[tuple[str, str], bytes] = {}
        self.requests: list[str] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                peer.requests.append(self.path)
                parts = self.path.split("/")
                if len(parts) == 4 and parts[1] == "fetch":
                    _, _, kind, guid = parts
                    if kind == "post":
                        self.send_response(302)
                        self.send_header("Location", f"/fetch/status_message/{guid}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body = peer.documents.get(("post", guid))
                    if body is not None:
                        self.send_response(200)
                        self.send_header("Content-Type", "application/magic-envelope+xml")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, guid: str, xml: str, signer_pem: str | None = None) -> None:
        self.documents[("post", guid)] = build_envelope(xml.encode(), self.person.handle,
                                                         signer_pem or self.person.private_key_pem)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fetch_peer():
    peer = FetchPeer()
    yield peer
    peer.stop()


@pytest.fixture
def fred(pod, fetch_peer):
    return store_remote(pod, fetch_peer.person, fetch_peer.host)


def test_fetch_entity_follows_the_redirect_and_stores_the_post(pod, fetch_peer, fred):
    fetch_peer.serve(GUID, status_message(fred, text="Fetched"))
    with pod.session_factory() as session:
        post = fetch_entity(session, pod, "post", GUID, fred.diaspora_id)
        session.commit()
        assert (post.guid, post.text, post.author_id) == (GUID, "Fetched", fred.person_id)
    assert fetch_peer.requests == [f"/fetch/post/{GUID}", f"/fetch/status_message/{GUID}"]


def test_a_fetched_limited_post_is_refused(pod, fetch_peer, fred):
    fetch_peer.serve(GUID, status_message(fred, public=False))
    with pod.session_factory() as session, pytest.raises(AuthorizationError):
        fetch_entity(session, pod, "post", GUID, fred.diaspora_id)


def test_a_missing_entity_is_an_http_404(pod, fetch_peer, fred):
    with pod.session_factory() as session, pytest.raises(HTTPError) as raised:
        fetch_entity(session, pod, "post", GUID, fred.diaspora_id)
    assert raised.value.status == 404


def test_fetching_what_is_being_fetched_stops(pod, fetch_peer, fred):
    """A post that names itself as its own root would fetch forever."""
    fetch_peer.serve(GUID, element("reshare", author=fred.diaspora_id, guid=GUID, root_author=fred.diaspora_id,
                                   root_guid=GUID))
    with pod.session_factory() as session, pytest.raises(NotFound) as raised:
        fetch_entity(session, pod, "post", GUID, fred.diaspora_id)
    assert str(raised.value) == f"the reshared post {GUID} was not found"
    assert len(fetch_peer.requests) == 2  # asked once, redirect included


def test_a_fetch_already_under_way_is_not_started_again(pod, fetch_peer, fred):
    with pod.session_factory() as session, pytest.raises(FetchError) as raised:
        fetch_entity(session, pod, "post", GUID, fred.diaspora_id, fetching={("post", GUID)})
    assert str(raised.value) == f"already fetching post {GUID}"
    assert fetch_peer.requests == []


def test_a_comment_on_an_unknown_post_fetches_the_post_first(inbox, local, fetch_peer, fred):
    local("alice")
    fetch_peer.serve(GUID, status_message(fred, text="The parent"))
    comment = relayable("comment", None, author=fred.diaspora_id, guid="k" * 32, parent_guid=GUID, text="First!")
    item = inbox.public(comment, fred)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == GUID))
        assert post.text == "The parent" and post.comments_count == 1
        assert session.scalar(sa.select(Comment.post_id)) == post.id


def test_a_comment_whose_post_cannot_be_found_is_rejected(inbox, local, fetch_peer, fred):
    local("alice")
    comment = relayable("comment", None, author=fred.diaspora_id, guid="k" * 32, parent_guid=GUID, text="First!")
    item = inbox.public(comment, fred)
    assert (item.state, item.reason) == (REJECTED, f"parent post {GUID} not found")
    assert inbox.count(Comment) == inbox.count(Post) == 0


def test_a_reshare_of_an_unknown_post_fetches_its_root(inbox, local, fetch_peer, fred, zoe):
    local("alice")
    fetch_peer.serve(GUID, status_message(fred, text="The root"))
    item = inbox.public(element("reshare", author=zoe.diaspora_id, guid="r" * 32, root_author=fred.diaspora_id,
                                root_guid=GUID), zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        reshare = session.scalar(sa.select(Post).where(Post.guid == "r" * 32))
        assert reshare.root.guid == GUID and reshare.root.text == "The root"
