"""Closing a remote account on this pod only, from /admin/pods: what they left here is removed,
their profile blanked, search no longer finds them, and nothing more from them is accepted,
whatever their own pod says later."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.models import Person, Profile
from core.federation.discovery import find_or_fetch_person
from core.federation.models import DONE, REJECTED
from core.posts.models import Comment, Like, Photo, Post
from tests.federation.fake_peer import FakePeer, make_federation_package_importable
from tests.federation.inbox.conftest import Inbox, public_post, compose, element, relayable, store_remote

make_federation_package_importable()

ALICE_POST_COMMENT = "c1" * 16
ZOE_POST = "a1" * 16


@pytest.fixture
def peer():
    peer = FakePeer("zoe").start()
    yield peer
    peer.stop()


@pytest.fixture
def inbox(app, pod) -> Inbox:
    return Inbox(app, pod)


def content_of(inbox, person_id: int) -> dict:
    return {"posts": inbox.count(Post, Post.author_id == person_id),
            "comments": inbox.count(Comment, Comment.author_id == person_id),
            "likes": inbox.count(Like, Like.author_id == person_id),
            "photos": inbox.count(Photo, Photo.author_id == person_id)}


@pytest.fixture
def world(pod, member, inbox, peer):
    """Alice (local) posted; Zoe (remote) posted, commented and liked Alice's post, and has a
    photo here; Yann is on Zoe's pod too. Returns (admin, alice, alice's post guid, zoe, yann)."""
    admin = member("podmin", "admin")
    alice = member("alice")
    alice_post = compose(alice, "Alice's post")
    zoe = store_remote(pod, peer.person, peer.host)
    yann = store_remote(pod, peer.add_person("yann"), peer.host)
    assert inbox.public(public_post(zoe, ZOE_POST), zoe).state == DONE
    for xml in (relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=ALICE_POST_COMMENT,
                          parent_guid=alice_post, text="Nice one"),
                relayable("like", zoe.private_key_pem, author=zoe.diaspora_id, guid="l1" * 16,
                          parent_guid=alice_post, parent_type="Post", positive=True)):
        item = inbox.public(xml, zoe)
        assert item.state == DONE, item.reason
    with pod.session_factory() as session:
        session.add(Photo(guid="p1" * 16, author_id=zoe.person_id, file_name="zoe.jpg",
                          remote_photo_path=f"{peer.url}/uploads/zoe.jpg", pending=False, public=True))
        session.commit()
    assert content_of(inbox, zoe.person_id) == {"posts": 1, "comments": 1, "likes": 1, "photos": 1}
    peer.requests.clear()
    return admin, alice, alice_post, zoe, yann


def confirm_form(page):
    return next(f for f in page.forms.values() if "/admin/people/" in f.action)


def test_an_admin_closes_a_remote_account_and_all_it_left_here_goes(world, inbox, pod, peer):
    admin, alice, alice_post, zoe, _yann = world
    page = admin.get("/admin/pods")
    lookup = page.forms["close-lookup"]
    lookup["close"] = f"  {zoe.diaspora_id.upper()} "
    page = lookup.submit()
    card = page.html.find(attrs={"data-testid": "close-confirm"}).text
    assert zoe.diaspora_id in card and "1 posts, 1 comments" in " ".join(card.split())

    # Without the confirmation nothing happens.
    answer = confirm_form(page).submit()
    assert answer.status_int == 303 and "close=" in answer.location
    assert "Tick the box to confirm" in answer.follow().text
    assert content_of(inbox, zoe.person_id)["posts"] == 1

    form = confirm_form(page)
    form["confirm"] = True
    answer = form.submit()
    assert answer.status_int == 303 and answer.location.endswith("/admin/pods")
    page = answer.follow()
    assert f"Closed {zoe.diaspora_id} on this pod" in page.text
    assert zoe.diaspora_id in page.html.find(attrs={"data-testid": "closed-accounts"}).text

    assert content_of(inbox, zoe.person_id) == {"posts": 0, "comments": 0, "likes": 0, "photos": 0}
    with pod.session_factory() as session:
        person = session.get(Person, zoe.person_id)
        assert person.closed_locally and person.closed_at is not None
        profile = session.get(Profile, zoe.person_id)
        assert (profile.first_name, profile.last_name, profile.searchable, profile.image_url) == ("", "", False, None)
        post = session.scalar(sa.select(Post).where(Post.guid == alice_post))
        assert (post.comments_count, post.likes_count) == (0, 0)  # Alice's post stays, without Zoe
    for query in (zoe.diaspora_id, "Zoe"):
        found = alice.get("/search", params={"q": query})
        assert found.html.find(attrs={"data-testid": "person-result"}) is None
    assert "Nice one" not in alice.get(f"/posts/{alice_post}").text
    assert peer.requests == []  # their pod is not told, nor asked


def test_nothing_more_from_a_locally_closed_account_is_accepted(world, inbox, pod, peer):
    from core.federation.moderation import close_remote_person

    _admin, _alice, alice_post, zoe, yann = world
    assert inbox.public(public_post(yann, "b2" * 16), yann).state == DONE
    with pod.session_factory() as session:
        close_remote_person(session, zoe.person_id)
        session.commit()
    reason = f"the account {zoe.diaspora_id} is closed on this pod"

    item = inbox.public(public_post(zoe, "a2" * 16), zoe)
    assert (item.state, item.reason, item.body) == (REJECTED, reason, b"")
    item = inbox.public(element("profile", author=zoe.diaspora_id, first_name="Zoe", last_name="Again",
                                searchable=True), zoe)
    assert (item.state, item.reason) == (REJECTED, reason)
    # Relayed by someone else: Zoe's comment on Yann's post, sent by Yann.
    item = inbox.public(relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid="c2" * 16,
                                  parent_guid="b2" * 16, text="still here"), yann)
    assert (item.state, item.reason) == (REJECTED, reason)
    assert content_of(inbox, zoe.person_id) == {"posts": 0, "comments": 0, "likes": 0, "photos": 0}

    # A later discovery refresh does not bring the profile back.
    with pod.session_factory() as session:
        person = find_or_fetch_person(session, pod, zoe.diaspora_id, refresh=True)
        session.commit()
        assert person.closed_locally and person.profile.first_name == ""
    assert [r for r in peer.requests if r.startswith("GET")] == []  # no WebFinger, no hCard
    assert inbox.public(public_post(yann, "b3" * 16), yann).state == DONE  # others of the pod still talk


def test_bad_input_closes_nothing(world, inbox, pod):
    admin, alice, alice_post, zoe, _yann = world
    for query, status, message in (("not an id", 400, "is not a diaspora* ID"),
                                   ("nobody@nowhere.example", 404, "Nobody called nobody@nowhere.example"),
                                   (f"alice@{pod.host}", 400, "has an account on this pod")):
        page = admin.get("/admin/pods", params={"close": query}, status=status)
        assert message in page.html.find(attrs={"data-testid": "close-error"}).text
        assert page.html.find(attrs={"data-testid": "close-confirm"}) is None
    token = next(f for f in admin.get("/admin/pods").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
    with pod.session_factory() as session:
        alice_guid = session.scalar(sa.select(Person.guid).where(Person.diaspora_id == f"alice@{pod.host}"))
    for guid, message in (("nosuchguid", "There is no such person"), ("g" * 300, "There is no such person"),
                          (alice_guid, "has an account on this pod: lock or close it instead. Nothing was closed.")):
        answer = admin.post(f"/admin/people/{guid}/close", {"csrf_token": token, "confirm": "yes"})
        assert answer.status_int == 303 and message in answer.follow().text
    assert admin.post(f"/admin/people/{zoe.guid}/close", {"confirm": "yes"}, status="*").status_int == 400
    assert content_of(inbox, zoe.person_id) == {"posts": 1, "comments": 1, "likes": 1, "photos": 1}
    with pod.session_factory() as session:
        assert not session.scalars(sa.select(Person).where(Person.closed_locally.is_(True))).all()
        assert session.scalar(sa.select(Post.id).where(Post.guid == alice_post)) is not None


def test_only_admins_close_remote_accounts(world, inbox, member):
    _admin, _alice, _post, zoe, _yann = world
    for name, roles in (("mod", ("moderator",)), ("bob", ())):
        browser = member(name, *roles)
        token = next(f for f in browser.get("/stream").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
        answer = browser.post(f"/admin/people/{zoe.guid}/close", {"csrf_token": token, "confirm": "yes"}, status="*")
        assert answer.status_int == 403
    visitor = member(None).post(f"/admin/people/{zoe.guid}/close", {"confirm": "yes"}, status="*")
    assert visitor.status_int in (302, 303) and "/users/sign_in" in visitor.location
    answer = member(None).get("/admin/pods", params={"close": zoe.diaspora_id}, status="*")
    assert answer.status_int in (302, 303) and "/users/sign_in?next=" in answer.location
    assert content_of(inbox, zoe.person_id)["posts"] == 1
