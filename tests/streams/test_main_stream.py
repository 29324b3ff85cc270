"""/stream: who sees what. Alice shares with Bob (he is in her Friends aspect); Carol is a
stranger to her; Dave has the pod's spotlight role."""
from __future__ import annotations

from .conftest import add_to_aspect, block, form_to, grant, hide, person_id, post, shown, user

from core.testing import sign_up

STREAMS = ("/stream", "/aspects", "/activity", "/mentions", "/followed_tags", "/public", "/liked", "/commented",
           "/tags/cats")


def everywhere(app) -> set[str]:
    return {guid for url in STREAMS for guid in shown(app.get(url))}


def test_the_stream_needs_sign_in(app):
    response = app.get("/stream")
    assert response.status_int == 302
    assert "/users/sign_in" in response.location


def test_the_welcome_names_the_new_users_diaspora_id(app):
    sign_up(app, "alice")
    page = app.get("/stream")
    assert "alice@pod.test" in page.text
    assert page.html.select_one("[data-testid=stream-empty]") is not None
    assert page.html.select_one("[data-testid=composer]") is not None
    menu = [a["href"] for a in page.html.select("[data-testid=streams-menu] a")]
    assert menu == ["/stream", "/aspects", "/activity", "/mentions", "/followed_tags", "/liked", "/commented",
                    "/public"]


def test_the_stream_gathers_aspects_tags_mentions_own_and_spotlight_posts(app, people, new_browser):
    pod = app.pod
    alice, bob, carol = (person_id(pod, n) for n in ("alice", "bob", "carol"))
    dave_browser = new_browser()
    sign_up(dave_browser, "dave")
    grant(pod, "dave", "spotlight")
    dave = person_id(pod, "dave")
    add_to_aspect(pod, "alice", bob)
    form_to(app.get("/tags/cats"), "/tags/cats/follow").submit()

    expected = {
        post(pod, alice, "my own limited note"),
        post(pod, bob, "bob in public", public=True),
        post(pod, bob, "bob to alice", given_to=("alice",)),
        post(pod, carol, "carol about #cats", public=True, tags=("cats",)),
        post(pod, carol, "carol mentions alice", public=True, mentions=(alice,)),
        post(pod, dave, "spotlight news", public=True),
    }
    strangers_public = post(pod, carol, "carol's unrelated public post", public=True)
    not_given_to_alice = {
        post(pod, bob, "bob to carol only", given_to=("carol",)),
        post(pod, carol, "carol's limited #cats to bob", given_to=("bob",), tags=("cats",)),
        post(pod, carol, "carol mentions alice but tells only bob", given_to=("bob",), mentions=(alice,)),
        post(pod, dave, "spotlight people's limited posts stay limited", given_to=("bob",)),
    }
    assert set(shown(app.get("/stream"))) == expected
    assert not not_given_to_alice & everywhere(app)
    assert strangers_public in shown(app.get("/public"))


def test_a_stream_is_newest_first(app, people):
    pod = app.pod
    add_to_aspect(pod, "alice", person_id(pod, "bob"))
    guids = [post(pod, person_id(pod, "bob"), f"post {n}", public=True) for n in range(5)]
    assert shown(app.get("/stream")) == list(reversed(guids))


def test_a_limited_post_reaches_only_the_people_it_was_given_to(app, people):
    pod = app.pod
    bob = person_id(pod, "bob")
    add_to_aspect(pod, "alice", bob)
    add_to_aspect(pod, "carol", bob)
    secret = post(pod, bob, "for carol's eyes #cats", given_to=("carol",), tags=("cats",),
                  mentions=(person_id(pod, "alice"),))
    assert secret not in everywhere(app)
    assert secret in shown(people["carol"].get("/stream"))
    assert secret in shown(people["bob"].get("/stream"))  # the author's own


def test_hidden_posts_leave_the_streams(app, people):
    pod = app.pod
    bob = person_id(pod, "bob")
    add_to_aspect(pod, "alice", bob)
    hidden = post(pod, bob, "hide me #cats", public=True, tags=("cats",), mentions=(person_id(pod, "alice"),))
    kept = post(pod, bob, "keep me", public=True)
    assert hidden in everywhere(app)
    hide(pod, "alice", hidden)
    assert hidden not in everywhere(app)
    assert kept in shown(app.get("/stream"))
    assert hidden in shown(people["carol"].get("/public"))  # hidden for Alice alone


def test_blocked_peoples_posts_leave_every_stream(app, people):
    pod = app.pod
    bob = person_id(pod, "bob")
    add_to_aspect(pod, "alice", bob)
    posts = {post(pod, bob, "public #cats", public=True, tags=("cats",)),
             post(pod, bob, "to alice", given_to=("alice",), mentions=(person_id(pod, "alice"),))}
    assert posts <= everywhere(app)
    block(pod, "alice", bob)
    assert not posts & everywhere(app)
    assert user(pod, "alice").id  # Alice's own account is untouched
