"""/getting_started: a new user's steps, each flipping to done as they act, until they dismiss it."""
from __future__ import annotations

import lxml.html
import pytest
import sqlalchemy as sa

from core.accounts.models import Person, User
from core.aspects.services import AspectService
from core.posts.services import Draft, PostService


def form_to(page, action_end: str):
    """The page's form posting to an address ending in ``action_end``."""
    matches = [form for form in page.forms.values() if (form.action or "").endswith(action_end)]
    assert matches, f"no form posting to {action_end}"
    return matches[0]


def states(page) -> dict[str, bool]:
    doc = lxml.html.fromstring(page.text)
    return {node.get("data-testid")[len("step-"):]: node.get("data-done") == "true"
            for node in doc.cssselect("[data-testid^=step-]")}


def texts(page, selector: str) -> list[str]:
    return [node.text_content().strip() for node in lxml.html.fromstring(page.text).cssselect(selector)]


def user_row(pod, username: str) -> User:
    with pod.session_factory() as session:
        return session.scalar(sa.select(User).where(User.username == username))


def write(pod, username: str, text: str, visibility: str = "public") -> None:
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        PostService(session, pod).create(user, Draft(text=text, visibility=visibility))
        session.commit()


@pytest.fixture
def newbie(member):
    return member("newbie")


def test_a_new_user_starts_with_every_step_open(newbie, pod):
    assert user_row(pod, "newbie").getting_started is True

    page = newbie.get("/getting_started", status=200)

    assert states(page) == {"profile": False, "tags": False, "people": False, "post": False}
    assert texts(page, "[data-testid=steps-done]") == ["0 of 4"]
    assert page.forms["composer-form"]["text"].value == "#newhere "
    assert page.forms["composer-form"]["came_from"].value == "/getting_started"
    assert "/profile/edit" in page.text and 'action="http://localhost/search"' in page.text


def test_filling_the_profile_is_the_first_step(newbie):
    form = newbie.get("/profile/edit").forms["profile-form"]
    form["first_name"] = "Nina"
    form.submit(status=303)

    page = newbie.get("/getting_started")

    assert states(page)["profile"] is True
    assert states(page)["tags"] is False
    assert "Welcome to Seedpod, Nina!" in page.text


def test_following_a_suggested_tag_comes_back_here_done(pod, member, newbie):
    member("gardener")
    write(pod, "gardener", "Tomatoes! #gardening #summer")
    write(pod, "gardener", "Roses #gardening")
    write(pod, "gardener", "secret #hidden", visibility="all_aspects")

    page = newbie.get("/getting_started")
    assert texts(page, "[data-testid=tag-suggestions] a") == ["#gardening", "#summer"]  # most used first

    back = form_to(page, "/tags/gardening/follow").submit(status=303)

    assert back.location.endswith("/getting_started")
    page = back.follow()
    assert "You follow #gardening now." in page.text
    assert states(page)["tags"] is True
    assert texts(page, "[data-testid=tag-suggestions] a") == ["#summer"]


def test_spotlight_people_are_suggested_and_adding_someone_finds_people(pod, member, newbie):
    member("star", "spotlight")
    member("quiet")
    write(pod, "star", "Welcome, everyone! #newhere is how we say hello")
    write(pod, "star", "limited hello", visibility="all_aspects")

    page = newbie.get("/getting_started")
    assert texts(page, "[data-testid=spotlight-people] a") == ["star"]
    star = user_row(pod, "star")
    assert f'href="http://localhost/people/{star.person.guid}"' in page.text
    assert texts(page, "[data-testid=spotlight-posts] .post-text") == ["Welcome, everyone! #newhere is how we say hello"]
    assert states(page)["people"] is False

    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == "newbie"))
        AspectService(session, pod).set_aspects(user, session.get(Person, star.person.id), [user.aspects[0].id])
        session.commit()

    assert states(newbie.get("/getting_started"))["people"] is True


def test_a_first_post_with_newhere_through_the_composer(pod, newbie):
    page = newbie.get("/getting_started")
    form = page.forms["composer-form"]
    form["text"] = form["text"].value + "Hi, I'm Nina and I like bikes."
    form["visibility"] = "public"

    back = form.submit(status=303)

    assert back.location.endswith("/getting_started")
    page = back.follow()
    assert states(page) == {"profile": False, "tags": False, "people": False, "post": True}
    assert "composer-form" not in page.forms
    assert texts(page, "[data-testid=steps-done]") == ["1 of 4"]


def test_a_post_without_the_tag_does_not_count(pod, newbie):
    write(pod, "newbie", "just #bikes")
    assert states(newbie.get("/getting_started"))["post"] is False


def test_done_hides_the_steps_and_goes_to_the_stream(pod, newbie):
    page = newbie.get("/getting_started")

    done = form_to(page, "/getting_started/done").submit(status=303)

    assert done.location.endswith("/stream")
    assert user_row(pod, "newbie").getting_started is False
    again = newbie.get("/getting_started", status=303)
    assert again.location.endswith("/stream")


def test_done_needs_a_post_with_a_token_and_a_signed_in_user(pod, member, newbie):
    newbie.post("/getting_started/done", {"csrf_token": "nope"}, status=400)
    assert user_row(pod, "newbie").getting_started is True
    visitor = member(None)
    assert visitor.get("/getting_started", status=302).location.endswith("/users/sign_in?next=%2Fgetting_started")
    visitor.post("/getting_started/done", status="*")
    assert user_row(pod, "newbie").getting_started is True


def test_the_stream_links_to_the_steps_until_they_are_done(app):
    from core.testing import sign_up

    sign_up(app, "nina")

    stream = app.get("/stream")
    assert [link.get("href") for link in lxml.html.fromstring(stream.text).cssselect(
        "[data-testid=getting-started-link] a")] == ["/getting_started"]

    form_to(app.get("/getting_started"), "/getting_started/done").submit(status=303)

    assert "getting-started-link" not in app.get("/stream").text
