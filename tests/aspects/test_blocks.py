import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.notifications.models import Notification
from core.posts.models import Post

from core.testing import block_count, contact_flags, csrf, form_with_action, share


def block(browser, person):
    page = browser.get(f"/people/{person.guid}")
    return form_with_action(page, f"/people/{person.guid}/block").submit(status="*")


def test_blocking_stops_sharing_both_ways_and_reads_their_notifications(people, person_of, pod):
    alice, bob = people("alice", "bob")
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    share(bob, person_of("alice"), {"Work"}, pod, "bob")
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(Notification.unread.is_(True))) == 2

    response = block(alice, person_of("bob"))
    assert response.status_int == 303
    assert "You blocked bob" in response.follow().text
    assert block_count(pod) == 1
    assert contact_flags(pod, "alice", "bob") is None
    assert contact_flags(pod, "bob", "alice") is None
    alice_person = person_of("alice")
    with pod.session_factory() as session:
        unread = session.scalars(sa.select(Notification.recipient_id).where(Notification.unread.is_(True))).all()
    # Alice's notification from Bob is read; Bob's from Alice is untouched.
    assert unread == [person_of("bob").user_id]
    assert alice_person is not None


def test_a_blocked_pair_cannot_share(people, person_of, pod):
    alice, bob = people("alice", "bob")
    block(alice, person_of("bob"))
    # Bob can't put Alice in an aspect: she blocked him.
    response = share(bob, person_of("alice"), {"Friends"}, pod, "bob")
    assert response.status_int == 400
    assert "You can't share with someone you blocked or who blocked you." in response.text
    assert contact_flags(pod, "bob", "alice") is None
    # Alice's page of Bob offers no aspect form, only Unblock.
    page = alice.get(f"/people/{person_of('bob').guid}")
    assert not any(f.action.endswith("/aspects") for f in page.forms.values())
    assert page.html.select_one("[data-testid=blocked-notice]") is not None


def test_blocked_peoples_posts_vanish_from_their_page(people, person_of, pod):
    alice, bob = people("alice", "bob")
    with pod.session_factory() as session:
        session.add(Post(guid=new_guid(), author_id=person_of("bob").id, public=True, text="Bob speaks"))
        session.commit()
    guid = person_of("bob").guid
    assert "Bob speaks" in alice.get(f"/people/{guid}").text
    block(alice, person_of("bob"))
    page = alice.get(f"/people/{guid}")
    assert "Bob speaks" not in page.text
    assert page.html.select("[data-testid=post]") == []


def test_blocks_page_and_unblocking(people, person_of, pod):
    alice, _ = people("alice", "bob")
    assert "You haven't blocked anyone." in alice.get("/user/blocks").text
    block(alice, person_of("bob"))
    page = alice.get("/user/blocks")
    assert "bob@pod.test" in page.html.select_one("[data-testid=blocked-people]").text
    response = form_with_action(page, f"/people/{person_of('bob').guid}/unblock").submit()
    assert response.location.endswith("/user/blocks")
    assert "You unblocked bob." in response.follow().text
    assert block_count(pod) == 0
    # The blocks page is linked from the account settings.
    assert "/user/blocks" in [a["href"].replace("http://localhost", "") for a in
                              alice.get("/user/edit").html.select(".settings-menu a")]


def test_bad_block_requests(people, person_of, pod):
    alice, _ = people("alice", "bob")
    token = csrf(alice)
    alice.post("/people/nobody/block", {"csrf_token": token}, status=404)
    alice.post("/people/nobody/unblock", {"csrf_token": token}, status=404)
    response = alice.post(f"/people/{person_of('alice').guid}/block", {"csrf_token": token}, status=400)
    assert "You can't block yourself." in response.text
    assert block_count(pod) == 0
