"""A user with something of everything an archive holds, made through the domain services as
the pages make it, and diaspora*'s archive schema to check archives against.

``rich_user(pod)`` gives alice: a filled-in profile, aspects, local and remote contacts, a public
post with a photo, a location and a poll, a post limited to one aspect, a reshare, comments on
her own and on others' posts, likes, a poll vote, followed tags and a block; bob (local) and
carol (remote) comment, like and vote on her posts. It returns what a test asserts against.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from jsonschema import Draft4Validator
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from core.accounts.keys import generate_key_pair, new_guid
from core.accounts.models import Person, Profile, User
from core.accounts.services import AccountService
from core.aspects.services import AspectService
from core.federation.entities import make_entity, sign_relayable
from core.federation.models import Pod, RelayableXml
from core.posts.interactions import InteractionService
from core.posts.models import Comment, PollAnswer, Post
from core.posts.services import Draft, PostService
from core.streams.services import TagService

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schema"
ARCHIVE_SCHEMA = SCHEMA_DIR / "archive-format.json"
ENTITIES_SCHEMA = SCHEMA_DIR / "federation_entities.json"
ARCHIVE_SHA256 = "1d25ccec240c41f544b674a64f23c8b1d200b9b7bdca71ea74b7048dd9abaa2f"
ENTITIES_SHA256 = "b3407e3e1f5171442c0fa60ad9cab6b4eaeca22c29bd5b1dcfd72347fa43c4e1"
PASSWORD = "correct horse battery"
REMOTE_HOST = "remote.example"


@lru_cache(maxsize=None)
def _validator() -> Draft4Validator:
    registry = Registry()
    schema = None
    for path in (ARCHIVE_SCHEMA, ENTITIES_SCHEMA):
        document = json.loads(path.read_text())
        registry = registry.with_resource(document["id"], Resource.from_contents(document, default_specification=DRAFT4))
        if path == ARCHIVE_SCHEMA:
            schema = document
    return Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def schema_errors(archive: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in sorted(_validator().iter_errors(archive), key=lambda e: list(e.absolute_path))]


def assert_valid(archive: dict) -> None:
    """Raise unless ``archive`` is valid against diaspora*'s archive-format.json."""
    errors = schema_errors(archive)
    assert not errors, "archive not valid: " + "; ".join(errors[:8])


def png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=None)
def remote_keys(index: int) -> tuple[str, str]:
    return generate_key_pair(2048)


def remote_person(session, username: str, key: int = 0) -> Person:
    pod = session.scalar(sa.select(Pod).where(Pod.host == REMOTE_HOST))
    if pod is None:
        pod = Pod(host=REMOTE_HOST, https=True)
        session.add(pod)
        session.flush()
    person = Person(guid=new_guid(), diaspora_id=f"{username}@{REMOTE_HOST}", public_key_pem=remote_keys(key)[1],
                    pod_id=pod.id, fetched_at=dt.datetime.now(dt.timezone.utc))
    person.profile = Profile(first_name=username.capitalize(), last_name="Remote")
    session.add(person)
    session.flush()
    return person


