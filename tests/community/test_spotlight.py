"""/spotlight: the public posts of the people holding the spotlight role, newest first, paged."""
from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.posts.services import Draft, PostService


def write(pod, username: str, text: str, visibility: str = "public", minutes_ago: int = 0) -> str:
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        post = PostService(session, pod).create(user, Draft(text=text, visibility=visibility))
        post.created_at = post.interacted_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)
        session.commit()
        return post.guid


def texts(page) -> list[str]:
    doc = lxml.html.fromstring(page.text)
    return [node.text_content().strip() for node in doc.cssselect("[data-testid=post] .post-text")]


@pytest.fixture
def viewer(member):
    return member("newbie")


def test_only_public_posts_of_spotlight_people_show_newest_first(pod, member, viewer):
    member("star", "spotlight")
    member("nova", "spotlight")
    member("plain")
    write(pod, "star", "star public old", minutes_ago=30)
    write(pod, "nova", "nova public", minutes_ago=20)
    write(pod, "star", "star limited", visibility="all_aspects", minutes_ago=10)
    write(pod, "plain", "plain public", minutes_ago=5)
    write(pod, "star", "star public new", minutes_ago=1)

    page = viewer.get("/spotlight", status=200)

    assert texts(page) == ["star public new", "nova public", "star public old"]
    assert "Community spotlight" in page.text


def test_losing_the_role_takes_the_posts_out(pod, member, viewer):
    member("star", "spotlight")
    write(pod, "star", "shining")
    assert texts(viewer.get("/spotlight")) == ["shining"]

    with pod.session_factory() as session:
        from core.accounts.services import AccountService
        AccountService(session, pod).remove_role("spotlight", "star")
        session.commit()

    page = viewer.get("/spotlight")
    assert texts(page) == []
    assert "Nobody is in the spotlight yet." in page.text


def test_pages_walk_back_with_a_cursor(pod, member, viewer):
    member("star", "spotlight")
    for n in range(17):
        write(pod, "star", f"post {n}", minutes_ago=100 - n)

    first = viewer.get("/spotlight")
    assert texts(first) == [f"post {n}" for n in range(16, 1, -1)]
    older = lxml.html.fromstring(first.text).cssselect("[data-testid=older-posts]")[0].get("href")
    second = viewer.get(older)
    assert texts(second) == ["post 1", "post 0"]
    assert not lxml.html.fromstring(second.text).cssselect("[data-testid=older-posts]")
    assert "max=" in older
    viewer.get("/spotlight?max=garbage", status=400)


def test_signed_in_users_only(member):
    visitor = member(None).get("/spotlight", status=302)
    assert visitor.location.endswith("/users/sign_in?next=%2Fspotlight")
    assert member("anyone").get("/spotlight", status=200)

