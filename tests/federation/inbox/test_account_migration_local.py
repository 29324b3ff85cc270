"""account_migration of an account of this pod: its owner imported their archive on another pod,
and the new identity sends the move, signed with the old account's key (PROTOCOL.md §9.2)."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person, User, UserSession
from core.aspects.models import Aspect, AspectMembership, Contact
from core.events.models import Event
from core.federation.entities import account_migration_signed_string
from core.federation.models import DONE, REJECTED
from core.testing import sign_in

from .conftest import element, sign


def put_in_aspect(pod, user_id: int, person_id: int, aspect: str, sharing=True):
    with pod.session_factory() as session:
        row = Contact(user_id=user_id, person_id=person_id, sharing=sharing, receiving=True)
        session.add(row)
        session.flush()
        aspect_id = session.scalar(sa.select(Aspect.id).where(Aspect.user_id == user_id, Aspect.name == aspect))
        session.add(AspectMembership(aspect_id=aspect_id, contact_id=row.id))
        session.commit()


def private_key_of(pod, person) -> str:
    with pod.session_factory() as session:
        return session.get(User, person.user_id).private_key_pem


def migration(old_id: str, new_id: str, signature: str | None, author: str | None = None) -> str:
    return element("account_migration", element("profile", author=new_id, first_name="Alice", last_name="Moved"),
                   author=author or new_id, signature=signature, old_identity=old_id)


def test_a_local_account_moved_elsewhere_is_locked_and_its_contacts_follow(inbox, local, zoe, new_browser):
    alice_browser, alice = local("alice")
    _, bob = local("bob")
    put_in_aspect(inbox.pod, bob.user_id, alice.id, "Friends")
    signature = sign(private_key_of(inbox.pod, alice), account_migration_signed_string(alice.diaspora_id,
                                                                                        zoe.diaspora_id))
    item = inbox.public(migration(alice.diaspora_id, zoe.diaspora_id, signature), zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        # Bob's contact now points at the new identity, in the same aspect.
        row = session.scalar(sa.select(Contact).where(Contact.user_id == bob.user_id))
        assert (row.person_id, row.sharing, row.receiving) == (zoe.person_id, True, True)
        assert [m.aspect.name for m in row.memberships] == ["Friends"]
        assert session.get(Person, zoe.person_id).profile.last_name == "Moved"
        # The old account is closed and locked, signed out everywhere.
        user = session.get(User, alice.user_id)
        assert user.locked_at is not None and session.get(Person, alice.id).closed_at is not None
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.user_id == alice.user_id)) == 0
        # Bob's pod tells the new identity that Bob shares with it.
        changed = [e.payload for e in session.scalars(sa.select(Event).where(Event.name == "contact_changed"))]
        assert changed == [{"user_id": bob.user_id, "person_id": zoe.person_id, "sharing": True, "blocking": False}]
        moved = [e.payload for e in session.scalars(sa.select(Event).where(Event.name == "account_migrated"))]
        assert moved == [{"person_id": zoe.person_id, "old_diaspora_id": alice.diaspora_id}]
    assert "Sign out (alice)" not in alice_browser.get("/stream", status="*").text
    refused = sign_in(new_browser(), "alice", "correct horse battery")
    assert refused.status_int != 303 and "locked" in refused.text
    # Told again: nothing changes.
    again = inbox.public(migration(alice.diaspora_id, zoe.diaspora_id, signature), zoe)
    assert again.state in (DONE, REJECTED)
    assert inbox.count(Event, Event.name == "contact_changed") == 1
    assert inbox.count(Event, Event.name == "account_migrated") == 1


def test_a_move_of_a_local_account_signed_with_another_key_is_rejected(inbox, local, zoe, yann):
    _, alice = local("alice")
    _, bob = local("bob")
    put_in_aspect(inbox.pod, bob.user_id, alice.id, "Friends")
    for signer in (zoe.private_key_pem, yann.private_key_pem):
        signature = sign(signer, account_migration_signed_string(alice.diaspora_id, zoe.diaspora_id))
        item = inbox.public(migration(alice.diaspora_id, zoe.diaspora_id, signature), zoe)
        assert (item.state, item.reason) == (
            REJECTED, f"account_migration: signature of {alice.diaspora_id} does not verify")
    item = inbox.public(migration(alice.diaspora_id, zoe.diaspora_id, None), zoe)
    assert (item.state, item.reason) == (REJECTED, "account_migration: signature is missing")
    with inbox.pod.session_factory() as session:
        assert session.get(User, alice.user_id).locked_at is None
        assert session.get(Person, alice.id).closed_at is None
        assert session.scalar(sa.select(Contact.person_id).where(Contact.user_id == bob.user_id)) == alice.id
        assert session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_a_signature_over_other_identities_is_rejected(inbox, local, zoe, yann):
    """Alice's key signed a move to yann; replayed as a move to zoe, it doesn't verify."""
    _, alice = local("alice")
    signature = sign(private_key_of(inbox.pod, alice), account_migration_signed_string(alice.diaspora_id,
                                                                                        yann.diaspora_id))
    item = inbox.public(migration(alice.diaspora_id, zoe.diaspora_id, signature), zoe)
    assert item.state == REJECTED
    with inbox.pod.session_factory() as session:
        assert session.get(User, alice.user_id).locked_at is None


def test_a_move_of_a_local_account_claimed_by_the_old_identity_is_rejected(inbox, local, zoe):
    """Only the new identity sends the move of one of our accounts: our account never sends from outside."""
    _, alice = local("alice")
    signature = sign(zoe.private_key_pem, account_migration_signed_string(alice.diaspora_id, zoe.diaspora_id))
    xml = migration(alice.diaspora_id, zoe.diaspora_id, signature, author=zoe.diaspora_id)
    # zoe writes herself as the old identity's mover but names alice as author: refused as not the signer.
    xml = xml.replace(f"<author>{zoe.diaspora_id}</author>", f"<author>{alice.diaspora_id}</author>", 1)
    item = inbox.public(xml, zoe)
    assert item.state == REJECTED
    with inbox.pod.session_factory() as session:
        assert session.get(User, alice.user_id).locked_at is None


def test_a_move_to_a_local_account_is_rejected(inbox, local, zoe):
    _, alice = local("alice")
    signature = sign(alice_key := private_key_of(inbox.pod, alice),
                     account_migration_signed_string(zoe.diaspora_id, alice.diaspora_id))
    assert alice_key
    item = inbox.public(migration(zoe.diaspora_id, alice.diaspora_id, signature, author=zoe.diaspora_id), zoe)
    assert (item.state, item.reason) == (REJECTED, "account_migration to a local account")
    with inbox.pod.session_factory() as session:
        assert session.get(Person, zoe.person_id).closed_at is None


def test_our_users_who_shared_with_a_moved_remote_account_tell_its_new_identity(inbox, local, zoe, yann):
    """As diaspora* does after a move: each user sharing with the old identity sends a contact to the new one."""
    _, alice = local("alice")
    put_in_aspect(inbox.pod, alice.user_id, zoe.person_id, "Work", sharing=False)
    signature = sign(yann.private_key_pem, account_migration_signed_string(zoe.diaspora_id, yann.diaspora_id))
    item = inbox.public(migration(zoe.diaspora_id, yann.diaspora_id, signature, author=zoe.diaspora_id), zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        row = session.scalar(sa.select(Contact).where(Contact.user_id == alice.user_id))
        assert (row.person_id, row.receiving, [m.aspect.name for m in row.memberships]) == (
            yann.person_id, True, ["Work"])
        changed = [e.payload for e in session.scalars(sa.select(Event).where(Event.name == "contact_changed"))]
        assert changed == [{"user_id": alice.user_id, "person_id": yann.person_id, "sharing": True,
                            "blocking": False}]