def remote_comment(session, person: Person, post: Post, text: str, key: int = 0) -> Comment:
    """A comment as the inbox stores one: the row, and the XML its author signed."""
    comment = Comment(guid=new_guid(), post_id=post.id, author_id=person.id, text=text,
                      created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    session.add(comment)
    session.flush()
    entity = make_entity("comment", author=person.diaspora_id, guid=comment.guid, parent_guid=post.guid, text=text,
                         created_at=comment.created_at)
    sign_relayable(entity, remote_keys(key)[0])
    session.add(RelayableXml(entity_type="comment", guid=comment.guid, xml=entity.to_xml().decode("utf-8")))
    session.flush()
    return comment


def user_named(session, name: str) -> User:
    return session.scalar(sa.select(User).where(User.username == name))


def rich_user(pod, name: str = "alice") -> dict:
    """Make alice and her world; returns the guids and values a test checks."""
    facts: dict = {}
    with pod.session_factory() as s:
        accounts = AccountService(s, pod)
        alice = accounts.sign_up(name, f"{name}@example.org", PASSWORD, allow_reserved=True)
        bob = accounts.sign_up("bob", "bob@example.org", PASSWORD, allow_reserved=True)
        s.flush()
        profile = alice.person.profile
        profile.first_name, profile.last_name = "Alice", "Liddell"
        profile.bio, profile.location, profile.gender = "Down the rabbit hole", "Wonderland", "girl"
        profile.birthday = dt.date(1990, 5, 4)
        profile.tag_string = "#tea #cards"
        profile.image_url = "/uploads/images/thumb_large_avatar.png"
        profile.searchable, profile.public_details, profile.nsfw = True, True, False
        s.flush()

        aspects, posts, interactions = AspectService(s, pod), PostService(s, pod), InteractionService(s, pod)
        carol = remote_person(s, "carol", 0)
        dave = remote_person(s, "dave", 1)
        eve = remote_person(s, "eve", 2)
        friends = next(a for a in alice.aspects if a.name == "Friends")
        work = next(a for a in alice.aspects if a.name == "Work")
        aspects.set_aspects(alice, bob.person, [friends.id, work.id])
        aspects.set_aspects(alice, carol, [friends.id])
        # bob shares back with alice; dave shares with her without being in an aspect of hers.
        aspects.set_aspects(bob, alice.person, [next(a for a in bob.aspects if a.name == "Friends").id])
        from core.aspects.models import Contact

        s.add(Contact(user_id=alice.id, person_id=dave.id, sharing=True, receiving=False))
        aspects.block(alice, eve)
        s.flush()

        public = posts.create(alice, Draft(
            text="Hello #world", visibility="public", photos=[(png(), "A red square")], location="Wonderland",
            location_lat="51.75", location_lng="-1.25", poll_question="Tea or coffee?", poll_answers="Tea\nCoffee"))
        limited = posts.create(alice, Draft(text="Only for friends", visibility="aspects", aspect_ids=[friends.id]))
        bobs = posts.create(bob, Draft(text="Bob's public post", visibility="public",
                                       poll_question="Cats or dogs?", poll_answers="Cats\nDogs"))
        s.flush()
        own_comment = interactions.comment(alice, public, "My own comment")
        comment_elsewhere = interactions.comment(alice, bobs, "Alice on Bob's post")
        like_elsewhere = interactions.like_post(alice, bobs)
        alice_vote = interactions.vote(alice, bobs, bobs.poll.answers[0].id)
        reshare = interactions.reshare(alice, bobs, "")
        bob_comment = interactions.comment(bob, public, "Bob was here")
        bob_like = interactions.like_post(bob, public)
        bob_comment_like = interactions.like_comment(bob, own_comment)
        coffee = s.scalar(sa.select(PollAnswer).where(PollAnswer.poll_id == public.poll.id,
                                                      PollAnswer.answer == "Coffee"))
        bob_vote = interactions.vote(bob, public, coffee.id)
        carol_comment = remote_comment(s, carol, public, "Hello from afar", key=0)
        tags = TagService(s, pod)
        tags.follow(alice, "cats")
        tags.follow(alice, "newhere")
        s.flush()
        photo = public.photos[0]
        facts.update(
            user_id=alice.id, bob_id=bob.id, diaspora_id=alice.diaspora_id, guid=alice.guid,
            public_guid=public.guid, limited_guid=limited.guid, bobs_guid=bobs.guid, reshare_guid=reshare.guid,
            poll_guid=public.poll.guid, answer_guids=[a.guid for a in public.poll.answers],
            photo_guid=photo.guid, photo_file=photo.file_name,
            own_comment=own_comment.guid, comment_elsewhere=comment_elsewhere.guid,
            like_elsewhere=like_elsewhere.guid, alice_vote=alice_vote.guid,
            bobs_poll_guid=bobs.poll.guid, bobs_first_answer=bobs.poll.answers[0].guid,
            bob_comment=bob_comment.guid, bob_like=bob_like.guid, bob_comment_like=bob_comment_like.guid,
            bob_vote=bob_vote.guid, coffee=coffee.guid, carol_comment=carol_comment.guid,
            bob=bob.diaspora_id, carol=carol.diaspora_id, dave=dave.diaspora_id, eve=eve.diaspora_id,
            carol_guid=carol.guid, carol_key=carol.public_key_pem, private_key=alice.private_key_pem,
        )
        s.commit()
    return facts
