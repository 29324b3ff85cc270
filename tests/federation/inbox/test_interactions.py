"""Comments, likes, votes and participations from other pods, on our posts and on theirs."""
import sqlalchemy as sa

from core.events.models import Event
from core.federation.models import DONE, REJECTED, Delivery, RelayableXml
from core.notifications.models import Notification
from core.posts.models import Comment, Like, Participation, PollAnswer, PollParticipation, Post

from .conftest import compose, element, relayable
from .test_posts import GUID, status_message

COMMENT = "c0mment0000000000000000000000001"


def subscribe(inbox, who, post_guid):
    """``who`` tells us they take part in our post, so interactions get relayed to their pod."""
    item = inbox.public(element("participation", author=who.diaspora_id, guid=who.guid[:16] + "p" * 16,
                                parent_guid=post_guid, parent_type="Post"), who)
    assert item.state == DONE, item.reason


def test_a_comment_on_our_post_is_stored_notified_and_relayed(inbox, local, zoe, xena, other_peer):
    alice_browser, alice = local("alice")
    guid = compose(alice_browser, "Our post")
    subscribe(inbox, xena, guid)
    xml = relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid,
                    text="Nice one", created_at="2026-11-03T10:00:00Z", thread_parent_guid="x" * 16)
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        post = session.scalar(sa.select(Post).where(Post.guid == guid))
        comment = session.scalar(sa.select(Comment).where(Comment.guid == COMMENT))
        assert (comment.text, comment.author_id, post.comments_count) == ("Nice one", zoe.person_id, 1)
        kept = session.scalar(sa.select(RelayableXml.xml).where(RelayableXml.guid == COMMENT))
        assert kept == xml  # the author's exact XML, unknown element and signature included
        assert session.scalar(sa.select(Notification.kind).where(Notification.recipient_id == alice.user_id)) \
            == "comment_on_post"
        assert session.scalar(sa.select(Participation.id).where(
            Participation.post_id == post.id, Participation.person_id == zoe.person_id)) is not None
        relays = session.scalars(sa.select(Delivery).where(Delivery.entity_type == "comment")).all()
        assert [(r.pod_id, r.private) for r in relays] == [(_pod_id(session, xena), False)]
    assert ("public", "comment", COMMENT, zoe.diaspora_id) in [e[:4] for e in other_peer.entities()]
    assert "Nice one" in alice_browser.get(f"/posts/{guid}").text
    # Applying is not a local action: no event, so nothing is sent twice.
    assert inbox.count(Event, Event.name == "comment_created") == 0


def test_a_like_of_a_comment_on_our_post(inbox, local, zoe, yann):
    alice_browser, alice = local("alice")
    guid = compose(alice_browser, "Our post")
    inbox.public(relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid,
                           text="Nice one"), zoe)
    xml = relayable("like", yann.private_key_pem, author=yann.diaspora_id, guid="l" * 32, parent_guid=COMMENT,
                    parent_type="Comment", positive=True)
    item = inbox.public(xml, yann)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        comment = session.scalar(sa.select(Comment).where(Comment.guid == COMMENT))
        like = session.scalar(sa.select(Like))
        assert (like.target_type, like.comment_id, like.post_id, comment.likes_count) == ("Comment", comment.id, None, 1)


def _pod_id(session, remote):
    from core.accounts.models import Person

    return session.get(Person, remote.person_id).pod_id


def test_a_comment_without_the_authors_signature_is_rejected(inbox, local, zoe):
    alice_browser, _ = local("alice")
    guid = compose(alice_browser, "Our post")
    item = inbox.public(relayable("comment", None, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid,
                                  text="Nice one"), zoe)
    assert (item.state, item.reason) == (REJECTED, "comment: author_signature is missing")
    assert inbox.count(Comment) == 0 and inbox.count(RelayableXml) == 0


def test_a_comment_relayed_by_someone_other_than_the_root_author_is_rejected(inbox, local, zoe, yann):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    xml = relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=GUID, text="x")
    item = inbox.public(xml, yann)
    assert item.state == REJECTED
    assert item.reason == (f"{yann.diaspora_id} may not send a comment by {zoe.diaspora_id} "
                           f"on a post by {zoe.diaspora_id}")
    assert inbox.count(Comment) == 0


