"""Who gets what (PROTOCOL.md §13): one delivery per pod for public posts, one per person for
limited ones, nothing for local people; relays, interactions and retractions."""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.accounts.models import Person, User
from core.federation import delivery, hooks
from core.federation.entities import parse_entity, verify_relayable
from core.federation.envelope import decrypt, read_envelope, verify_envelope
from core.federation.models import Delivery, Pod, RelayableXml
from core.posts.models import Comment, Like, Participation, Post

from .conftest import add_contact, add_post, add_remote_person, aspect_id, event, private_key_of_remote

VECTORS = Path(__file__).parents[1] / "vectors"


def deliveries(pod, **where):
    with pod.session_factory() as session:
        query = sa.select(Delivery).order_by(Delivery.id)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        return list(session.scalars(query))


def payload_of(envelope: bytes):
    return parse_entity(read_envelope(envelope).payload)


def test_a_public_post_is_one_delivery_per_pod(pod, local_user, receiving_pod):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    fakes = [receiving_pod() for _ in range(3)]
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        for i, fake in enumerate(fakes):
            for j in range(3):  # followers, people alice shares with, and both
                person = add_remote_person(session, fake.host, key=j)
                add_contact(session, alice_id, person, aspect="Friends" if j else None, sharing=j != 1)
        add_contact(session, alice_id, session.get(User, bob_id).person, aspect="Friends", sharing=True)
        ourselves = add_remote_person(session, pod.host, "ghost")  # a row pointing at our own host
        add_contact(session, alice_id, ourselves, sharing=True)
        post = add_post(session, alice.person.id, "to the world")
        session.commit()
        post_id, guid, alice_public = post.id, post.guid, alice.person.public_key_pem
    hooks.on_post_published(event("post_published", post_id=post_id), pod)
    rows = deliveries(pod, entity_guid=guid)
    assert len(rows) == 3 and all(row.recipient_person_id is None for row in rows)
    assert len({row.envelope for row in rows}) == 1  # signed once
    hooks.on_post_published(event("post_published", post_id=post_id), pod)  # a second dispatch adds nothing
    assert len(deliveries(pod, entity_guid=guid)) == 3
    pod.jobs.drain()
    for fake in fakes:
        [request] = fake.posts
        assert request.path == "/receive/public"
        envelope = read_envelope(request.body)
        verify_envelope(envelope, alice_public)
        entity = parse_entity(envelope.payload)
        assert entity.type == "status_message" and entity.get("guid") == guid and entity.get("public") is True


def test_public_posts_also_go_to_mentioned_people_participants_and_the_root_author(pod, local_user, receiving_pod):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        mentioned = add_remote_person(session, "mentioned.example")
        commenter = add_remote_person(session, "commenter.example")
        root_author = add_remote_person(session, "root.example")
        stranger = add_remote_person(session, "stranger.example")
        root = add_post(session, root_author.id, "original")
        post = add_post(session, alice.person.id, f"hi @{{{mentioned.diaspora_id}}}", type="Reshare",
                        root_id=root.id)
        from core.posts.models import Mention

        session.add(Mention(person_id=mentioned.id, post_id=post.id))
        session.add(Comment(guid=new_guid(), post_id=post.id, author_id=commenter.id, text="hey"))
        session.flush()
        recipients = delivery.post_recipients(session, post)
        assert {p.id for p in recipients} == {mentioned.id, commenter.id, root_author.id}
        assert stranger.id not in {p.id for p in recipients}


