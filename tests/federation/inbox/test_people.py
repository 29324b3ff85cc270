"""People on other pods: sharing (contact), profiles, closed and moved accounts."""
import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person, Profile
from core.aspects.models import Contact
from core.federation.entities import account_migration_signed_string
from core.federation.models import DONE, REJECTED
from core.notifications.models import Notification
from core.posts.models import Comment, Photo, Post

from .conftest import compose, element, relayable, sign
from .test_posts import status_message


def contact(author, recipient, sharing=True, blocking=False):
    return element("contact", author=author.diaspora_id, recipient=recipient.diaspora_id, following=sharing,
                   sharing=sharing, blocking=blocking)


def test_starting_to_share_sets_the_flag_and_notifies(inbox, local, zoe):
    _, alice = local("alice")
    item = inbox.private(contact(zoe, alice), zoe, alice)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        row = session.scalar(sa.select(Contact).where(Contact.user_id == alice.user_id))
        assert (row.person_id, row.sharing, row.receiving) == (zoe.person_id, True, False)
        note = session.scalar(sa.select(Notification).where(Notification.recipient_id == alice.user_id))
        assert (note.kind, note.target_type, note.target_id) == ("started_sharing", "Person", zoe.person_id)
    inbox.private(contact(zoe, alice), zoe, alice)  # told again: still one notification
    assert inbox.count(Notification) == 1


def test_stopping_or_blocking_clears_the_flag(inbox, local, zoe):
    _, alice = local("alice")
    inbox.private(contact(zoe, alice), zoe, alice)
    item = inbox.private(contact(zoe, alice, sharing=False), zoe, alice)
    assert item.state == DONE, item.reason
    assert inbox.count(Contact) == 0
    inbox.private(contact(zoe, alice), zoe, alice)
    inbox.private(contact(zoe, alice, sharing=False, blocking=True), zoe, alice)
    assert inbox.count(Contact) == 0


def test_a_contact_for_someone_else_in_my_inbox_is_rejected(inbox, local, zoe):
    _, alice = local("alice")
    _, bob = local("bob")
    item = inbox.private(contact(zoe, bob), zoe, alice)
    assert (item.state, item.reason) == (REJECTED, f"a contact for {bob.diaspora_id} was sent to another user's inbox")
    assert inbox.count(Contact) == 0


def test_a_profile_overwrites_every_field(inbox, zoe):
    with inbox.pod.session_factory() as session:
        session.get(Profile, zoe.person_id).gender = "old"
        session.commit()
    xml = element("profile", author=zoe.diaspora_id, first_name="Zoé", last_name="Z",
                  image_url="https://remote.example/a.png", bio="Hi there", birthday="1990-02-03",
                  searchable=False, public=True, nsfw=True, tag_string="#one #two")
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        profile = session.get(Profile, zoe.person_id)
        assert (profile.first_name, profile.last_name, profile.image_url, profile.bio, profile.birthday,
                profile.gender, profile.searchable, profile.public_details, profile.nsfw, profile.tag_string) == (
            "Zoé", "Z", "https://remote.example/a.png", "Hi there", dt.date(1990, 2, 3), "", False, True, True,
            "#one #two")


def test_a_private_profile_without_details_may_come_publicly(inbox, zoe):
    item = inbox.public(element("profile", author=zoe.diaspora_id, first_name="Zed", public=False), zoe)
    assert item.state == DONE, item.reason


def test_an_account_deletion_closes_the_person_and_removes_their_content(inbox, local, zoe):
    alice_browser, alice = local("alice")
    inbox.public(status_message(zoe), zoe)
    guid = compose(alice_browser, "Our post")
    inbox.public(relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid="k" * 32, parent_guid=guid,
                           text="bye"), zoe)
    inbox.private(contact(zoe, alice), zoe, alice)
    inbox.public(element("photo", guid="b" * 32, author=zoe.diaspora_id, public=True,
                         remote_photo_path="https://remote.example/images/", remote_photo_name="a.jpg"), zoe)
    item = inbox.public(element("account_deletion", author=zoe.diaspora_id), zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        assert session.get(Person, zoe.person_id).closed_at is not None
        assert session.scalar(sa.select(Post.comments_count).where(Post.guid == guid)) == 0
    assert inbox.count(Post, Post.author_id == zoe.person_id) == 0
    assert inbox.count(Comment) == inbox.count(Contact) == inbox.count(Photo) == 0
    later = inbox.public(status_message(zoe, guid="9" * 32), zoe)
    assert (later.state, later.reason) == (REJECTED, f"the account of {zoe.diaspora_id} is closed")


def test_an_account_migration_moves_contacts_to_the_new_identity(inbox, local, zoe, yann):
    _, alice = local("alice")
    inbox.private(contact(zoe, alice), zoe, alice)
    signature = sign(yann.private_key_pem, account_migration_signed_string(zoe.diaspora_id, yann.diaspora_id))
    xml = element("account_migration", element("profile", author=yann.diaspora_id, first_name="Yann Z"),
                  author=zoe.diaspora_id, signature=signature, old_identity=zoe.diaspora_id)
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        assert session.get(Person, zoe.person_id).closed_at is not None
        assert session.scalar(sa.select(Contact.person_id).where(Contact.user_id == alice.user_id)) == yann.person_id
        assert session.get(Profile, yann.person_id).first_name == "Yann Z"


def test_an_account_migration_with_a_bad_signature_is_rejected(inbox, zoe, yann):
    signature = sign(zoe.private_key_pem, account_migration_signed_string(zoe.diaspora_id, yann.diaspora_id))
    xml = element("account_migration", element("profile", author=yann.diaspora_id, first_name="Y"),
                  author=zoe.diaspora_id, signature=signature, old_identity=zoe.diaspora_id)
    item = inbox.public(xml, zoe)
    assert (item.state, item.reason) == (REJECTED, f"account_migration: signature of {yann.diaspora_id} does not verify")
    with inbox.pod.session_factory() as session:
        assert session.get(Person, zoe.person_id).closed_at is None
