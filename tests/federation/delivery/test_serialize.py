"""Local objects as entities: each one parses back, and relayables carry a signature that
verifies and is stored so every later send repeats the same bytes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.accounts.models import User
from core.conversations.models import Conversation, ConversationParticipant, Message
from core.federation import serialize
from core.federation.delivery import entity_payload
from core.federation.entities import parse_entity, verify_relayable
from core.federation.models import RelayableXml
from core.posts.models import Comment, Like, Participation, Photo, Poll, PollAnswer, PollParticipation

from .conftest import add_post, add_remote_person

VECTORS = Path(__file__).parents[1] / "vectors"

WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone.utc)


def roundtrip(entity):
    parsed = parse_entity(entity.to_xml())
    assert parsed.type == entity.type
    assert parsed.to_xml() == entity.to_xml()
    return parsed


def test_a_status_message_with_photos_poll_and_location(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        post = add_post(session, alice.person.id, "look #here", created_at=WHEN, location_address="Berlin",
                        location_lat="52.5", location_lng="13.4")
        session.add(Photo(guid=new_guid(), author_id=alice.person.id, post_id=post.id, pending=False, public=True,
                          text="a cat", file_name="abc123.jpg", width=640, height=480, created_at=WHEN))
        session.add(Poll(guid=new_guid(), post_id=post.id, question="Cats?", answers=[
            PollAnswer(guid=new_guid(), answer="yes", position=0), PollAnswer(guid=new_guid(), answer="no", position=1)]))
        session.flush()
        session.expire(post)
        parsed = roundtrip(serialize.entity_for_post(pod, post))
        assert parsed.get("author") == alice.person.diaspora_id and parsed.get("guid") == post.guid
        assert parsed.get("public") is True and parsed.get("text") == "look #here"
        assert parsed.get("created_at") == WHEN.replace(microsecond=0)
        [photo] = parsed.get("photos")
        assert photo.get("remote_photo_path") == pod.url + "/uploads/images/"
        assert photo.get("remote_photo_name") == "abc123.jpg"
        assert (photo.get("width"), photo.get("height"), photo.get("text")) == (640, 480, "a cat")
        assert photo.get("status_message_guid") == post.guid
        poll = parsed.get("poll")
        assert poll.get("question") == "Cats?"
        assert [a.get("answer") for a in poll.get("poll_answers")] == ["yes", "no"]
        location = parsed.get("location")
        assert (location.get("address"), location.get("lat"), location.get("lng")) == ("Berlin", "52.5", "13.4")


def test_a_limited_photo_only_post_keeps_its_empty_text_and_drops_a_location_without_coordinates(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        post = add_post(session, alice.person.id, "", public=False, location_address="Somewhere")
        parsed = roundtrip(serialize.entity_for_post(pod, post))
        assert parsed.get("public") is False and parsed.get("text") in ("", None)
        assert b"<text" in parsed.to_xml() and parsed.get("location") is None


def test_a_reshare(pod, local_user):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    with pod.session_factory() as session:
        alice, bob = session.get(User, alice_id), session.get(User, bob_id)
        root = add_post(session, alice.person.id, "original")
        reshare = add_post(session, bob.person.id, "", type="Reshare", root_id=root.id)
        session.expire(reshare)
        parsed = roundtrip(serialize.entity_for_post(pod, reshare))
        assert parsed.type == "reshare"
        assert (parsed.get("root_author"), parsed.get("root_guid")) == (alice.person.diaspora_id, root.guid)


def test_relayables_are_signed_by_their_author_and_stored_once(pod, local_user):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    with pod.session_factory() as session:
        alice, bob = session.get(User, alice_id), session.get(User, bob_id)
        post = add_post(session, alice.person.id, "poll post")
        poll = Poll(guid=new_guid(), post_id=post.id, question="Q?", answers=[
            PollAnswer(guid=new_guid(), answer="a", position=0), PollAnswer(guid=new_guid(), answer="b", position=1)])
        session.add(poll)
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=bob.person.id, text="nice\r\nline",
                          created_at=WHEN)
        session.add(comment)
        session.flush()
        like_post = Like(guid=new_guid(), target_type="Post", post_id=post.id, author_id=bob.person.id)
        like_comment = Like(guid=new_guid(), target_type="Comment", comment_id=comment.id, author_id=alice.person.id)
        vote = PollParticipation(guid=new_guid(), poll_id=poll.id, answer_id=poll.answers[1].id,
                                 author_id=bob.person.id)
        session.add_all([like_post, like_comment, vote])
        session.flush()
        expected = {comment.guid: ("comment", bob, {"parent_guid": post.guid, "text": "nice\r\nline"}),
                    like_post.guid: ("like", bob, {"parent_guid": post.guid, "parent_type": "Post", "positive": True}),
                    like_comment.guid: ("like", alice, {"parent_guid": comment.guid, "parent_type": "Comment"}),
                    vote.guid: ("poll_participation", bob, {"parent_guid": poll.guid,
                                                            "poll_answer_guid": poll.answers[1].guid})}
        for obj in (comment, like_post, like_comment, vote):
            entity = serialize.relayable_entity(session, obj)
            entity_type, author, values = expected[obj.guid]
            parsed = roundtrip(entity)
            assert parsed.type == entity_type and parsed.get("author") == author.person.diaspora_id
            for name, value in values.items():
                assert parsed.get(name) == value
            verify_relayable(parsed, author.person.public_key_pem)
            stored = session.scalar(sa.select(RelayableXml).where(RelayableXml.guid == obj.guid))
            assert stored.entity_type == entity_type and stored.xml.encode() == entity.to_xml()
            again = serialize.relayable_entity(session, obj)
            assert again.to_xml() == entity.to_xml()
            assert session.scalar(sa.select(sa.func.count()).select_from(RelayableXml)
                                  .where(RelayableXml.guid == obj.guid)) == 1


def test_a_stored_relayable_is_used_as_it_is(pod, local_user):
    alice_id = local_user("alice")
    vector = open(VECTORS / "upstream/relayable_integration/comment_xml_alice_with_new_data.xml",
                  "rb").read()
    received = parse_entity(vector)
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        post = add_post(session, alice.person.id, "root")
        remote = add_remote_person(session, "pod-a.org", "alicex")
        comment = Comment(guid=received.get("guid"), post_id=post.id, author_id=remote.id, text=received.get("text"))
        session.add(comment)
        session.add(RelayableXml(entity_type="comment", guid=comment.guid, xml=received.to_xml().decode()))
        session.flush()
        entity = serialize.relayable_entity(session, comment)
        assert entity.to_xml() == received.to_xml()
        assert entity_payload(session, entity) == received.to_xml()
        assert b"new_data" in entity_payload(session, entity)


def test_participation_retraction_contact_and_account_deletion(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        remote = add_remote_person(session, "pod-b.example", "bob")
        post = add_post(session, remote.id, "theirs")
        participation = Participation(guid=new_guid(), person_id=alice.person.id, post_id=post.id)
        session.add(participation)
        session.flush()
        parsed = roundtrip(serialize.participation_entity(participation, alice.person, post))
        assert (parsed.get("parent_guid"), parsed.get("parent_type")) == (post.guid, "Post")
        for given, wanted in (("Post", "Post"), ("comment", "Comment"), ("Like", "Like"),
                              ("poll_participation", "PollParticipation"), ("reshare", "Post")):
            parsed = roundtrip(serialize.retraction_entity(alice.person.diaspora_id, post.guid, given))
            assert parsed.get("target_type") == wanted and parsed.get("target_guid") == post.guid
        sharing = roundtrip(serialize.contact_entity(alice.person, remote, sharing=True, blocking=False))
        assert (sharing.get("following"), sharing.get("sharing"), sharing.get("blocking")) == (True, True, False)
        assert sharing.get("recipient") == remote.diaspora_id
        stopped = roundtrip(serialize.contact_entity(alice.person, remote, sharing=False, blocking=False))
        assert (stopped.get("following"), stopped.get("sharing")) == (False, False)
        assert b"<following>false</following>" in stopped.to_xml()  # a missing element would mean true
        blocked = roundtrip(serialize.contact_entity(alice.person, remote, sharing=True, blocking=True))
        assert (blocked.get("following"), blocked.get("sharing"), blocked.get("blocking")) == (False, False, True)
        deletion = roundtrip(serialize.account_deletion_entity(alice.person.diaspora_id))
        assert deletion.get("author") == alice.person.diaspora_id


def test_a_profile_with_every_field(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        profile = alice.person.profile
        profile.first_name, profile.last_name = "Alice", "Liddell"
        profile.image_url = "/uploads/images/300_a.jpg"
        profile.image_url_medium = "https://cdn.example/100_a.jpg"
        profile.bio, profile.location, profile.gender = "down the hole", "Oxford", "girl"
        profile.birthday = dt.date(1852, 5, 4)
        profile.tag_string = "#cats #tea"
        profile.public_details, profile.nsfw, profile.searchable = True, False, True
        session.flush()
        parsed = roundtrip(serialize.profile_entity(pod, alice.person))
        assert (parsed.get("first_name"), parsed.get("last_name")) == ("Alice", "Liddell")
        assert parsed.get("image_url") == pod.url + "/uploads/images/300_a.jpg"
        assert parsed.get("image_url_medium") == "https://cdn.example/100_a.jpg"
        assert (parsed.get("bio"), parsed.get("location"), parsed.get("gender")) == ("down the hole", "Oxford", "girl")
        assert parsed.get("birthday") == dt.date(1852, 5, 4)
        assert parsed.get("tag_string") == "#cats #tea"
        assert parsed.get("public") is True and parsed.get("searchable") is True and parsed.get("nsfw") is False
        base = roundtrip(serialize.profile_entity(pod, alice.person, extended=False))
        assert base.get("bio") is None and base.get("birthday") is None and base.get("first_name") == "Alice"


def test_a_conversation_with_its_first_message_and_a_reply(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        remote = add_remote_person(session, "pod-b.example", "bob")
        conversation = Conversation(guid=new_guid(), subject="Tea?", author_id=alice.person.id, created_at=WHEN)
        conversation.participants = [ConversationParticipant(person_id=alice.person.id),
                                     ConversationParticipant(person_id=remote.id)]
        session.add(conversation)
        session.flush()
        first = Message(guid=new_guid(), conversation_id=conversation.id, author_id=alice.person.id, text="Tea at 5?",
                        created_at=WHEN)
        session.add(first)
        session.flush()
        reply = Message(guid=new_guid(), conversation_id=conversation.id, author_id=alice.person.id, text="Or 6.",
                        created_at=WHEN + dt.timedelta(minutes=1))
        session.add(reply)
        session.flush()
        session.expire(conversation)
        parsed = roundtrip(serialize.conversation_entity(conversation))
        assert parsed.get("subject") == "Tea?"
        assert parsed.get("participants") == f"{alice.person.diaspora_id};{remote.diaspora_id}"
        [message] = parsed.get("messages")
        assert message.get("guid") == first.guid and message.get("conversation_guid") == conversation.guid
        parsed = roundtrip(serialize.message_entity(reply, conversation))
        assert parsed.get("text") == "Or 6." and parsed.get("conversation_guid") == conversation.guid