def test_a_limited_post_is_one_private_delivery_per_remote_aspect_member(pod, local_user, receiving_pod):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    fake_a, fake_b = receiving_pod(), receiving_pod()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        friends = [add_remote_person(session, fake_a.host, "ann", key=0), add_remote_person(session, fake_a.host, "ben", key=1),
                   add_remote_person(session, fake_b.host, "cat", key=2)]
        for person in friends:
            add_contact(session, alice_id, person, aspect="Friends")
        add_contact(session, alice_id, session.get(User, bob_id).person, aspect="Friends")
        worker = add_remote_person(session, fake_b.host, "dan", key=3)
        add_contact(session, alice_id, worker, aspect="Work")
        follower = add_remote_person(session, fake_b.host, "eve", key=3)
        add_contact(session, alice_id, follower, sharing=True, receiving=False)
        post = add_post(session, alice.person.id, "friends only", public=False,
                        aspect_ids=[aspect_id(session, alice_id, "Friends")])
        session.commit()
        post_id, guid = post.id, post.guid
        expected = {p.id: (p.guid, i) for i, p in enumerate(friends)}
        alice_public = alice.person.public_key_pem
    hooks.on_post_published(event("post_published", post_id=post_id), pod)
    rows = deliveries(pod, entity_guid=guid)
    assert sorted(row.recipient_person_id for row in rows) == sorted(expected)
    pod.jobs.drain()
    received = fake_a.posts + fake_b.posts
    assert len(received) == 3
    for request in received:
        guid_in_path = request.path.rsplit("/", 1)[1]
        person_id, (person_guid, key) = next((pid, v) for pid, v in expected.items() if v[0] == guid_in_path)
        assert request.content_type == "application/json" and set(json.loads(request.body)) == {
            "aes_key", "encrypted_magic_envelope"}
        envelope = read_envelope(decrypt(request.body, private_key_of_remote(key)))
        verify_envelope(envelope, alice_public)
        entity = parse_entity(envelope.payload)
        assert entity.get("guid") == guid and entity.get("public") is False


def test_post_retractions_go_exactly_where_the_post_went(pod, local_user, receiving_pod):
    alice_id = local_user("alice")
    fake_a, fake_b, fake_c = receiving_pod(), receiving_pod(), receiving_pod()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        ann = add_remote_person(session, fake_a.host, "ann")
        ben = add_remote_person(session, fake_b.host, "ben", key=1)
        add_contact(session, alice_id, ann, aspect="Friends")
        add_contact(session, alice_id, ben, sharing=True, receiving=False)
        public = add_post(session, alice.person.id, "public")
        limited = add_post(session, alice.person.id, "limited", public=False,
                           aspect_ids=[aspect_id(session, alice_id, "Friends")])
        session.commit()
        ids = {"public": (public.id, public.guid), "limited": (limited.id, limited.guid)}
        alice_person = alice.person.id
    for post_id, _ in ids.values():
        hooks.on_post_published(event("post_published", post_id=post_id), pod)
    pod.jobs.drain()
    # Later contacts (a pod that never got the post) get no retraction.
    with pod.session_factory() as session:
        add_contact(session, alice_id, add_remote_person(session, fake_c.host, "cid"), aspect="Friends")
        session.commit()
    for kind, (post_id, guid) in ids.items():
        with pod.session_factory() as session:
            session.execute(sa.text("DELETE FROM posts WHERE id = :i"), {"i": post_id})
            session.commit()
        hooks.on_post_deleted(event("post_deleted", guid=guid, author_id=alice_person,
                                    type="StatusMessage", public=kind == "public"), pod)
    originals = {(r.pod_id, r.recipient_person_id, r.entity_guid) for r in deliveries(pod, entity_type="status_message")}
    retractions = {(r.pod_id, r.recipient_person_id, r.entity_guid) for r in deliveries(pod, entity_type="retraction")}
    assert retractions == originals
    pod.jobs.drain()
    assert not fake_c.posts
    [_, public_retraction] = fake_b.posts
    entity = payload_of(public_retraction.body)
    assert entity.type == "retraction" and entity.get("target_type") == "Post"
    assert entity.get("target_guid") == ids["public"][1]


