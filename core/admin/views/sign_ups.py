"""/admin/sign_ups: sign-ups waiting for approval, oldest first, each approved or rejected."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...mail import queue_email
from .. import registrations
from ...accounts.services import AccountError
from ..registrations import parse_id


@view_config(route_name="admin_sign_ups", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/sign_ups.pt")
def sign_ups(request):
    after = parse_id(request.GET.get("after"))
    waiting = registrations.pending(request.dbsession, after_id=after)
    more = len(waiting) == registrations.PAGE_SIZE
    return {"page_title": "Sign-ups", "waiting": waiting, "after": after,
            "total": registrations.count_pending(request.dbsession),
            "mode": registrations.mode(request.registry.pod),
            "next_url": request.route_url("admin_sign_ups", _query={"after": waiting[-1].id}) if more else None}


@view_config(route_name="admin_sign_up_decide", request_method="POST", permission="administer")
def decide(request):
    pod = request.registry.pod
    decision = request.matchdict["decision"]
    back = HTTPSeeOther(location=request.route_url("admin_sign_ups"))
    if decision not in ("approve", "reject"):
        request.session.flash("Choose approve or reject.")
        return back
    try:
        if decision == "approve":
            user = registrations.approve(request.dbsession, pod, request.matchdict["request_id"])
            queue_email(request, user.email, f"Welcome to {pod.name}",
                        f"Hello {user.username},\n\nyour request to join {pod.name} was approved. "
                        f"Sign in with the password you chose at {pod.url + request.route_path('sign_in')}\n\n"
                        f"Your diaspora* ID is {user.diaspora_id}.\n")
            request.session.flash(f"Approved {user.username}: the account exists and they were told by mail.")
        else:
            dropped = registrations.reject(request.dbsession, request.matchdict["request_id"])
            queue_email(request, dropped.email, f"Your request to join {pod.name}",
                        f"Hello {dropped.username},\n\nyour request to join {pod.name} was not accepted, "
                        f"and what you sent us was deleted.\n\nYou can join the diaspora* network on another "
                        f"pod and still talk to everyone here.\n")
            request.session.flash(f"Rejected {dropped.username}: the request was deleted and they were told by mail.")
    except AccountError as exc:
        request.session.flash(exc.message)
    return back
