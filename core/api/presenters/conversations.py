"""Conversations and their messages as the API shows them (``conversation``, ``messages``)."""
from __future__ import annotations

from ...conversations.models import Conversation, Message
from ..paging import iso
from .people import short_profile


def present_conversation(request, conversation: Conversation, read: bool) -> dict:
    """One ``conversation``: ``read`` is the caller's own state; participants include the
    caller, the one who started it first."""
    participants = sorted(conversation.participants,
                          key=lambda p: (p.person_id != conversation.author_id, p.person_id))
    return {
        "guid": conversation.guid,
        "subject": conversation.subject,
        "created_at": iso(conversation.created_at),
        "read": read,
        "participants": [short_profile(request, participant.person) for participant in participants],
    }


def present_message(request, message: Message) -> dict:
    """One item of ``messages``; POST answers with a single one."""
    return {
        "guid": message.guid,
        "created_at": iso(message.created_at),
        "author": short_profile(request, message.author),
        "body": message.text,
    }
