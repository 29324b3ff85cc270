"""Posts from another pod: public and limited status messages, photos, polls, reshares."""
import sqlalchemy as sa

from core.federation.models import DONE, REJECTED, Delivery
from core.posts.models import (Mention, Photo, Poll, PollAnswer, Post, ShareVisibility, Tag, Tagging)
from core.notifications.models import Notification

from .conftest import element

GUID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def status_message(author, guid=GUID, text="Hello from afar", public=True, *children, **extra):
    return element("status_message", *children, author=author.diaspora_id, guid=guid,
                   created_at="2026-11-01T10:00:00Z", public=public, text=text, **extra)


def test_a_public_post_is_stored_and_shown_on_the_public_stream_and_its_page(inbox, zoe, app, peer, local):
    local("alice")  # the pod's first user subscribes to the post for it
    item = inbox.public(status_message(zoe), zoe)
    assert (item.state, item.reason) == (DONE, None)
    assert (item.sender, item.entity_type, item.entity_guid) == (zoe.diaspora_id, "status_message", GUID)
    assert GUID in app.get("/public").text or "Hello from afar" in app.get("/public").text
    assert "Hello from afar" in app.get(f"/posts/{GUID}").text
    with inbox.pod.session_factory() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == GUID))
        assert post.public and post.author_id == zoe.person_id
        assert post.created_at.isoformat() == "2026-11-01T10:00:00+00:00"


def test_a_public_post_sends_one_participation_back_to_its_author(inbox, zoe, peer, local):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    inbox.public(status_message(zoe), zoe)  # a replay: nothing more goes out
    assert inbox.count(Delivery, Delivery.entity_type == "participation") == 1
    assert [e[:2] for e in peer.entities() if e[1] == "participation"] == [("private", "participation")]


def test_a_limited_post_is_visible_only_to_the_user_it_was_sent_to(inbox, zoe, local):
    alice_browser, alice = local("alice")
    bob_browser, bob = local("bob")
    item = inbox.private(status_message(zoe, public=False, text="Just for Alice"), zoe, alice)
    assert item.state == DONE, item.reason
    assert "Just for Alice" in alice_browser.get(f"/posts/{GUID}").text
    bob_browser.get(f"/posts/{GUID}", status=404)
    assert "Just for Alice" not in bob_browser.get("/public").text
    assert inbox.count(Delivery, Delivery.entity_type == "participation") == 0


def test_a_second_private_delivery_gives_the_post_to_that_user_too(inbox, zoe, local):
    _, alice = local("alice")
    bob_browser, bob = local("bob")
    inbox.private(status_message(zoe, public=False), zoe, alice)
    item = inbox.private(status_message(zoe, public=False), zoe, bob)
    assert item.state == DONE, item.reason
    assert inbox.count(Post) == 1
    assert inbox.count(ShareVisibility) == 2
    assert "Hello from afar" in bob_browser.get(f"/posts/{GUID}").text


def test_photos_poll_location_tags_and_mentions_come_with_the_post(inbox, zoe, local, app):
    alice_browser, alice = local("alice")
    photo = element("photo", guid="b" * 32, author=zoe.diaspora_id, public=True,
                    remote_photo_path="https://remote.example/uploads/images/", remote_photo_name="abc.jpg",
                    height=10, width=20)
    poll = element("poll", element("poll_answer", guid="d" * 32, answer="Yes"),
                   element("poll_answer", guid="e" * 32, answer="No"), guid="c" * 32, question="Tea?")
    location = element("location", address="Berlin", lat="52.5", lng="13.4")
    text = "Hi @{Alice; %s} #Travel #nsfw" % alice.diaspora_id
    item = inbox.public(element("status_message", photo, location, poll, author=zoe.diaspora_id, guid=GUID,
                                public=True, text=text), zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == GUID))
        assert (post.location_address, post.location_lat, post.location_lng, post.nsfw) == ("Berlin", "52.5", "13.4", True)
        stored = session.scalar(sa.select(Photo))
        assert (stored.guid, stored.post_id, stored.pending, stored.file_name, stored.remote_photo_path,
                stored.width, stored.height) == ("b" * 32, post.id, False, "abc.jpg",
                                                 "https://remote.example/uploads/images/", 20, 10)
        poll_row = session.scalar(sa.select(Poll))
        assert poll_row.question == "Tea?" and [a.answer for a in poll_row.answers] == ["Yes", "No"]
        tags = set(session.scalars(sa.select(Tag.name).join(Tagging).where(Tagging.post_id == post.id)))
        assert tags == {"travel", "nsfw"}
        assert session.scalar(sa.select(Mention.person_id).where(Mention.post_id == post.id)) == alice.id
        kinds = list(session.scalars(sa.select(Notification.kind).where(Notification.recipient_id == alice.user_id)))
        assert kinds == ["mentioned"]
    page = alice_browser.get(f"/posts/{GUID}").text
    assert "https://remote.example/uploads/images/scaled_full_abc.jpg" in page


def test_a_reshare_of_a_known_post(inbox, zoe, yann, local):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    reshare = element("reshare", author=yann.diaspora_id, guid="f" * 32, created_at="2026-11-02T10:00:00Z",
                      root_author=zoe.diaspora_id, root_guid=GUID)
    item = inbox.public(reshare, yann)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        root = session.scalar(sa.select(Post).where(Post.guid == GUID))
        copy = session.scalar(sa.select(Post).where(Post.guid == "f" * 32))
        assert copy.root_id == root.id and root.reshares_count == 1


def test_a_reshare_naming_the_wrong_root_author_is_rejected(inbox, zoe, yann, local):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    reshare = element("reshare", author=yann.diaspora_id, guid="f" * 32, root_author=yann.diaspora_id, root_guid=GUID)
    item = inbox.public(reshare, yann)
    assert item.state == REJECTED
    assert item.reason == f"the reshared post {GUID} is not by {yann.diaspora_id}"
    assert inbox.count(Post) == 1


def test_a_guid_of_another_authors_post_is_rejected(inbox, zoe, yann, local):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    item = inbox.public(status_message(yann, text="Mine now"), yann)
    assert (item.state, item.reason) == (REJECTED, "guid belongs to another author")
    with inbox.pod.session_factory() as session:
        assert session.scalar(sa.select(Post.text)) == "Hello from afar"


def test_a_standalone_photo(inbox, zoe):
    photo = element("photo", guid="b" * 32, author=zoe.diaspora_id, public=True,
                    remote_photo_path="https://remote.example/uploads/images/", remote_photo_name="abc.jpg")
    item = inbox.public(photo, zoe)
    assert item.state == DONE, item.reason
    assert inbox.count(Photo, Photo.guid == "b" * 32, Photo.pending.is_(False)) == 1


def test_a_poll_answer_guid_already_taken_is_rejected_and_nothing_stays(inbox, zoe, local):
    local("alice")
    poll = element("poll", element("poll_answer", guid="d" * 32, answer="Yes"),
                   element("poll_answer", guid="d" * 32, answer="No"), guid="c" * 32, question="Tea?")
    item = inbox.public(element("status_message", poll, author=zoe.diaspora_id, guid=GUID, public=True, text="x"), zoe)
    assert item.state == REJECTED and item.reason == "poll: guids repeat"
    assert inbox.count(Post) == inbox.count(Poll) == inbox.count(PollAnswer) == 0
