"""Content for API tests, made through the domain services as the web pages make it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person
from core.aspects.services import AspectService
from core.posts.interactions import InteractionService
from core.posts.models import Post
from core.posts.services import Draft, PostService


def publish(api, author, text="Hello there", *, audience=None, poll=None) -> str:
    """A post by ``author``: public, or limited to an aspect holding the ``audience`` callers;
    ``poll`` is (question, [answers])."""
    with api.session() as s:
        user = author.user(s)
        draft = Draft(text=text, visibility="public")
        if audience is not None:
            aspect = user.aspects[0]
            for caller in audience:
                AspectService(s, api.pod).set_aspects(user, s.get(Person, caller.person_id), [aspect.id])
            draft = Draft(text=text, visibility="aspects", aspect_ids=[aspect.id])
        if poll is not None:
            draft.poll_question, draft.poll_answers = poll[0], "\n".join(poll[1])
        return PostService(s, api.pod).create(user, draft).guid


def write(api, author, text, visibility="public", aspects=()) -> str:
    """A post by ``author``; ``aspects`` names the author's aspects a limited post goes to."""
    with api.session() as s:
        user = author.user(s)
        ids = [a.id for a in user.aspects if a.name in aspects]
        return PostService(s, api.pod).create(user, Draft(text=text, visibility=visibility, aspect_ids=ids)).guid


def comment_on(api, author, guid, text="Nice", at: dt.datetime | None = None) -> str:
    """A comment written through the service; ``at`` back-dates it."""
    with api.session() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == guid))
        comment = InteractionService(s, api.pod).comment(author.user(s), post, text)
        if at is not None:
            comment.created_at = at
        return comment.guid


def add_to_aspect(api, owner, other, aspect="Friends") -> int:
    """``owner`` shares with ``other`` by putting them in the named aspect; returns its id."""
    with api.session() as s:
        user = owner.user(s)
        chosen = next(a for a in user.aspects if a.name == aspect)
        AspectService(s, api.pod).set_aspects(user, s.get(Person, other.person_id), [chosen.id])
        return chosen.id


def aspect_id(api, owner, name) -> int:
    with api.session() as s:
        return next(a.id for a in owner.user(s).aspects if a.name == name)


def block(api, blocker, blocked) -> None:
    with api.session() as s:
        AspectService(s, api.pod).block(blocker.user(s), s.get(Person, blocked.person_id))
