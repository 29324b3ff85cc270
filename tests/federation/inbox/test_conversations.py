"""Private conversations from other pods."""
import sqlalchemy as sa

from core.conversations.models import Conversation, ConversationParticipant, Message
from core.federation.models import DONE, REJECTED
from core.notifications.models import Notification

from .conftest import element

CONVERSATION = "c" * 32


def conversation(author, *others, text="Hello"):
    first = element("message", author=author.diaspora_id, guid="m" * 32, text=text,
                    created_at="2026-11-01T10:00:00Z", conversation_guid=CONVERSATION)
    ids = ";".join([author.diaspora_id] + [o.diaspora_id for o in others])
    return element("conversation", first, author=author.diaspora_id, guid=CONVERSATION, subject="Plans",
                   created_at="2026-11-01T10:00:00Z", participants=ids)


def message(author, guid, text):
    return element("message", author=author.diaspora_id, guid=guid, text=text,
                   created_at="2026-11-01T11:00:00Z", conversation_guid=CONVERSATION)


def test_a_conversation_and_a_reply_reach_the_local_participant(inbox, local, zoe):
    alice_browser, alice = local("alice")
    item = inbox.private(conversation(zoe, alice), zoe, alice)
    assert item.state == DONE, item.reason
    item = inbox.private(message(zoe, "n" * 32, "Are you there?"), zoe, alice)
    assert item.state == DONE, item.reason
    with inbox.pod.session_factory() as session:
        row = session.scalar(sa.select(Conversation))
        assert (row.subject, row.author_id) == ("Plans", zoe.person_id)
        assert sorted(p.person_id for p in row.participants) == sorted([zoe.person_id, alice.id])
        mine = session.get(ConversationParticipant, (row.id, alice.id))
        assert mine.unread == 2
        assert [m.text for m in session.scalars(sa.select(Message).order_by(Message.created_at))] == \
            ["Hello", "Are you there?"]
        assert session.scalar(sa.select(Notification.kind).where(Notification.recipient_id == alice.user_id)) \
            == "private_message"
    page = alice_browser.get(f"/conversations/{CONVERSATION}")
    assert "Are you there?" in page.text


def test_a_message_from_someone_outside_the_conversation_is_rejected(inbox, local, zoe, yann):
    _, alice = local("alice")
    inbox.private(conversation(zoe, alice), zoe, alice)
    item = inbox.private(message(yann, "n" * 32, "Let me in"), yann, alice)
    assert (item.state, item.reason) == (REJECTED, f"{yann.diaspora_id} is not a participant of conversation "
                                                   f"{CONVERSATION}")
    assert inbox.count(Message) == 1


def test_a_conversation_not_including_the_recipient_is_rejected(inbox, local, zoe, yann):
    _, alice = local("alice")
    item = inbox.private(conversation(zoe, yann), zoe, alice)
    assert (item.state, item.reason) == (REJECTED, f"{alice.diaspora_id} is not a participant of conversation "
                                                   f"{CONVERSATION}")
    assert inbox.count(Conversation) == inbox.count(Message) == 0


def test_a_conversation_on_the_public_route_is_rejected(inbox, local, zoe):
    _, alice = local("alice")
    item = inbox.public(conversation(zoe, alice), zoe)
    assert (item.state, item.reason) == (REJECTED, "a conversation must be sent privately")
    assert inbox.count(Conversation) == inbox.count(Message) == 0
