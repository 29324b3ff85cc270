"""Appliers: one function per entity type that turns a verified entity into rows (PROTOCOL.md §9).

Each applier gets a ``Receipt`` (core.federation.inbox) and the entity, is idempotent by
guid, and raises a ProtocolError subclass with a specific reason for anything it refuses.
Callers run it inside a transaction they throw away on error, so an applier may write as it
goes. Relayables and retractions check their sender here (§6.3), because only they know the
parent or target.
"""
from __future__ import annotations

from ..errors import EntityError
from . import conversations, people, posts, relayables, retractions

UNSUPPORTED = "events are not supported on this pod"

APPLIERS = {
    "status_message": posts.status_message,
    "photo": posts.photo,
    "reshare": posts.reshare,
    "comment": relayables.comment,
    "like": relayables.like,
    "poll_participation": relayables.poll_participation,
    "participation": relayables.participation,
    "retraction": retractions.retraction,
    "contact": people.contact,
    "profile": people.profile,
    "account_deletion": people.account_deletion,
    "account_migration": people.account_migration,
    "conversation": conversations.conversation,
    "message": conversations.message,
}


def _unsupported(receipt, entity):
    raise EntityError(UNSUPPORTED)


def applier_for(entity_type: str):
    """The applier of ``entity_type``; EntityError for a type this pod doesn't take."""
    if entity_type in ("event", "event_participation"):
        return _unsupported
    try:
        return APPLIERS[entity_type]
    except KeyError:
        raise EntityError(f"unknown entity type: {entity_type}") from None
