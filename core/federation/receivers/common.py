"""What the appliers share: people by diaspora ID, guid ownership, parents, relaying."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from ...accounts.models import Person
from ...aspects.models import AspectMembership, Contact
from ...posts.models import AspectVisibility, Post
from .. import delivery
from ..discovery import find_or_fetch_person
from ..errors import AuthorizationError, DiscoveryError, EntityError, NotFound, ProtocolError
from ..http import RequestFailed

log = logging.getLogger(__name__)

ANOTHER_AUTHOR = "guid belongs to another author"


class Retry(Exception):
    """Processing can't finish now (a peer is unreachable); the inbox tries the item again later."""


def person(receipt, diaspora_id: str) -> Person:
    """The person behind ``diaspora_id`` (the sender without a lookup); discovery when unknown,
    and a lookup that fails now is retried later."""
    if diaspora_id == receipt.sender:
        return receipt.sender_person
    try:
        return find_or_fetch_person(receipt.dbsession, receipt.pod, diaspora_id)
    except DiscoveryError as exc:
        raise Retry(f"cannot look up {diaspora_id}: {exc}") from None


def fits(value, limit: int, what: str):
    """``value`` when it fits its column, else EntityError: a long value is refused with a reason,
    not left to fail in the database."""
    if value is not None and len(value) > limit:
        raise EntityError(f"{what} is longer than {limit} characters")
    return value


def known(existing, author_id: int) -> bool:
    """Whether ``existing`` (a row found by the entity's guid, or None) is already stored for
    this author; refuses a guid that another author's row holds."""
    if existing is None:
        return False
    if existing.author_id != author_id:
        raise AuthorizationError(ANOTHER_AUTHOR)
    return True


def by_guid(dbsession, model, guid: str):
    return dbsession.scalar(sa.select(model).where(model.guid == guid))


def fetched(receipt, model, entity_type: str, guid: str, author_id: str):
    """The ``model`` row with ``guid``, fetched from ``author_id``'s pod when unknown here (§10.3,
    §9.17); None when it can't be had. A fetch that fails on the network is retried later."""
    row = by_guid(receipt.dbsession, model, guid)
    if row is not None:
        return row
    from ..fetcher import fetch_entity  # the fetcher applies what it gets through the inbox: import late

    try:
        fetch_entity(receipt.dbsession, receipt.pod, entity_type, guid, author_id,
                     enqueue=receipt.enqueue, fetching=receipt.fetching)
    except NotFound:
        return None
    except (DiscoveryError, ProtocolError) as exc:
        if _permanent(exc):
            log.info("fetching %s %s from %s failed: %s", entity_type, guid, author_id, exc)
            return None
        raise Retry(f"cannot fetch {entity_type} {guid} from the pod of {author_id}: {exc}") from None
    return by_guid(receipt.dbsession, model, guid)


def _permanent(exc: Exception) -> bool:
    """A fetch answered with 404/410, or refused as invalid, will not work later either."""
    status = getattr(exc, "status", None)
    if status in (404, 410):
        return True
    return not isinstance(exc, (RequestFailed, DiscoveryError))


def may_see(dbsession, person: Person, post: Post) -> bool:
    """Whether a remote ``person`` may see the local ``post``: public, or given to an aspect
    the person is in."""
    if post.public or post.author_id == person.id:
        return True
    return dbsession.scalar(
        sa.select(AspectVisibility.post_id)
        .join(AspectMembership, AspectMembership.aspect_id == AspectVisibility.aspect_id)
        .join(Contact, Contact.id == AspectMembership.contact_id)
        .where(AspectVisibility.post_id == post.id, Contact.person_id == person.id).limit(1)) is not None


def relay(receipt, root: Post, entity) -> None:
    """The root author's pod passes an interaction on to everyone who got the root (§10.3)."""
    if root.author.user_id is None:
        return
    delivery.relay(receipt.dbsession, receipt.pod, root, entity, receipt.enqueue)
