"""The aspects, mentions, liked and commented streams."""
from __future__ import annotations

from .conftest import add_to_aspect, aspect_id, interact, person_id, post, remote_person, shown

from core.testing import sign_up


def test_the_aspects_stream_filters_by_the_chosen_aspects(app, people):
    pod = app.pod
    alice, bob, carol = (person_id(pod, n) for n in ("alice", "bob", "carol"))
    add_to_aspect(pod, "alice", bob, "Work")
    add_to_aspect(pod, "alice", carol, "Family")
    work, family = aspect_id(pod, "alice", "Work"), aspect_id(pod, "alice", "Family")
    from_bob = post(pod, bob, "bob at work", given_to=("alice",))
    from_carol = post(pod, carol, "carol at home", public=True)
    mine = post(pod, alice, "my public post", public=True)
    stranger = post(pod, remote_person(pod, "stranger"), "a stranger", public=True)

    assert shown(app.get("/aspects")) == [mine, from_carol, from_bob]
    assert shown(app.get(f"/aspects?a={work}")) == [mine, from_bob]
    assert shown(app.get(f"/aspects?a={family}")) == [mine, from_carol]
    assert shown(app.get(f"/aspects?a={work}&a={family}")) == [mine, from_carol, from_bob]
    assert stranger not in shown(app.get("/aspects"))

    toggles = app.get(f"/aspects?a={work}").html.select("[data-testid=aspect-toggles] input[type=checkbox]")
    assert [(box.parent.text.strip(), box.has_attr("checked")) for box in toggles] == [
        ("Family", False), ("Friends", False), ("Work", True), ("Acquaintances", False)]


def test_the_aspects_stream_refuses_aspects_that_are_not_yours(app, people):
    pod = app.pod
    bobs = aspect_id(pod, "bob", "Work")
    for query in (f"a={bobs}", "a=work", "a=999999"):
        page = app.get(f"/aspects?{query}", status=400)
        assert "Choose aspects from your own list." in page.text
        assert shown(page) == []


def test_mentions_show_the_posts_naming_you_that_you_may_see(app, people):
    pod = app.pod
    alice, bob = person_id(pod, "alice"), person_id(pod, "bob")
    public = post(pod, bob, "hi @alice", public=True, mentions=(alice,))
    given = post(pod, bob, "psst @alice", given_to=("alice",), mentions=(alice,))
    post(pod, bob, "talking about @alice behind her back", given_to=("carol",), mentions=(alice,))
    post(pod, bob, "hi @carol", public=True, mentions=(person_id(pod, "carol"),))
    post(pod, bob, "no mentions", public=True)
    assert shown(app.get("/mentions")) == [given, public]


def test_liked_and_commented_show_your_own_likes_and_comments(app, people):
    pod = app.pod
    alice, bob, carol = (person_id(pod, n) for n in ("alice", "bob", "carol"))
    first, second, third = (post(pod, bob, f"post {n}", public=True) for n in range(3))
    interact(pod, alice, first, "like")
    interact(pod, alice, second, "comment")
    interact(pod, carol, third, "like")
    interact(pod, carol, third, "comment")
    assert shown(app.get("/liked")) == [first]
    assert shown(app.get("/commented")) == [second]
    assert shown(people["carol"].get("/liked")) == [third]
    assert set(shown(app.get("/activity"))) == {first, second}


def test_personal_streams_need_sign_in_but_public_does_not(app):
    for url in ("/aspects", "/activity", "/mentions", "/followed_tags", "/liked", "/commented"):
        response = app.get(url)
        assert response.status_int == 302, url
        assert "/users/sign_in" in response.location
    page = app.get("/public")
    assert page.status_int == 200
    assert page.html.select_one("[data-testid=streams-menu]") is None
    sign_up(app, "alice")
    assert app.get("/public").html.select_one("[data-testid=composer]") is not None
