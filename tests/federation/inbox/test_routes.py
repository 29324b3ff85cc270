"""The receive routes themselves: what they answer and what they keep (PROTOCOL.md §5.1, §15)."""
import sqlalchemy as sa

from core.federation.models import PENDING, REJECTED, InboxItem
from core.posts.models import Post


def test_a_public_payload_is_stored_and_answered_202_with_an_empty_body(inbox, zoe):
    response = inbox.post_public(b"<anything/>")
    assert response.status_int == 202
    assert response.body == b""
    item = inbox.last()
    assert (item.route, item.recipient_user_id, item.body, item.state) == ("public", None, b"<anything/>", PENDING)
    assert len(item.body_sha256) == 64


def test_any_content_type_is_read_and_no_csrf_token_is_asked(app, inbox):
    response = app.post("/receive/public", b"<x/>", content_type="application/x-www-form-urlencoded", status=202)
    assert response.body == b""
    assert inbox.last().body == b"<x/>"


def test_a_private_payload_names_a_local_user(inbox, local):
    _, alice = local("alice")
    inbox.post_private(b"{}", alice.guid)
    item = inbox.last()
    assert item.route == "private" and item.recipient_user_id == alice.user_id


def test_an_unknown_or_remote_guid_has_no_inbox(inbox, zoe):
    inbox.post_private(b"{}", "f" * 32, status=404)
    inbox.post_private(b"{}", zoe.guid, status=404)
    assert inbox.count(InboxItem) == 0


def test_a_payload_over_the_limit_is_refused_with_413_and_only_the_refusal_is_kept(make_app):
    app = make_app(federation__max_payload_bytes="1000000")
    body = b"<x>" + b"a" * (10 * 1024 * 1024) + b"</x>"
    response = app.post("/receive/public", body, content_type="application/magic-envelope+xml", status=413)
    assert response.body == b""
    with app.pod.session_factory() as session:
        items = session.scalars(sa.select(InboxItem)).all()
        assert len(items) == 1
        assert items[0].state == REJECTED
        assert items[0].body == b""
        assert items[0].reason == f"payload too large ({len(body)} bytes)"
        assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_get_is_not_a_receive(app):
    app.get("/receive/public", status=404)


def test_a_sender_over_the_rate_limit_is_told_to_retry_later_and_nothing_is_kept(make_app):
    app = make_app(rate_limits__receive_per_address="3 per minute")
    for _ in range(3):
        app.post("/receive/public", b"<x/>", content_type="application/magic-envelope+xml", status=202)
    response = app.post("/receive/public", b"<y/>", content_type="application/magic-envelope+xml", status=429)
    assert response.body == b""
    assert 0 < int(response.headers["Retry-After"]) <= 120
    with app.pod.session_factory() as session:
        assert [item.body for item in session.scalars(sa.select(InboxItem).order_by(InboxItem.id))] == [b"<x/>"] * 3
