"""Retractions from other pods (PROTOCOL.md §9.18, §10.4, §11)."""
import sqlalchemy as sa

from core.federation.models import DONE, REJECTED, Delivery, RelayableXml
from core.posts.models import Comment, Photo, Post

from .conftest import compose, element, relayable
from .test_interactions import COMMENT, subscribe
from .test_posts import GUID, status_message


def retraction(author, target_guid, target_type):
    return element("retraction", author=author.diaspora_id, target_guid=target_guid, target_type=target_type)


def test_the_author_retracts_a_post_with_its_photos(inbox, local, zoe):
    local("alice")
    photo = element("photo", guid="b" * 32, author=zoe.diaspora_id, public=True,
                    remote_photo_path="https://remote.example/uploads/images/", remote_photo_name="abc.jpg")
    inbox.public(element("status_message", photo, author=zoe.diaspora_id, guid=GUID, public=True, text="x"), zoe)
    item = inbox.public(retraction(zoe, GUID, "Post"), zoe)
    assert (item.state, item.entity_type, item.entity_guid) == (DONE, "retraction", GUID)
    assert inbox.count(Post) == inbox.count(Photo) == 0


def test_someone_else_cannot_retract_a_post(inbox, local, zoe, yann):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    item = inbox.public(retraction(zoe, GUID, "Post"), yann)
    assert (item.state, item.reason) == (REJECTED, f"{yann.diaspora_id} may not retract Post {GUID}")
    assert inbox.count(Post) == 1


def test_an_unknown_target_is_rejected(inbox, zoe):
    item = inbox.public(retraction(zoe, GUID, "Post"), zoe)
    assert (item.state, item.reason) == (REJECTED, "target not found")


def test_a_retracted_comment_on_our_post_is_deleted_and_the_retraction_relayed(inbox, local, zoe, xena):
    alice_browser, _ = local("alice")
    guid = compose(alice_browser, "Our post")
    subscribe(inbox, xena, guid)
    inbox.public(relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid,
                           text="Oops"), zoe)
    item = inbox.public(retraction(zoe, COMMENT, "Comment"), zoe)
    assert item.state == DONE, item.reason
    assert inbox.count(Comment) == inbox.count(RelayableXml) == 0
    with inbox.pod.session_factory() as session:
        assert session.scalar(sa.select(Post.comments_count).where(Post.guid == guid)) == 0
    assert inbox.count(Delivery, Delivery.entity_type == "retraction") == 1


def test_the_root_author_may_retract_a_comment_on_their_post(inbox, local, zoe, yann):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    inbox.public(relayable("comment", yann.private_key_pem, author=yann.diaspora_id, guid=COMMENT, parent_guid=GUID,
                           text="Spam"), zoe)
    item = inbox.public(retraction(yann, COMMENT, "Comment"), zoe)
    assert item.state == DONE, item.reason
    assert inbox.count(Comment) == 0
