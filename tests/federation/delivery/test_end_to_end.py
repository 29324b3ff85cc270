"""From the web app to another pod: a user posts and comments through the pages, the event
jobs run, and the receiving pod gets the signed entities."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import User
from core.federation.entities import parse_entity
from core.federation.envelope import read_envelope, verify_envelope
from core.posts.models import Post

from .conftest import add_contact, add_remote_person


def test_a_post_and_a_comment_written_on_the_pages_reach_a_follower_pod(pod, people, receiving_pod):
    (alice,) = people("alice")
    fake = receiving_pod()
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == "alice"))
        add_contact(session, user.id, add_remote_person(session, fake.host), sharing=True, receiving=False)
        session.commit()
        alice_pub = user.person.public_key_pem
    form = alice.get("/status_messages").forms["composer-form"]
    form["text"] = "Hello, federation"
    form["visibility"] = "public"
    assert form.submit(status="*").status_int == 303
    pod.jobs.drain()
    with pod.session_factory() as session:
        post = session.scalar(sa.select(Post).order_by(Post.id.desc()).limit(1))
        guid = post.guid
    page = alice.get(f"/posts/{guid}")
    comment_form = page.forms["comment-form"]
    comment_form["text"] = "and a comment"
    assert comment_form.submit(status="*").status_int == 303
    pod.jobs.drain()
    entities = []
    for request in fake.posts:
        envelope = read_envelope(request.body)
        verify_envelope(envelope, alice_pub)
        entities.append(parse_entity(envelope.payload))
    assert [(e.type, e.get("guid") if e.type != "comment" else e.get("parent_guid")) for e in entities] == [
        ("status_message", guid), ("comment", guid)]
    assert entities[0].get("text") == "Hello, federation"
