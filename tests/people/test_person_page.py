import datetime as dt

import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.posts.models import Post, ShareVisibility

from core.testing import share


def add_posts(pod, author, count, public=True, start=None, given_to=()):
    """``count`` posts by ``author``, a minute apart, oldest first; returns their texts."""
    start = start or dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    texts = []
    with pod.session_factory() as session:
        for n in range(count):
            text = f"{author.username} post {n:02d}{'' if public else ' (limited)'}"
            post = Post(guid=new_guid(), author_id=author.id, public=public, text=text,
                        created_at=start + dt.timedelta(minutes=n), interacted_at=start)
            session.add(post)
            session.flush()
            for user_id in given_to:
                session.add(ShareVisibility(post_id=post.id, user_id=user_id))
            texts.append(text)
        session.commit()
    return texts


def post_texts(page):
    return [el.select_one(".post-text").text.strip() for el in page.html.select("[data-testid=post]")]


def test_person_page_by_guid_and_username(people, person_of, app):
    people("alice")
    alice = person_of("alice")
    by_guid = app.get(f"/people/{alice.guid}")
    by_name = app.get("/u/alice")
    assert by_guid.html.select_one("[data-testid=diaspora-id]").text == "alice@pod.test"
    assert by_name.html.select_one("h1").text == by_guid.html.select_one("h1").text == "alice"
    assert by_guid.html.select_one(".avatar.placeholder") is not None  # no avatar yet
    app.get("/people/unknown-guid", status=404)
    app.get("/u/nobody", status=404)
    # A visitor gets neither aspect form nor block button.
    assert not any(f.action.endswith(("/aspects", "/block")) for f in by_guid.forms.values())


def test_posts_newest_first_with_older_pages(people, person_of, app):
    people("alice")
    alice = person_of("alice")
    texts = add_posts(app.pod, alice, 20)
    first = app.get(f"/people/{alice.guid}")
    assert post_texts(first) == list(reversed(texts))[:15]
    older = first.click("Older posts")
    assert post_texts(older) == list(reversed(texts))[15:]
    assert older.html.select_one("[data-testid=older-posts]") is None
    # The /u/ page pages the same way.
    assert post_texts(app.get("/u/alice").click("Older posts")) == list(reversed(texts))[15:]


def test_a_bad_cursor_is_a_clear_400(people, person_of, app):
    people("alice")
    response = app.get(f"/people/{person_of('alice').guid}?max=nonsense", status=400)
    assert "That link to older posts is broken" in response.text
    app.get("/u/alice?max=12_x", status=400)


def test_limited_posts_only_for_those_given_them(people, person_of, pod, app):
    alice_browser, bob, carol = people("alice", "bob", "carol")
    alice = person_of("alice")
    public = add_posts(pod, alice, 1)
    limited = add_posts(pod, alice, 1, public=False, start=dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc),
                        given_to=[person_of("bob").user_id])
    assert post_texts(app.get(f"/people/{alice.guid}")) == public
    assert post_texts(carol.get(f"/people/{alice.guid}")) == public
    assert post_texts(bob.get(f"/people/{alice.guid}")) == limited + public
    assert post_texts(alice_browser.get(f"/people/{alice.guid}")) == limited + public


def test_signed_in_viewers_get_the_aspect_form_and_block_button(people, person_of, pod):
    alice, bob = people("alice", "bob")
    page = alice.get(f"/people/{person_of('bob').guid}")
    form = next(f for f in page.forms.values() if f.action.endswith("/aspects"))
    labels = [label.text.strip() for label in page.html.select("[data-testid=aspect-membership] label")]
    assert labels == ["Family", "Friends", "Work", "Acquaintances"]
    assert not any(field.checked for field in form.fields["aspect_ids"])
    assert any(f.action.endswith("/block") for f in page.forms.values())
    # Nobody gets them on their own page.
    own = alice.get(f"/people/{person_of('alice').guid}")
    assert not any(f.action.endswith(("/aspects", "/block")) for f in own.forms.values())
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    assert "You share with bob now." in alice.get(f"/people/{person_of('bob').guid}").text


def test_the_header_name_links_to_ones_own_page(people, person_of):
    alice, = people("alice")
    page = alice.get("/stream")
    link = next(a for a in page.html.select(".site-nav a") if a.text.strip() == "alice")
    assert link["href"].endswith(f"/people/{person_of('alice').guid}")


def test_the_person_page_queries_are_bounded(people, person_of, pod):
    # Many posts still render in a single page of 15.
    alice, = people("alice")
    add_posts(pod, person_of("alice"), 40)
    assert len(post_texts(alice.get(f"/people/{person_of('alice').guid}"))) == 15
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 40


def test_people_who_share_with_you_can_be_written_to_from_their_page(people, person_of, pod):
    alice, bob = people("alice", "bob")
    alice_person, bob_person = person_of("alice"), person_of("bob")
    page = alice.get(f"/people/{bob_person.guid}")
    assert 'data-testid="write-message"' not in page.text  # bob doesn't share with alice yet
    assert share(bob, alice_person, {"Friends"}, pod, "bob").status_int in (302, 303)
    page = alice.get(f"/people/{bob_person.guid}")
    link = page.click(linkid=None, href=f"/conversations/new\\?person={bob_person.guid}")
    assert link.status_int == 200
    assert "bob" in link.text


def test_a_closed_account_says_so_and_offers_nothing_to_do(people, person_of, pod):
    from core.accounts.closing import close_account
    from core.accounts.models import User

    alice, _ = people("alice", "bob")
    with pod.session_factory() as session:
        close_account(session, pod, session.scalar(sa.select(User).where(User.username == "bob")), None)
        session.commit()
    page = alice.get(f"/people/{person_of('bob').guid}")
    assert "This account was closed." in page.text
    assert not any(f.action.endswith(("/aspects", "/block")) for f in page.forms.values())
    assert "This account was closed." not in alice.get(f"/people/{person_of('alice').guid}").text
