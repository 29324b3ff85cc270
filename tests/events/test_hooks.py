"""One test per event hook: a user does something through the web app, the jobs run, and a
plugin's ``on_<name>`` hookimpl gets the event with the payload docs/plugins.md promises."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from core.accounts.keys import new_guid
from core.accounts.models import Person, Profile
from core.conversations.models import Conversation, Message
from core.events import EventData, record
from core.events.models import Event
from core.notifications.models import Notification
from core.posts.models import Comment, Like, PollParticipation, Post
from core.testing import aspects_of, csrf, form_with_action, share

from .helpers import Recorder, events, in_job


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def pod(make_pod, recorder):
    """The test pod, with the recording plugin enabled (every browser below talks to it)."""
    return make_pod(extra_plugins={"example": recorder})


def publish(browser, text="Hello", visibility="public", **fields) -> Post:
    form = browser.get("/status_messages").forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    for name, value in fields.items():
        form[name] = value
    assert form.submit(status="*").status_int == 303
    return newest(browser.pod, Post)


def newest(pod, model):
    with pod.session_factory() as session:
        row = session.scalar(sa.select(model).order_by(model.id.desc()).limit(1))
        session.expunge_all()
        return row


def act(browser, path: str, status=303, **fields):
    """POST a form of the web app (with its CSRF token), as its button would."""
    return browser.post(path, {"csrf_token": csrf(browser, "/stream"), **fields}, status=status)


def comment(browser, post: Post, text: str) -> Comment:
    form = browser.get(f"/posts/{post.guid}").forms["comment-form"]
    form["text"] = text
    assert form.submit(status="*").status_int == 303
    return newest(browser.pod, Comment)


def seen(pod, recorder, name: str) -> list[dict]:
    pod.jobs.drain()
    assert all(isinstance(event, EventData) and event.name == name for event in recorder.named(name))
    return recorder.payloads(name)


def test_hook_on_post_published(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    public = publish(alice, "Hello world")
    limited = publish(alice, "Just for my aspects", visibility="all_aspects")
    assert recorder.seen == []  # the hooks run in a job, after the request

    assert seen(pod, recorder, "post_published") == [{"post_id": public.id}, {"post_id": limited.id}]

    act(bob, f"/posts/{public.guid}/reshare", text="Look at this")
    reshare = newest(pod, Post)
    assert (reshare.type, reshare.root_id) == ("Reshare", public.id)
    assert seen(pod, recorder, "post_published")[-1] == {"post_id": reshare.id}

    # A refused post records nothing.
    form = alice.get("/status_messages").forms["composer-form"]
    form["text"] = ""
    assert form.submit(status="*").status_int == 400
    assert len(seen(pod, recorder, "post_published")) == 3
    assert [event.name for event in events(pod)] == ["post_published"] * 3


def test_hook_on_post_deleted(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice, "Soon gone")
    limited = publish(alice, "Limited and soon gone", visibility="all_aspects")
    act(bob, f"/posts/{post.guid}/reshare")
    reshare = newest(pod, Post)
    comment(bob, post, "I'll go with it")

    act(bob, f"/posts/{reshare.guid}/delete")
    act(alice, f"/posts/{post.guid}/delete")
    act(alice, f"/posts/{limited.guid}/delete")
    act(bob, f"/posts/{limited.guid}/delete", status=404)  # not his: nothing recorded

    bob_id, alice_id = person_of("bob").id, person_of("alice").id
    assert seen(pod, recorder, "post_deleted") == [
        {"guid": reshare.guid, "author_id": bob_id, "type": "Reshare", "public": True},
        {"guid": post.guid, "author_id": alice_id, "type": "StatusMessage", "public": True},
        {"guid": limited.guid, "author_id": alice_id, "type": "StatusMessage", "public": False},
    ]
    assert newest(pod, Post) is None
    # The post's comments went with it, without events of their own.
    assert recorder.named("comment_deleted") == []


def test_hook_on_comment_created(people, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice)
    first = comment(bob, post, "Nice")
    second = comment(alice, post, "Thanks")
    form = bob.get(f"/posts/{post.guid}").forms["comment-form"]
    form["text"] = "   "
    assert form.submit(status="*").status_int == 400

    assert seen(pod, recorder, "comment_created") == [{"comment_id": first.id}, {"comment_id": second.id}]


def test_hook_on_comment_deleted(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice)
    own = comment(bob, post, "Oops, wrong post")
    theirs = comment(bob, post, "Something rude")

    act(bob, f"/comments/{own.guid}/delete")      # the comment's author deletes it
    act(alice, f"/comments/{theirs.guid}/delete")  # the post's author deletes someone else's

    alice_id, bob_id = person_of("alice").id, person_of("bob").id
    assert seen(pod, recorder, "comment_deleted") == [
        {"guid": own.guid, "author_id": bob_id, "post_guid": post.guid, "deleted_by_id": bob_id},
        {"guid": theirs.guid, "author_id": bob_id, "post_guid": post.guid, "deleted_by_id": alice_id},
    ]


def test_hook_on_like_created(people, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice)
    said = comment(alice, post, "Like this too")

    act(bob, f"/posts/{post.guid}/like")
    on_post = newest(pod, Like)
    act(bob, f"/comments/{said.guid}/like")
    on_comment = newest(pod, Like)
    act(bob, f"/posts/{post.guid}/like", status=400)  # already liked: nothing recorded

    assert seen(pod, recorder, "like_created") == [{"like_id": on_post.id}, {"like_id": on_comment.id}]
    assert (on_post.target_type, on_comment.target_type) == ("Post", "Comment")


def test_hook_on_like_deleted(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice)
    said = comment(alice, post, "Like this too")
    act(bob, f"/posts/{post.guid}/like")
    on_post = newest(pod, Like)
    act(bob, f"/comments/{said.guid}/like")
    on_comment = newest(pod, Like)

    act(bob, f"/posts/{post.guid}/unlike")
    act(bob, f"/comments/{said.guid}/unlike")
    act(bob, f"/posts/{post.guid}/unlike", status=400)  # nothing left to take back

    bob_id = person_of("bob").id
    assert seen(pod, recorder, "like_deleted") == [
        {"guid": on_post.guid, "author_id": bob_id, "target_type": "Post", "post_guid": post.guid},
        {"guid": on_comment.guid, "author_id": bob_id, "target_type": "Comment", "post_guid": post.guid},
    ]


def test_hook_on_poll_voted(people, pod, recorder):
    alice, bob = people("alice", "bob")
    post = publish(alice, "Vote!", poll_question="Tea or coffee?", poll_answers="Tea\nCoffee")
    form = form_with_action(bob.get(f"/posts/{post.guid}"), f"/posts/{post.guid}/vote")
    form["answer_id"] = form["answer_id"].options[1][0]
    form.submit(status=303)
    act(bob, f"/posts/{post.guid}/vote", status=400, answer_id=form["answer_id"].value)  # only once

    vote = newest(pod, PollParticipation)
    assert seen(pod, recorder, "poll_voted") == [{"poll_participation_id": vote.id}]


def remote_person(pod, diaspora_id="zoe@remote.example") -> Person:
    with pod.session_factory() as session:
        person = Person(guid=new_guid(), diaspora_id=diaspora_id, public_key_pem="-", user_id=None)
        person.profile = Profile(first_name="Zoe")
        session.add(person)
        session.commit()
        session.expunge_all()
        return person


def test_hook_on_contact_changed(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    alice_user, bob_person = person_of("alice").user_id, person_of("bob")

    def stance(user_id, person_id, sharing, blocking=False):
        return {"user_id": user_id, "person_id": person_id, "sharing": sharing, "blocking": blocking}

    share(alice, bob_person, {"Friends"}, pod, "alice")
    share(alice, bob_person, {"Friends", "Work"}, pod, "alice")  # still sharing: no event
    assert seen(pod, recorder, "contact_changed") == [stance(alice_user, bob_person.id, True)]

    share(alice, bob_person, set(), pod, "alice")  # out of every aspect
    assert seen(pod, recorder, "contact_changed")[-1] == stance(alice_user, bob_person.id, False)

    # Blocking a local person who shares back changes both stances.
    share(alice, bob_person, {"Friends"}, pod, "alice")
    share(bob, person_of("alice"), {"Work"}, pod, "bob")
    pod.jobs.drain()
    del recorder.seen[:]
    page = alice.get(f"/people/{bob_person.guid}")
    form_with_action(page, f"/people/{bob_person.guid}/block").submit(status=303)
    act(alice, f"/people/{bob_person.guid}/block")  # already blocked: nothing changes
    assert seen(pod, recorder, "contact_changed") == [
        stance(alice_user, bob_person.id, False, blocking=True),
        stance(bob_person.user_id, person_of("alice").id, False),
    ]
    act(alice, f"/people/{bob_person.guid}/unblock")
    assert seen(pod, recorder, "contact_changed")[-1] == stance(alice_user, bob_person.id, False)

    # A remote person: only Alice's side changes, and nobody here is notified.
    zoe = remote_person(pod)
    notified = notification_count(pod)
    share(alice, zoe, {"Family"}, pod, "alice")
    family = dict((name, aid) for aid, name in aspects_of(pod, "alice"))["Family"]
    act(alice, f"/contacts/aspects/{family}/delete")  # deleting her only aspect stops sharing
    assert seen(pod, recorder, "contact_changed")[-2:] == [stance(alice_user, zoe.id, True),
                                                           stance(alice_user, zoe.id, False)]
    assert notification_count(pod) == notified


def notification_count(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Notification))


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_hook_on_profile_updated(people, person_of, pod, recorder):
    alice, = people("alice")
    form = alice.get("/profile/edit").forms["profile-form"]
    form["first_name"] = "Alice"
    form.submit(status=303)
    form = alice.get("/profile/edit").forms["profile-form"]
    form["avatar"] = ("me.png", png_bytes())
    form.submit(status=303)  # the profile and its avatar together: one event
    form = alice.get("/profile/edit").forms["profile-form"]
    form["birthday"] = "not a date"
    form.submit(status=400)  # refused: nothing changed, nothing recorded

    alice_id = person_of("alice").id
    assert seen(pod, recorder, "profile_updated") == [{"person_id": alice_id}, {"person_id": alice_id}]




def write_to(alice, to_guid: str, subject="Lunch", text="Tomorrow at noon?") -> None:
    act(alice, "/conversations", person=to_guid, subject=subject, text=text)


def test_hook_on_conversation_started(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    share(bob, person_of("alice"), {"Friends"}, pod, "bob")  # Alice may write to people who share with her
    write_to(alice, person_of("bob").guid)
    act(alice, "/conversations", status=400, person=person_of("bob").guid, subject="", text="no subject")

    conversation = newest(pod, Conversation)
    assert seen(pod, recorder, "conversation_started") == [{"conversation_id": conversation.id}]
    assert recorder.named("message_sent") == []  # the first message travels with the conversation


def test_hook_on_message_sent(people, person_of, pod, recorder):
    alice, bob = people("alice", "bob")
    share(bob, person_of("alice"), {"Friends"}, pod, "bob")
    write_to(alice, person_of("bob").guid)
    conversation = newest(pod, Conversation)

    act(bob, f"/conversations/{conversation.guid}/messages", text="Sure!")
    reply = newest(pod, Message)
    act(alice, f"/conversations/{conversation.guid}/messages", status=400, text="  ")

    assert reply.author_id == person_of("bob").id
    assert seen(pod, recorder, "message_sent") == [{"message_id": reply.id}]


def test_hook_on_account_closed(people, person_of, pod, recorder):
    # Closing an account has no page yet: record the event as the closing will, and dispatch it.
    people("alice")
    alice = person_of("alice")
    with in_job(pod) as ctx:
        record(ctx.dbsession, "account_closed", {"person_id": alice.id, "diaspora_id": alice.diaspora_id},
               ctx.enqueue)

    assert seen(pod, recorder, "account_closed") == [{"person_id": alice.id, "diaspora_id": "alice@pod.test"}]
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Event.dispatched_at).where(Event.name == "account_closed")) is not None
