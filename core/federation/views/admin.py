"""/admin/federation: how sending to other pods goes, for the pod's admins.

Known pods with their state, the deliveries still waiting or given up, what the inbox
refused and why, and a "retry now" per pod. Plain forms, no scripts.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..sending import pod_counts, retry_pod_now
from ..models import FAILED, PENDING, REJECTED, SENDING, Delivery, InboxItem, Pod

PER_PAGE = 50


def _cursor(request, name: str) -> int | None:
    """A keyset cursor (an id) from the query string; junk means the first page."""
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _page(dbsession, query, column, before: int | None) -> tuple[list, int | None]:
    """Newest first, PER_PAGE at a time, by id; returns the rows and the next cursor."""
    if before is not None:
        query = query.where(column < before)
    rows = list(dbsession.scalars(query.order_by(column.desc()).limit(PER_PAGE + 1)))
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return rows, (rows[-1].id if more and rows else None)


@view_config(route_name="admin_federation", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/federation/admin.pt")
def admin_federation(request):
    dbsession = request.dbsession
    pods = list(dbsession.scalars(sa.select(Pod).order_by(Pod.host)))
    pending, pending_next = _page(dbsession, sa.select(Delivery).where(Delivery.state.in_((PENDING, SENDING))),
                                  Delivery.id, _cursor(request, "pending_before"))
    failed, failed_next = _page(dbsession, sa.select(Delivery).where(Delivery.state == FAILED),
                                Delivery.id, _cursor(request, "failed_before"))
    rejected, rejected_next = _page(dbsession, sa.select(InboxItem).where(InboxItem.state == REJECTED),
                                    InboxItem.id, _cursor(request, "rejected_before"))
    return {"page_title": "Federation", "pods": pods, "counts": pod_counts(dbsession),
            "pending": pending, "pending_next": pending_next, "failed": failed, "failed_next": failed_next,
            "rejected": rejected, "rejected_next": rejected_next}


@view_config(route_name="admin_federation_retry", request_method="POST", permission="administer")
def retry(request):
    raw = request.matchdict["pod_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise HTTPNotFound()
    if not retry_pod_now(request.dbsession, int(raw), request.enqueue):
        raise HTTPNotFound()
    target = request.dbsession.get(Pod, int(raw))
    request.session.flash(f"Retrying {target.host} now.")
    return HTTPSeeOther(location=request.route_url("admin_federation"))
