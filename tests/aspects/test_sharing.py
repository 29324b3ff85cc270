import sqlalchemy as sa

from core.aspects.models import AspectMembership, Contact
from core.notifications.models import Notification, NotificationActor

from core.testing import aspects_of, contact_flags, csrf, form_with_action, share


def started_sharing(pod, recipient: str):
    """(target_id, actor person ids) of each started_sharing notification of ``recipient``."""
    from core.accounts.models import User
    with pod.session_factory() as session:
        rows = session.scalars(sa.select(Notification).join(User, User.id == Notification.recipient_id)
                               .where(User.username == recipient, Notification.kind == "started_sharing")).all()
        return [(n.target_type, n.target_id, [a.person_id for a in n.actors]) for n in rows]


def test_adding_a_local_person_to_an_aspect_shares_with_them(people, person_of, pod):
    alice, bob = people("alice", "bob")
    bob_person, alice_person = person_of("bob"), person_of("alice")
    response = share(alice, bob_person, {"Friends"}, pod, "alice")
    assert response.status_int == 303
    assert "You share with bob now." in response.follow().text
    assert contact_flags(pod, "alice", "bob") == (False, True, ["Friends"])
    assert contact_flags(pod, "bob", "alice") == (True, False, [])
    assert started_sharing(pod, "bob") == [("Person", alice_person.id, [alice_person.id])]
    # Bob's page of Alice now says she shares with him.
    assert "alice shares with you." in bob.get(f"/people/{alice_person.guid}").text

    # More aspects: still sharing, no second notification.
    share(alice, bob_person, {"Friends", "Work"}, pod, "alice")
    assert contact_flags(pod, "alice", "bob") == (False, True, ["Friends", "Work"])
    assert len(started_sharing(pod, "bob")) == 1

    # Bob shares back: mutual on both sides.
    share(bob, alice_person, {"Family"}, pod, "bob")
    assert contact_flags(pod, "alice", "bob") == (True, True, ["Friends", "Work"])
    assert contact_flags(pod, "bob", "alice") == (True, True, ["Family"])
    assert len(started_sharing(pod, "alice")) == 1


def test_the_aspect_form_shows_current_memberships(people, person_of, pod):
    alice, _ = people("alice", "bob")
    bob_person = person_of("bob")
    share(alice, bob_person, {"Work"}, pod, "alice")
    form = form_with_action(alice.get(f"/people/{bob_person.guid}"), f"/people/{bob_person.guid}/aspects")
    ids = dict(aspects_of(pod, "alice"))
    checked = {ids[int(field._value)] for field in form.fields["aspect_ids"] if field.checked}
    assert checked == {"Work"}


def test_removing_from_every_aspect_stops_sharing_and_cleans_up(people, person_of, pod):
    alice, bob = people("alice", "bob")
    bob_person = person_of("bob")
    share(alice, bob_person, {"Friends"}, pod, "alice")
    response = share(alice, bob_person, set(), pod, "alice")
    assert "You no longer share with bob." in response.follow().text
    # Neither side has a flag left, so neither Contact row stays.
    assert contact_flags(pod, "alice", "bob") is None
    assert contact_flags(pod, "bob", "alice") is None


def test_stopping_keeps_the_other_direction(people, person_of, pod):
    alice, bob = people("alice", "bob")
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    share(bob, person_of("alice"), {"Friends"}, pod, "bob")
    share(alice, person_of("bob"), set(), pod, "alice")
    assert contact_flags(pod, "alice", "bob") == (True, False, [])
    assert contact_flags(pod, "bob", "alice") == (False, True, ["Friends"])
    # Sharing again notifies again: it started anew.
    share(alice, person_of("bob"), {"Work"}, pod, "alice")
    assert contact_flags(pod, "bob", "alice") == (True, True, ["Friends"])
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(NotificationActor)) == 2


def test_deleting_the_last_aspect_of_a_contact_stops_sharing(people, person_of, pod):
    alice, _ = people("alice", "bob")
    carol = people("carol")[0]
    share(alice, person_of("bob"), {"Work"}, pod, "alice")
    share(alice, person_of("carol"), {"Work", "Friends"}, pod, "alice")
    work_id = dict((n, i) for i, n in aspects_of(pod, "alice"))["Work"]
    form_with_action(alice.get("/contacts/aspects"), f"/contacts/aspects/{work_id}/delete").submit(status=303)
    assert contact_flags(pod, "alice", "bob") is None
    assert contact_flags(pod, "bob", "alice") is None
    assert contact_flags(pod, "alice", "carol") == (False, True, ["Friends"])
    assert contact_flags(pod, "carol", "alice") == (True, False, [])
    assert carol is not None


def test_bad_sharing_requests(people, person_of, pod):
    alice, bob = people("alice", "bob")
    token = csrf(alice)
    # An unknown person.
    alice.post("/people/no-such-guid/aspects", {"csrf_token": token, "aspect_ids": "1"}, status=404)
    # Oneself.
    me = person_of("alice")
    friends = dict((n, i) for i, n in aspects_of(pod, "alice"))["Friends"]
    response = alice.post(f"/people/{me.guid}/aspects", {"csrf_token": token, "aspect_ids": str(friends)}, status=400)
    assert "You can't add yourself to your aspects." in response.text
    # Someone else's aspect.
    bobs_aspect = aspects_of(pod, "bob")[0][0]
    response = alice.post(f"/people/{person_of('bob').guid}/aspects",
                          {"csrf_token": token, "aspect_ids": str(bobs_aspect)}, status=400)
    assert "That aspect doesn't exist." in response.text
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(AspectMembership)) == 0
    assert started_sharing(pod, "bob") == []


def test_visitors_cannot_change_aspects(app, people, person_of):
    people("bob")
    response = app.get(f"/people/{person_of('bob').guid}")
    assert not any(f.action.endswith("/aspects") for f in response.forms.values())