def test_a_comment_on_a_local_post_goes_to_the_post_recipients_signed_by_the_post_author(pod, local_user,
                                                                                         receiving_pod):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    fake = receiving_pod()
    with pod.session_factory() as session:
        alice, bob = session.get(User, alice_id), session.get(User, bob_id)
        follower = add_remote_person(session, fake.host)
        add_contact(session, alice_id, follower, sharing=True, receiving=False)
        post = add_post(session, alice.person.id, "hi")
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=bob.person.id, text="hello alice")
        session.add(comment)
        session.commit()
        comment_id, comment_guid, post_guid = comment.id, comment.guid, post.guid
        alice_pub, bob_pub, bob_person = alice.person.public_key_pem, bob.person.public_key_pem, bob.person.id
        alice_person = alice.person.id
    hooks.on_comment_created(event("comment_created", comment_id=comment_id), pod)
    [row] = deliveries(pod, entity_guid=comment_guid)
    assert row.sender_person_id == alice_person and row.recipient_person_id is None
    pod.jobs.drain()
    [request] = fake.posts
    envelope = read_envelope(request.body)
    verify_envelope(envelope, alice_pub)
    entity = parse_entity(envelope.payload)
    verify_relayable(entity, bob_pub)
    # Taken back by its author: the retraction follows the same way, signed by the root author.
    with pod.session_factory() as session:
        session.execute(sa.delete(Comment).where(Comment.id == comment_id))
        session.commit()
    hooks.on_comment_deleted(event("comment_deleted", guid=comment_guid, author_id=bob_person,
                                   post_guid=post_guid, deleted_by_id=bob_person), pod)
    [retraction] = deliveries(pod, entity_type="retraction")
    assert (retraction.pod_id, retraction.sender_person_id) == (row.pod_id, alice_person)
    entity = payload_of(retraction.envelope)
    assert entity.get("target_type") == "Comment" and entity.get("author") == "bob@pod.test"


def test_interacting_with_a_remote_post_goes_to_its_author_with_a_participation(pod, local_user, receiving_pod):
    alice_id = local_user("alice")
    fake = receiving_pod()
    other = receiving_pod()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        author = add_remote_person(session, fake.host, "rob", key=2)
        bystander = add_remote_person(session, other.host)
        post = add_post(session, author.id, "remote public post")
        session.add(Comment(guid=new_guid(), post_id=post.id, author_id=bystander.id, text="me too"))
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=alice.person.id, text="hi rob")
        like = Like(guid=new_guid(), target_type="Post", post_id=post.id, author_id=alice.person.id)
        session.add_all([comment, like])
        session.add(Participation(guid=new_guid(), person_id=alice.person.id, post_id=post.id))
        limited = add_post(session, author.id, "remote limited post", public=False)
        limited_comment = Comment(guid=new_guid(), post_id=limited.id, author_id=alice.person.id, text="psst")
        session.add(limited_comment)
        session.commit()
        ids = comment.id, like.id, limited_comment.id
        guids = comment.guid, like.guid, limited_comment.guid
    hooks.on_comment_created(event("comment_created", comment_id=ids[0]), pod)
    hooks.on_like_created(event("like_created", like_id=ids[1]), pod)
    hooks.on_comment_created(event("comment_created", comment_id=ids[2]), pod)
    by_type = {}
    for row in deliveries(pod):
        by_type.setdefault(row.entity_type, []).append(row)
    assert {r.entity_guid for r in by_type["comment"]} == {guids[0], guids[2]}
    public_comment = next(r for r in by_type["comment"] if r.entity_guid == guids[0])
    limited_row = next(r for r in by_type["comment"] if r.entity_guid == guids[2])
    assert public_comment.recipient_person_id is None and limited_row.recipient_person_id is not None
    assert [r.entity_guid for r in by_type["like"]] == [guids[1]]
    assert len(by_type["participation"]) == 1 and by_type["participation"][0].recipient_person_id is not None
    pod.jobs.drain()
    assert not other.posts  # only the root author's pod hears from us; it relays
    assert len(fake.posts) == 4


