"""What an admin can do about another pod or one of its people, on this pod only.

Blocking a pod stops sending to it (its deliveries wait, nothing is lost) and refuses
whatever it sends; unblocking sends what waited, in order. Closing a remote account
locally removes what that person left here and refuses anything more from them.

The rules themselves live where the traffic passes: ``sending`` leaves a blocked pod's rows
alone, ``http`` makes no request to a blocked host, and the inbox asks :func:`refusal` about
every sender (and every author of a relayed entity) before storing anything.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import Person
from ..db import utcnow
from .documents import host_of, normalize_diaspora_id, valid_diaspora_id
from .models import PENDING, Delivery, Pod
from .receivers.people import close_person


class ModerationError(ValueError):
    """The admin asked for something that can't be done; the message says why."""


class UnknownPerson(ModerationError):
    """Nobody by that diaspora ID is known here."""


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
    """Unblock the pod and send what waited for it, oldest first: every waiting delivery is
    due now and one worker walks them in creation order."""
    from .jobs import deliver_to_pod

    target = find_pod(dbsession, pod_id)
    if target.blocked_at is not None:
        target.blocked_at = None
        waiting = dbsession.execute(
            sa.update(Delivery).where(Delivery.pod_id == target.id, Delivery.state == PENDING)
            .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if waiting:
            enqueue(deliver_to_pod, target.id)
    return target


def blocked_pod_of(dbsession, host: str) -> Pod | None:
    """The blocked Pod row of ``host[:port]``, or None."""
    return dbsession.scalar(sa.select(Pod).where(Pod.host == host.strip().lower(), Pod.blocked_at.is_not(None)))


def refusal(dbsession, diaspora_id: str | None, person: Person | None = None) -> str | None:
    """Why nothing from ``diaspora_id`` is accepted on this pod, or None: their pod is blocked
    (by the host of their ID, or the pod discovery found them on) or an admin closed their
    account here. Asks no one."""
    if not isinstance(diaspora_id, str) or not diaspora_id:
        return None
    wanted = normalize_diaspora_id(diaspora_id)
    if valid_diaspora_id(wanted) and blocked_pod_of(dbsession, host_of(wanted)) is not None:
        return f"the pod {host_of(wanted)} is blocked on this pod"
    if person is None:
        person = dbsession.scalar(sa.select(Person).where(Person.diaspora_id == wanted))
    if person is None or person.user_id is not None:
        return None
    if person.closed_locally:
        return f"the account {person.diaspora_id} is closed on this pod"
    if person.pod_id is not None:
        home = dbsession.get(Pod, person.pod_id)
        if home is not None and home.blocked_at is not None:
            return f"the pod {home.host} is blocked on this pod"
    return None


def find_remote_person(dbsession, diaspora_id: str) -> Person:
    """The person known here by this diaspora ID, for closing; nobody is looked up."""
    wanted = normalize_diaspora_id(diaspora_id or "")
    if "\x00" in wanted or len(wanted) > 255 or not valid_diaspora_id(wanted):
        raise ModerationError(f"{(diaspora_id or '')[:255]!r} is not a diaspora* ID (name@pod.example).")
    person = dbsession.scalar(sa.select(Person).where(Person.diaspora_id == wanted))
    if person is None:
        raise UnknownPerson(f"Nobody called {wanted} is known on this pod.")
    return person


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
    dbsession.flush()
    return person


def locally_closed(dbsession) -> list[Person]:
    """Remote accounts an admin closed here, most recent first."""
    return list(dbsession.scalars(sa.select(Person).where(Person.closed_locally.is_(True))
                                  .order_by(Person.closed_at.desc(), Person.id.desc())).unique())
