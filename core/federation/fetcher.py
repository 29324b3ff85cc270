"""Fetching what a payload refers to but we don't have (PROTOCOL.md §14, §10.3, §9.17).

``GET {author's pod}/fetch/<type>/<guid>`` answers with the entity in a magic envelope,
signed by its author, possibly after redirects to the pod that owns it. What comes back goes
through the same checks as a public delivery: signature, sender is the author, public, and
then the applier stores it.
"""
from __future__ import annotations

import logging
from contextvars import ContextVar
from types import SimpleNamespace
from urllib.parse import quote

from . import http
from .discovery import find_or_fetch_person, person_base_url
from .entities import parse_entity
from .envelope import read_envelope, verify_envelope
from .errors import EntityError, FetchError, ProtocolError
from .inbox import PUBLIC, receive_entity

log = logging.getLogger(__name__)

ENVELOPE_ACCEPT = "application/magic-envelope+xml, application/xml;q=0.9"

# (type, guid) fetches under way in this thread: a post whose root needs the post itself
# must not fetch forever (dfed keeps the same guard).
_fetching: ContextVar[frozenset] = ContextVar("seedpod_fetching", default=frozenset())


def fetch_url(base_url: str, entity_type: str, guid: str) -> str:
    return f"{base_url}/fetch/{quote(entity_type, safe='')}/{quote(guid, safe='')}"


def fetch_entity(dbsession, pod, type: str, guid: str, author_id: str, *, enqueue=None, fetching=None):
    """Fetch the public entity ``type``/``guid`` from the pod of ``author_id`` and apply it as
    received on the public route; returns what the applier stored.

    Raises FetchError (a loop, or an answer that is not what was asked for), the
    ``core.federation.http`` errors when the request fails, DiscoveryError when the author
    can't be found, and whatever the checks raise for a bad envelope or entity.
    """
    key = (type, guid)
    under_way = _fetching.get()
    if key in under_way or (fetching is not None and key in fetching):
        raise FetchError(f"already fetching {type} {guid}")
    author = find_or_fetch_person(dbsession, pod, author_id)
    if author.user_id is not None:
        raise FetchError(f"{type} {guid} would be fetched from this pod")
    url = fetch_url(person_base_url(author), type, guid)
    token = _fetching.set(under_way | {key})
    try:
        answer = http.get(pod, url, purpose="fetch", accept=ENVELOPE_ACCEPT)
        envelope = read_envelope(answer.body)
        sender = find_or_fetch_person(dbsession, pod, envelope.sender)
        verify_envelope(envelope, sender.public_key_pem)
        entity = parse_entity(envelope.payload)
        if entity.get("guid") != guid and not (type == "poll" and _has_poll(entity, guid)):
            raise EntityError(f"fetching {type} {guid} gave {entity.type} {entity.get('guid')}")
        ctx = SimpleNamespace(dbsession=dbsession, pod=pod, enqueue=enqueue)
        applied = receive_entity(ctx, entity, envelope.sender, PUBLIC, None, sender_person=sender,
                                 fetching=(set(fetching) if fetching is not None else set()) | {key})
    except ProtocolError as exc:
        log.info("fetching %s %s from %s failed: %s", type, guid, url, exc)
        raise
    finally:
        _fetching.reset(token)
    log.info("fetched %s %s from %s", type, guid, url)
    return applied


def _has_poll(entity, guid: str) -> bool:
    """diaspora* answers /fetch/poll/<guid> with the whole status message (§9.14)."""
    poll = entity.get("poll")
    return poll is not None and poll.get("guid") == guid
