"""Helpers for the stream tests: people, contacts and posts written straight into the database,
so each test states exactly who shares what with whom."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.accounts.models import Person, Profile, Role, User
from core.aspects.models import Aspect, AspectMembership, Block, Contact
from core.db import utcnow
from core.posts.models import (Comment, HiddenPost, Like, Mention, Participation, Post, ShareVisibility, Tag,
                               Tagging)
from core.testing import sign_up

_clock = itertools.count(1)


def user(pod, username: str) -> User:
    with pod.session_factory() as db:
        found = db.scalar(sa.select(User).where(User.username == username))
        found.person  # loaded while the session is open
        return found


def person_id(pod, username: str) -> int:
    with pod.session_factory() as db:
        return db.scalar(sa.select(Person.id).where(Person.diaspora_id.like(f"{username}@%")))


def user_id(pod, username: str) -> int:
    with pod.session_factory() as db:
        return db.scalar(sa.select(User.id).where(User.username == username))


def remote_person(pod, username: str, host: str = "elsewhere.test") -> int:
    with pod.session_factory() as db:
        person = Person(guid=new_guid(), diaspora_id=f"{username}@{host}", public_key_pem="key")
        person.profile = Profile(first_name=username.capitalize())
        db.add(person)
        db.commit()
        return person.id


def add_to_aspect(pod, owner: str, person: int, aspect_name: str = "Friends") -> None:
    """``owner`` puts ``person`` in one of their aspects: they share with them."""
    with pod.session_factory() as db:
        owner_id = user_id(pod, owner)
        aspect = db.scalar(sa.select(Aspect).where(Aspect.user_id == owner_id, Aspect.name == aspect_name))
        contact = db.scalar(sa.select(Contact).where(Contact.user_id == owner_id, Contact.person_id == person))
        if contact is None:
            contact = Contact(user_id=owner_id, person_id=person)
            db.add(contact)
        contact.receiving = True
        db.flush()
        db.add(AspectMembership(aspect_id=aspect.id, contact_id=contact.id))
        db.commit()


def aspect_id(pod, owner: str, aspect_name: str) -> int:
    with pod.session_factory() as db:
        return db.scalar(sa.select(Aspect.id).where(Aspect.user_id == user_id(pod, owner), Aspect.name == aspect_name))


def post(pod, author: int, text: str, public: bool = False, given_to: tuple[str, ...] = (),
         at: dt.datetime | None = None, tags: tuple[str, ...] = (), mentions: tuple[int, ...] = ()) -> str:
    """A post by person ``author``; a limited one is given to the users named in ``given_to``.
    Without ``at`` each post is a second newer than the one before. Returns its guid."""
    at = at or dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=next(_clock))
    with pod.session_factory() as db:
        created = Post(guid=new_guid(), author_id=author, public=public, text=text, created_at=at, interacted_at=at)
        db.add(created)
        db.flush()
        for name in given_to:
            db.add(ShareVisibility(post_id=created.id, user_id=user_id(pod, name)))
        for name in tags:
            tag = db.scalar(sa.select(Tag).where(Tag.name == name))
            if tag is None:
                tag = Tag(name=name)
                db.add(tag)
                db.flush()
            db.add(Tagging(tag_id=tag.id, post_id=created.id))
        for mentioned in mentions:
            db.add(Mention(person_id=mentioned, post_id=created.id))
        db.add(Participation(guid=new_guid(), person_id=author, post_id=created.id))
        db.commit()
        return created.guid


def post_id(pod, guid: str) -> int:
    with pod.session_factory() as db:
        return db.scalar(sa.select(Post.id).where(Post.guid == guid))


def interact(pod, who: int, guid: str, kind: str, at: dt.datetime | None = None) -> None:
    """Person ``who`` likes or comments on a post, which moves it up their activity stream."""
    at = at or utcnow()
    with pod.session_factory() as db:
        target = db.scalar(sa.select(Post).where(Post.guid == guid))
        if kind == "like":
            db.add(Like(guid=new_guid(), target_type="Post", post_id=target.id, author_id=who, created_at=at))
        else:
            db.add(Comment(guid=new_guid(), post_id=target.id, author_id=who, text="Nice one", created_at=at))
        if db.scalar(sa.select(Participation).where(Participation.person_id == who,
                                                    Participation.post_id == target.id)) is None:
            db.add(Participation(guid=new_guid(), person_id=who, post_id=target.id, created_at=at))
        target.interacted_at = at
        db.commit()


def hide(pod, username: str, guid: str) -> None:
    with pod.session_factory() as db:
        db.add(HiddenPost(user_id=user_id(pod, username), post_id=post_id(pod, guid)))
        db.commit()


def block(pod, username: str, person: int) -> None:
    with pod.session_factory() as db:
        db.add(Block(user_id=user_id(pod, username), person_id=person))
        db.commit()


def grant(pod, username: str, role: str) -> None:
    with pod.session_factory() as db:
        db.add(Role(user_id=user_id(pod, username), name=role))
        db.commit()


def shown(page) -> list[str]:
    """The guids of the posts on a stream page, top to bottom."""
    return [card["data-guid"] for card in page.html.select('[data-stream-items] [data-testid="post"]')]


def older_link(page) -> str | None:
    link = page.html.select_one("a[data-older]")
    return link["href"] if link is not None else None


def walk(app, url: str) -> list[str]:
    """Every post of a stream, following its "Older posts" links to the end."""
    guids, pages = [], 0
    while url:
        page = app.get(url)
        guids.extend(shown(page))
        url = older_link(page)
        pages += 1
        assert pages < 100, "the older links loop"
    return guids


@pytest.fixture
def people(app, new_browser):
    """Alice (signed in on ``app``), Bob and Carol (each on their own browser), all local."""
    sign_up(app, "alice")
    browsers = {"alice": app}
    for name in ("bob", "carol"):
        browsers[name] = new_browser()
        sign_up(browsers[name], name)
    return browsers


def form_to(page, action: str):
    """The form of ``page`` that posts to ``action`` (a path)."""
    found = [form for form in page.forms.values() if form.action.endswith(action)]
    assert len(found) == 1, f"{len(found)} forms post to {action}"
    return found[0]
