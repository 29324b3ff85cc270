"""What an admin can do about another pod or one of its people, on this pod only.

Blocking a pod stops sending to it (its deliveries wait, nothing is lost) and refuses
whatever it sends; unblocking sends what waited, in order. Closing a remote account
locally removes what that person left here and refuses anything more from them.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import Person
from ..db import utcnow
from .models import PENDING, Delivery, Pod
from .receivers.people import close_person


class ModerationError(ValueError):
    """The admin asked for something that can't be done; the message says why."""


def find_pod(dbsession, pod_id: int) -> Pod:
    target = dbsession.get(Pod, pod_id)
    if target is None:
        raise ModerationError("There is no such pod.")
    return target


def block_pod(dbsession, pod_id: int) -> Pod:
    """Block the pod; blocking a blocked pod changes nothing."""
    target = find_pod(dbsession, pod_id)
    if target.blocked_at is None:
        target.blocked_at = utcnow()
    return target


def unblock_pod(dbsession, pod_id: int, enqueue) -> Pod:
    """Unblock the pod and send what waited for it, oldest first."""
    from .jobs import deliver_to_pod

    target = find_pod(dbsession, pod_id)
    if target.blocked_at is not None:
        target.blocked_at = None
        waiting = dbsession.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.pod_id == target.id, Delivery.state == PENDING))
        if waiting:
            enqueue(deliver_to_pod, target.id)
    return target


def close_remote_person(dbsession, person_id: int) -> Person:
    """Close a remote account on this pod only: its content here is removed, its profile
    blanked, and anything more it sends is refused."""
    person = dbsession.get(Person, person_id)
    if person is None:
        raise ModerationError("There is no such person.")
    if person.user_id is not None:
        raise ModerationError(f"{person.diaspora_id} has an account on this pod: lock or close it instead.")
    if person.closed_at is None:
        close_person(dbsession, person)
    person.closed_locally = True
    return person
