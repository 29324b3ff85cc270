"""Rows for notification tests, inserted straight into the pod's database."""
from __future__ import annotations

import email
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import transaction

from core.accounts.keys import new_guid
from core.accounts.models import Person, Profile, User
from core.aspects.models import Contact
from core.db import tm_session
from core.jobs import JobContext
from core.notifications.services import notify
from core.posts.models import Comment, Post, ShareVisibility
from core.testing import sign_up


def user(new_browser, name: str):
    """A signed-in browser of a new local user ``name``, with ``.user_id`` and ``.person_id``."""
    browser = new_browser()
    sign_up(browser, name)
    with browser.pod.session_factory() as session:
        found = session.scalar(sa.select(User).where(User.username == name))
        browser.user_id, browser.person_id, browser.guid = found.id, found.person.id, found.person.guid
    return browser


def ids_of(pod, username: str) -> tuple[int, int]:
    with pod.session_factory() as session:
        found = session.scalar(sa.select(User).where(User.username == username))
        return found.id, found.person.id


def remote_person(pod, first_name: str, birthday=None) -> Person:
    with pod.session_factory() as session:
        person = Person(guid=new_guid(), diaspora_id=f"{first_name.lower()}@remote.example", public_key_pem="-",
                        profile=Profile(first_name=first_name, birthday=birthday))
        session.add(person)
        session.commit()
        return person


def post(pod, author_id: int, text: str, public: bool = True, given_to=()) -> Post:
    with pod.session_factory() as session:
        row = Post(guid=new_guid(), author_id=author_id, public=public, text=text)
        session.add(row)
        session.flush()
        session.add_all(ShareVisibility(post_id=row.id, user_id=user_id) for user_id in given_to)
        session.commit()
        return row


def comment(pod, post_row: Post, author_id: int, text: str) -> Comment:
    with pod.session_factory() as session:
        row = Comment(guid=new_guid(), post_id=post_row.id, author_id=author_id, text=text)
        session.add(row)
        session.commit()
        return row


def contact(pod, user_id: int, person_id: int, sharing: bool = True) -> None:
    with pod.session_factory() as session:
        session.add(Contact(user_id=user_id, person_id=person_id, sharing=sharing))
        session.commit()


@contextmanager
def in_job(pod):
    """A job's context: its session commits at the end, then queued jobs are sent."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield JobContext(pod, tm_session(pod.session_factory, manager), manager)


def tell(pod, **kwargs):
    """``notify`` as a domain calls it, with mail after commit; returns the notification id."""
    with in_job(pod) as ctx:
        notification = notify(ctx.dbsession, enqueue=ctx.enqueue, **kwargs)
        return notification.id if notification is not None else None


def mails(pod) -> list[email.message.Message]:
    folder = Path(pod.data_dir) / "mail"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*"))] if folder.exists() else []


def body(message) -> str:
    return message.get_payload(decode=True).decode()