def test_relay_resends_the_stored_relayable_byte_for_byte(pod, local_user, receiving_pod):
    alice_id = local_user("alice")
    commenter_pod, fake_a, fake_b = receiving_pod(), receiving_pod(), receiving_pod()
    vector = open(VECTORS / "upstream/relayable_integration/comment_xml_alice_with_new_data.xml",
                  "rb").read()
    received = parse_entity(vector)
    stored_xml = received.to_xml()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        commenter = add_remote_person(session, commenter_pod.host, "writer")
        commenter.diaspora_id = received.author  # the vector's author, living on the commenter's pod
        neighbour = add_remote_person(session, commenter_pod.host, "neighbour")
        for fake in (fake_a, fake_b):
            add_contact(session, alice_id, add_remote_person(session, fake.host), sharing=True)
        add_contact(session, alice_id, neighbour, sharing=True)
        post = add_post(session, alice.person.id, "root")
        session.add(Comment(guid=received.get("guid"), post_id=post.id, author_id=commenter.id, text="x"))
        session.add(RelayableXml(entity_type="comment", guid=received.get("guid"), xml=stored_xml.decode()))
        session.flush()
        # What the inbox does after applying the comment.
        entity = parse_entity(stored_xml)
        delivery.relay(session, pod, post, entity, None)
        session.commit()
        alice_pub = alice.person.public_key_pem
        post_id = post.id
    rows = deliveries(pod, entity_type="comment")
    assert len(rows) == 2  # not to the commenter's own pod
    with pod.session_factory() as session:
        assert commenter_pod.host not in {session.get(Pod, r.pod_id).host for r in rows}
    for row in rows:
        envelope = read_envelope(row.envelope)
        verify_envelope(envelope, alice_pub)
        assert envelope.payload == stored_xml
    with pod.session_factory() as session:
        delivery.relay(session, pod, session.get(Post, post_id), entity, None)
        session.commit()
    assert len(deliveries(pod, entity_type="comment")) == 2  # relaying again plans nothing new


def test_profiles_contacts_conversations_and_account_deletion(pod, local_user, receiving_pod):
    from core.conversations.models import Conversation, ConversationParticipant, Message

    alice_id = local_user("alice")
    fake_a, fake_b = receiving_pod(), receiving_pod()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        friend = add_remote_person(session, fake_a.host, "friend")
        follower = add_remote_person(session, fake_b.host, "follower")
        add_contact(session, alice_id, friend, aspect="Friends")
        add_contact(session, alice_id, follower, sharing=True, receiving=False)
        conversation = Conversation(guid=new_guid(), subject="Hi", author_id=alice.person.id)
        conversation.participants = [ConversationParticipant(person_id=alice.person.id),
                                     ConversationParticipant(person_id=friend.id),
                                     ConversationParticipant(person_id=follower.id)]
        session.add(conversation)
        session.flush()
        session.add(Message(guid=new_guid(), conversation_id=conversation.id, author_id=alice.person.id, text="one"))
        reply = Message(guid=new_guid(), conversation_id=conversation.id, author_id=alice.person.id, text="two")
        session.add(reply)
        session.commit()
        ids = dict(alice=alice.person.id, friend=friend.id, follower=follower.id, conversation=conversation.id,
                   reply=reply.id)
    hooks.on_contact_changed(event("contact_changed", user_id=alice_id, person_id=ids["friend"], sharing=True,
                                   blocking=False), pod)
    contact_rows = deliveries(pod, entity_type="contact")
    assert [r.recipient_person_id for r in contact_rows] == [ids["friend"]]
    assert payload_of(contact_rows[0].envelope).get("sharing") is True
    assert [r.recipient_person_id for r in deliveries(pod, entity_type="profile")] == [ids["friend"]]
    # Sharing again later is a new contact entity, not a duplicate to skip.
    hooks.on_contact_changed(event("contact_changed", user_id=alice_id, person_id=ids["friend"], sharing=False,
                                   blocking=True), pod)
    rows = deliveries(pod, entity_type="contact")
    assert len(rows) == 2 and payload_of(rows[1].envelope).get("blocking") is True
    hooks.on_profile_updated(event("profile_updated", person_id=ids["alice"]), pod)
    assert len(deliveries(pod, entity_type="profile")) == 2  # private to the friend only: details not public
    with pod.session_factory() as session:
        session.get(Person, ids["alice"]).profile.public_details = True
        session.commit()
    hooks.on_profile_updated(event("profile_updated", person_id=ids["alice"]), pod)
    public_profiles = [r for r in deliveries(pod, entity_type="profile") if r.recipient_person_id is None]
    assert len(public_profiles) == 2  # both contacts' pods
    hooks.on_conversation_started(event("conversation_started", conversation_id=ids["conversation"]), pod)
    rows = deliveries(pod, entity_type="conversation")
    assert sorted(r.recipient_person_id for r in rows) == sorted([ids["friend"], ids["follower"]])
    hooks.on_message_sent(event("message_sent", message_id=ids["reply"]), pod)
    assert len(deliveries(pod, entity_type="message")) == 2
    hooks.on_account_closed(event("account_closed", person_id=ids["alice"], diaspora_id="alice@pod.test"), pod)
    rows = deliveries(pod, entity_type="account_deletion")
    with pod.session_factory() as session:
        assert {session.get(Pod, r.pod_id).host for r in rows} == {fake_a.host, fake_b.host}
    assert all(r.recipient_person_id is None for r in rows)
    pod.jobs.drain()
    assert {r.path for r in fake_b.posts} >= {"/receive/public"}