def test_a_comment_on_a_remote_post_relayed_by_its_author(inbox, local, zoe, yann):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    xml = relayable("comment", yann.private_key_pem, author=yann.diaspora_id, guid=COMMENT, parent_guid=GUID,
                    text="From Yann")
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    assert inbox.count(Comment, Comment.author_id == yann.person_id) == 1
    assert inbox.count(Delivery, Delivery.entity_type == "comment") == 0  # not our post: no relay


def test_a_comment_on_a_limited_post_the_author_cant_see_is_rejected(inbox, local, zoe):
    alice_browser, _ = local("alice")
    guid = compose(alice_browser, "Family only", visibility="all_aspects")
    xml = relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid, text="x")
    item = inbox.public(xml, zoe)
    assert (item.state, item.reason) == (REJECTED, f"{zoe.diaspora_id} may not see post {guid}")
    assert inbox.count(Comment) == 0


def test_a_like_on_our_post_is_counted_notified_and_relayed(inbox, local, zoe, xena):
    alice_browser, alice = local("alice")
    guid = compose(alice_browser, "Our post")
    subscribe(inbox, xena, guid)
    xml = relayable("like", zoe.private_key_pem, author=zoe.diaspora_id, guid="l" * 32, parent_guid=guid,
                    parent_type="Post", positive=True)
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        assert session.scalar(sa.select(Post.likes_count).where(Post.guid == guid)) == 1
        assert session.scalar(sa.select(Notification.kind).where(Notification.recipient_id == alice.user_id)) == "liked"
    assert inbox.count(Delivery, Delivery.entity_type == "like") == 1
    again = relayable("like", zoe.private_key_pem, author=zoe.diaspora_id, guid="m" * 32, parent_guid=guid,
                      parent_type="Post", positive=True)
    item = inbox.public(again, zoe)
    assert (item.state, item.reason) == (REJECTED, f"{zoe.diaspora_id} already likes {guid}")
    assert inbox.count(Like) == 1


def test_a_vote_in_a_remote_poll(inbox, local, zoe, yann):
    local("alice")
    poll = element("poll", element("poll_answer", guid="d" * 32, answer="Yes"),
                   element("poll_answer", guid="e" * 32, answer="No"), guid="p" * 32, question="Tea?")
    inbox.public(element("status_message", poll, author=zoe.diaspora_id, guid=GUID, public=True, text="Vote"), zoe)
    xml = relayable("poll_participation", yann.private_key_pem, author=yann.diaspora_id, guid="v" * 32,
                    parent_guid="p" * 32, poll_answer_guid="e" * 32)
    item = inbox.public(xml, zoe)
    assert item.state == DONE, item.reason
    assert inbox.count(PollParticipation) == 1
    assert inbox.count(PollAnswer, PollAnswer.guid == "e" * 32, PollAnswer.vote_count == 1) == 1


def test_a_participation_in_someone_elses_post_is_rejected(inbox, local, zoe, yann):
    local("alice")
    inbox.public(status_message(zoe), zoe)
    item = inbox.public(element("participation", author=yann.diaspora_id, guid="q" * 32, parent_guid=GUID,
                                parent_type="Post"), yann)
    assert (item.state, item.reason) == (REJECTED, "parent not local")
    assert inbox.count(Participation, Participation.person_id == yann.person_id) == 0


def test_a_comment_on_our_limited_post_from_someone_it_was_given_to(inbox, local, zoe, xena, pod):
    from core.aspects.models import Aspect, AspectMembership, Contact

    alice_browser, alice = local("alice")
    with pod.session_factory() as session:
        friends = session.scalar(sa.select(Aspect).where(Aspect.user_id == alice.user_id, Aspect.name == "Friends"))
        for remote in (zoe, xena):
            contact = Contact(user_id=alice.user_id, person_id=remote.person_id, receiving=True, sharing=True)
            session.add(contact)
            session.flush()
            session.add(AspectMembership(aspect_id=friends.id, contact_id=contact.id))
        session.commit()
    guid = compose(alice_browser, "Friends only", visibility="all_aspects")
    xml = relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid=COMMENT, parent_guid=guid,
                    text="Between us")
    item = inbox.private(xml, zoe, alice)
    assert item.state == DONE, item.reason
    with pod.session_factory() as session:
        relays = session.scalars(sa.select(Delivery).where(Delivery.entity_type == "comment")).all()
        assert [r.recipient_person_id for r in relays] == [xena.person_id]  # privately, to the other member only
