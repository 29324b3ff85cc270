"""/admin/pods: the other pods as this pod sees them, for the pod's admins.

Known pods with their state, software and version, the deliveries still waiting or given
up, what the inbox refused and why; per pod "retry now" and block / unblock; and closing a
remote account on this pod only. Plain forms, no scripts. /admin/federation, the page's
old address, redirects here.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...accounts.models import Person
from ..moderation import (ModerationError, UnknownPerson, block_pod, close_remote_person, find_remote_person,
                          locally_closed, unblock_pod)
from ..models import FAILED, PENDING, REJECTED, SENDING, Delivery, InboxItem, Pod
from ..sending import pod_counts, retry_pod_now

PER_PAGE = 50
POD_ACTIONS = ("retry", "block", "unblock")


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


def _closing(request) -> dict:
    """The person named by ``?close=<diaspora ID>``, to confirm closing them, or why not."""
    raw = request.GET.get("close")
    if raw is None:
        return {"candidate": None, "close_error": None, "close_query": ""}
    try:
        person = find_remote_person(request.dbsession, raw)
    except ModerationError as exc:
        request.response.status = 404 if isinstance(exc, UnknownPerson) else 400
        return {"candidate": None, "close_error": str(exc), "close_query": raw.replace("\x00", "")[:255]}
    refusal = None
    if person.user_id is not None:
        refusal = f"{person.diaspora_id} has an account on this pod: lock or close it instead."
    elif person.closed_locally:
        refusal = f"{person.diaspora_id} is already closed on this pod."
    if refusal:
        request.response.status = 400
        return {"candidate": None, "close_error": refusal, "close_query": person.diaspora_id}
    return {"candidate": person, "close_error": None, "close_query": person.diaspora_id,
            "candidate_content": _content_counts(request.dbsession, person)}


def _content_counts(dbsession, person: Person) -> dict:
    from ...posts.models import Comment, Like, Photo, Post

    def count(model) -> int:
        return dbsession.scalar(sa.select(sa.func.count()).select_from(model).where(model.author_id == person.id))

    return {"posts": count(Post), "comments": count(Comment), "likes": count(Like), "photos": count(Photo)}


@view_config(route_name="admin_pods", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/federation/pods.pt")
def admin_pods(request):
    dbsession = request.dbsession
    pods = list(dbsession.scalars(sa.select(Pod).order_by(Pod.host)))
    pending, pending_next = _page(dbsession, sa.select(Delivery).where(Delivery.state.in_((PENDING, SENDING))),
                                  Delivery.id, _cursor(request, "pending_before"))
    failed, failed_next = _page(dbsession, sa.select(Delivery).where(Delivery.state == FAILED),
                                Delivery.id, _cursor(request, "failed_before"))
    rejected, rejected_next = _page(dbsession, sa.select(InboxItem).where(InboxItem.state == REJECTED),
                                    InboxItem.id, _cursor(request, "rejected_before"))
    return {"page_title": "Pods", "pods": pods, "counts": pod_counts(dbsession),
            "pending": pending, "pending_next": pending_next, "failed": failed, "failed_next": failed_next,
            "rejected": rejected, "rejected_next": rejected_next, "closed": locally_closed(dbsession),
            "candidate_content": None, **_closing(request)}


@view_config(route_name="admin_federation", request_method=("GET", "HEAD"))
def admin_federation(request):
    """The page's old address."""
    return HTTPMovedPermanently(location=request.route_url("admin_pods", _query=dict(request.GET)))


def _pod_id(request) -> int:
    raw = request.matchdict["pod_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise HTTPNotFound()
    return int(raw)


def _back(request):
    return HTTPSeeOther(location=request.route_url("admin_pods"))


def _retry(request, pod_id: int):
    target = request.dbsession.get(Pod, pod_id)
    if target is None:
        raise HTTPNotFound()
    if target.blocked_at is not None:
        request.session.flash(f"{target.host} is blocked: unblock it to send what waits for it.")
    elif retry_pod_now(request.dbsession, pod_id, request.enqueue):
        request.session.flash(f"Retrying {target.host} now.")
    return _back(request)


@view_config(route_name="admin_pod_block", request_method="POST", permission="administer")
def pod_action(request):
    """Retry now, block or unblock one pod."""
    action = request.matchdict["action"]
    if action not in POD_ACTIONS:
        raise HTTPNotFound()
    pod_id = _pod_id(request)
    if action == "retry":
        return _retry(request, pod_id)
    try:
        if action == "block":
            target = block_pod(request.dbsession, pod_id)
            request.session.flash(f"Blocked {target.host}: nothing is sent to it and everything it sends is "
                                  "refused. Deliveries for it wait until you unblock it.")
        else:
            target = unblock_pod(request.dbsession, pod_id, request.enqueue)
            request.session.flash(f"Unblocked {target.host}: what waited for it is being sent, in order.")
    except ModerationError:
        raise HTTPNotFound() from None
    return _back(request)


@view_config(route_name="admin_federation_retry", request_method="POST", permission="administer")
def retry(request):
    """Retry now, at the page's old address."""
    return _retry(request, _pod_id(request))


@view_config(route_name="admin_person_close", request_method="POST", permission="administer")
def close_person(request):
    """Close a remote account on this pod only, once the admin ticked the confirmation."""
    guid = request.matchdict["guid"]
    person = None
    if len(guid) <= 255 and "\x00" not in guid:
        person = request.dbsession.scalar(sa.select(Person).where(Person.guid == guid))
    if person is None:
        request.session.flash("There is no such person on this pod; nothing was closed.")
        return _back(request)
    if request.POST.get("confirm") != "yes":
        request.session.flash(f"Tick the box to confirm closing {person.diaspora_id}; nothing was closed.")
        return HTTPSeeOther(location=request.route_url("admin_pods", _query={"close": person.diaspora_id}))
    try:
        close_remote_person(request.dbsession, person.id)
    except ModerationError as exc:
        request.session.flash(f"{exc} Nothing was closed.")
        return _back(request)
    request.session.flash(f"Closed {person.diaspora_id} on this pod: what they left here is removed and "
                          "anything more from them is refused.")
    return _back(request)