def test_people_added_to_the_aspect_later_get_nothing_about_a_limited_post(pod, local_user, receiving_pod):
    alice_id, bob_id = local_user("alice"), local_user("bob")
    fake = receiving_pod()
    with pod.session_factory() as session:
        alice, bob = session.get(User, alice_id), session.get(User, bob_id)
        early = add_remote_person(session, fake.host, "early")
        add_contact(session, alice_id, early, aspect="Friends")
        add_contact(session, alice_id, bob.person, aspect="Friends")
        post = add_post(session, alice.person.id, "friends only", public=False,
                        aspect_ids=[aspect_id(session, alice_id, "Friends")])
        session.commit()
        late = add_remote_person(session, fake.host, "late")
        add_contact(session, alice_id, late, aspect="Friends")
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=bob.person.id, text="psst")
        session.add(comment)
        session.commit()
        ids = post.id, comment.id, comment.guid, early.id
    hooks.on_post_published(event("post_published", post_id=ids[0]), pod)
    hooks.on_comment_created(event("comment_created", comment_id=ids[1]), pod)
    assert [r.recipient_person_id for r in deliveries(pod, entity_guid=ids[2])] == [ids[3]]


def test_votes_and_taken_back_likes_on_a_remote_post_go_to_its_author(pod, local_user, receiving_pod):
    from core.posts.models import Poll, PollAnswer, PollParticipation

    alice_id = local_user("alice")
    fake = receiving_pod()
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        author = add_remote_person(session, fake.host, "rob", key=2)
        post = add_post(session, author.id, "vote!")
        poll = Poll(guid=new_guid(), post_id=post.id, question="Q?", answers=[
            PollAnswer(guid=new_guid(), answer="a", position=0), PollAnswer(guid=new_guid(), answer="b", position=1)])
        session.add(poll)
        session.flush()
        vote = PollParticipation(guid=new_guid(), poll_id=poll.id, answer_id=poll.answers[0].id,
                                 author_id=alice.person.id)
        session.add(vote)
        session.commit()
        ids = dict(vote=vote.id, post_guid=post.guid, alice=alice.person.id, author_pod=author.pod_id,
                   poll_guid=poll.guid, like_guid=new_guid(), alice_pub=alice.person.public_key_pem)
    hooks.on_poll_voted(event("poll_voted", poll_participation_id=ids["vote"]), pod)
    [row] = deliveries(pod, entity_type="poll_participation")
    assert row.pod_id == ids["author_pod"] and row.recipient_person_id is None
    entity = payload_of(row.envelope)
    assert entity.get("parent_guid") == ids["poll_guid"]
    verify_relayable(entity, ids["alice_pub"])
    hooks.on_like_deleted(event("like_deleted", guid=ids["like_guid"], author_id=ids["alice"], target_type="Post",
                                post_guid=ids["post_guid"]), pod)
    [row] = deliveries(pod, entity_type="retraction")
    entity = payload_of(row.envelope)
    assert (entity.get("target_type"), entity.get("target_guid")) == ("Like", ids["like_guid"])
    assert row.pod_id == ids["author_pod"] and row.sender_person_id == ids["alice"]
