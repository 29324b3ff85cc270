"""Bad payloads: each is rejected with a specific reason and leaves no content behind."""
import base64
import datetime as dt

import pytest
import sqlalchemy as sa

from core.accounts.models import Person, Profile
from core.aspects.models import Contact
from core.conversations.models import Conversation, Message
from core.db import utcnow
from core.federation.envelope import build_envelope, encrypt_for
from core.federation.inbox import MAX_ATTEMPTS
from core.federation.jobs import sweep_inbox
from core.federation.models import DONE, PENDING, REJECTED, InboxItem, RelayableXml
from core.notifications.models import Notification
from core.posts.models import Comment, Like, Participation, Photo, Poll, Post, Tag

from .conftest import element
from .test_posts import GUID, status_message

CONTENT = (Post, Photo, Poll, Tag, Comment, Like, Participation, Contact, Conversation, Message, Notification,
           RelayableXml)


def content(inbox) -> dict:
    return {model.__name__: inbox.count(model) for model in CONTENT}


@pytest.fixture
def before(inbox, zoe, local):
    local("alice")
    return content(inbox)


def rejected(item, reason):
    assert item.state == REJECTED
    assert item.reason == reason
    assert item.processed_at is not None


def test_a_replayed_payload_changes_nothing(inbox, zoe, before):
    body = inbox.envelope(status_message(zoe), zoe)
    inbox.post_public(body)
    first = inbox.process()
    after_first = content(inbox)
    inbox.post_public(body)
    second = inbox.process()
    assert (first.state, second.state, second.reason) == (DONE, DONE, "duplicate")
    assert content(inbox) == after_first


def test_the_same_guid_again_from_its_author_changes_nothing(inbox, zoe, before):
    inbox.public(status_message(zoe), zoe)
    after_first = content(inbox)
    item = inbox.public(status_message(zoe, text="Edited"), zoe)
    assert item.state == DONE
    assert content(inbox) == after_first
    with inbox.pod.session_factory() as session:
        assert session.scalar(sa.select(Post.text)) == "Hello from afar"


def test_a_forged_signature_is_rejected(inbox, zoe, yann, before):
    forged = build_envelope(status_message(zoe).encode(), zoe.diaspora_id, yann.private_key_pem)
    inbox.post_public(forged)
    rejected(inbox.process(), f"magic envelope: the signature of {zoe.diaspora_id} does not verify")
    assert content(inbox) == before


def test_an_author_who_is_not_the_signer_is_rejected(inbox, zoe, yann, before):
    item = inbox.public(status_message(zoe), yann)
    rejected(item, f"author {zoe.diaspora_id} is not the signer {yann.diaspora_id}")
    assert (item.sender, item.entity_type, item.entity_guid) == (yann.diaspora_id, "status_message", GUID)
    assert content(inbox) == before


def test_a_body_that_is_not_xml_is_rejected(inbox, before):
    inbox.post_public(b"<me:env xmlns:me='http://salmon-protocol.org/ns/magic-env'><me:data>")
    item = inbox.process()
    assert item.state == REJECTED and item.reason.startswith("magic envelope: not XML: ")
    assert content(inbox) == before


def test_an_entity_that_is_not_xml_is_rejected(inbox, zoe, before):
    item = inbox.public("<status_message><author>", zoe)
    assert item.state == REJECTED and item.reason.startswith("entity: not XML: ")
    assert content(inbox) == before


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
        + ']><status_message><author>zoe</author><text>&lol9;</text></status_message>')


def test_a_billion_laughs_payload_is_rejected_without_expanding_it(inbox, zoe, before):
    item = inbox.public(BOMB, zoe)
    rejected(item, "entity: XML with a DOCTYPE or entity declaration is not accepted")
    assert content(inbox) == before


def test_a_billion_laughs_envelope_is_rejected(inbox, before):
    inbox.post_public(BOMB.replace("status_message", "env").encode())
    rejected(inbox.process(), "magic envelope: XML with a DOCTYPE or entity declaration is not accepted")
    assert content(inbox) == before


def test_an_unknown_entity_type_is_rejected(inbox, zoe, before):
    item = inbox.public(element("foo", author=zoe.diaspora_id, guid=GUID), zoe)
    rejected(item, "unknown entity type: foo")
    assert content(inbox) == before


def test_a_limited_post_on_the_public_route_is_rejected(inbox, zoe, before):
    rejected(inbox.public(status_message(zoe, public=False), zoe),
             "status_message is not public and may not be sent on the public route")
    assert content(inbox) == before


def test_a_post_without_the_public_element_counts_as_limited(inbox, zoe, before):
    xml = element("status_message", author=zoe.diaspora_id, guid=GUID, text="hi")
    rejected(inbox.public(xml, zoe), "status_message is not public and may not be sent on the public route")
    assert content(inbox) == before


