"""The two receive endpoints (PROTOCOL.md §5.1, §15): store the payload, answer 202, work later.

Other pods POST here without cookies or tokens, so there is no CSRF check and no
authentication: whether a payload is genuine is decided by its signature, in the inbox job.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ...accounts.models import Person, User
from ..inbox import PRIVATE, PUBLIC, accept, reject_oversized

log = logging.getLogger(__name__)


def _read_body(request, limit: int) -> tuple[bytes | None, int]:
    """(body, size) of the request, or (None, size) when it is larger than ``limit``.

    The body is read whatever the Content-Type says, and never more than ``limit + 1``
    bytes of it, so an oversized payload costs no memory.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        return None, declared
    body = request.body_file.read(limit + 1)
    if len(body) > limit:
        return None, declared if declared is not None else len(body)
    return body, len(body)


def _receive(request, route: str, recipient: User | None):
    pod = request.registry.pod
    address = request.client_addr or ""
    if not request.rate_limiter.hit("receive_per_address", address):
        # Pods retry what was not accepted (§5.2), so a flood only slows its sender down.
        log.warning("refused a payload from %s: over rate_limits.receive_per_address", address)
        seconds = request.rate_limiter.wait_minutes("receive_per_address", address) * 60
        return Response(status=429, body=b"", headers={"Retry-After": str(seconds)})
    body, size = _read_body(request, pod.settings["federation.max_payload_bytes"])
    if body is None:
        reject_oversized(request.dbsession, size, route, recipient)
        # 4xx answers normally write nothing; the refusal itself is worth keeping.
        return Response(status=413, body=b"", headers={"x-tm": "commit"})
    item = accept(request.dbsession, pod, body, route, recipient)
    from ..jobs import process_inbox_item

    request.enqueue(process_inbox_item, item.id)
    return Response(status=202, body=b"")


@view_config(route_name="receive_public", request_method="POST", require_csrf=False)
def receive_public(request):
    return _receive(request, PUBLIC, None)


@view_config(route_name="receive_private", request_method="POST", require_csrf=False)
def receive_private(request):
    """Only a local user has a private inbox; a remote person's or an unknown guid is a 404."""
    user = request.dbsession.scalar(
        sa.select(User).join(Person, Person.user_id == User.id).where(Person.guid == request.matchdict["guid"]))
    if user is None:
        raise HTTPNotFound()
    return _receive(request, PRIVATE, user)