def test_an_event_is_rejected_as_unsupported(inbox, zoe, before):
    event = element("event", author=zoe.diaspora_id, guid=GUID, summary="Party", start="2026-12-01T18:00:00Z")
    rejected(inbox.public(event, zoe), "events are not supported on this pod")
    assert content(inbox) == before


def test_a_private_payload_for_someone_else_is_rejected(inbox, zoe, local, before):
    _, bob = local("bob")
    with inbox.pod.session_factory() as session:
        alice_key = session.scalar(sa.select(Person.public_key_pem).where(Person.diaspora_id.like("alice@%")))
    body = encrypt_for(inbox.envelope(status_message(zoe, public=False), zoe), alice_key)
    inbox.post_private(body, bob.guid)
    item = inbox.process()
    assert item.state == REJECTED and item.reason.startswith("encrypted envelope: ")
    assert content(inbox) == before


def test_a_rejected_comment_leaves_no_row_behind_even_after_writes(inbox, zoe, yann, before):
    """The applier had already written the post's counter when the signature failed."""
    inbox.public(status_message(zoe), zoe)
    after_post = content(inbox)
    comment = element("comment", author=yann.diaspora_id, guid="c" * 32, parent_guid=GUID, text="hi",
                      author_signature=base64.b64encode(b"nope").decode())
    item = inbox.public(comment, zoe)
    rejected(item, f"comment: author_signature of {yann.diaspora_id} does not verify")
    assert content(inbox) == after_post
    with inbox.pod.session_factory() as session:
        assert session.scalar(sa.select(Post.comments_count)) == 0


def test_an_unreachable_sender_is_tried_again_later_then_given_up(inbox, pod, before):
    """The sender's pod (a closed loopback port) can't be asked for their key."""
    sender = "ghost@127.0.0.1:9"
    inbox.post_public(build_envelope(b"<x/>", sender, pod_user_key(pod)))
    item = inbox.process()
    assert (item.state, item.attempts, item.sender) == (PENDING, 1, sender)
    assert item.reason.startswith(f"cannot look up the sender {sender}: ")
    assert item.next_attempt_at > utcnow() + dt.timedelta(seconds=30)
    with pod.session_factory() as session:
        session.execute(sa.update(InboxItem).values(attempts=MAX_ATTEMPTS - 1,
                                                    next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    pod.jobs.send(sweep_inbox)
    item = inbox.process()
    assert item.state == REJECTED
    assert item.reason.startswith(f"gave up after {MAX_ATTEMPTS} attempts: cannot look up the sender {sender}")
    assert content(inbox) == before


def pod_user_key(pod) -> str:
    from core.accounts.models import User

    with pod.session_factory() as session:
        return session.scalar(sa.select(User.private_key_pem).limit(1))


def test_the_sweep_processes_items_no_worker_got(inbox, zoe, pod, before):
    """As if the worker died before the message was handled: the row alone is enough."""
    body = inbox.envelope(status_message(zoe), zoe)
    import hashlib

    with pod.session_factory() as session:
        session.add(InboxItem(route="public", body=body, body_sha256=hashlib.sha256(body).hexdigest(),
                              next_attempt_at=utcnow() - dt.timedelta(minutes=5)))
        session.commit()
    pod.jobs.send(sweep_inbox)
    item = inbox.process()
    assert item.state == DONE, item.reason
    assert inbox.count(Post) == 1


def test_a_profile_with_private_details_on_the_public_route_is_rejected(inbox, zoe, before):
    profile = element("profile", author=zoe.diaspora_id, first_name="Zoe", bio="secret", public=False)
    rejected(inbox.public(profile, zoe), "profile is not public and may not be sent on the public route")
    with inbox.pod.session_factory() as session:
        assert session.get(Profile, zoe.person_id).bio == ""


def test_a_deletion_from_someone_never_known_is_done_without_looking_them_up(inbox, pod, before):
    sender = "ghost@127.0.0.1:9"
    xml = element("account_deletion", author=sender).encode()
    inbox.post_public(build_envelope(xml, sender, pod_user_key(pod)))
    item = inbox.process()
    assert (item.state, item.attempts, item.entity_type) == (DONE, 0, "account_deletion")
    assert item.reason == f"account_deletion from {sender}, who is not known here: nothing to undo"
    assert content(inbox) == before


def test_a_value_too_long_for_its_column_is_refused_with_a_reason(inbox, zoe, before):
    location = element("location", address="Berlin", lat="5" * 40, lng="13.4")
    item = inbox.public(element("status_message", location, author=zoe.diaspora_id, guid=GUID, public=True,
                                text="x"), zoe)
    rejected(item, "location: lat is longer than 32 characters")
    assert content(inbox) == before
