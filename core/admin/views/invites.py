"""/admin/invites: single-use links that let one person sign up, even when registrations are closed."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import registrations
from ..registrations import RegistrationError, parse_id


def invites_page(request, **values):
    before = parse_id(request.GET.get("before"))
    listed = registrations.invites(request.dbsession, before_id=before)
    more = len(listed) == registrations.PAGE_SIZE
    page = {"page_title": "Invites", "invites": listed, "state": registrations.state,
            "names": registrations.usernames(request.dbsession, listed),
            "mode": registrations.mode(request.registry.pod), "days": registrations.INVITE_DAYS,
            "new_link": None,
            "next_url": request.route_url("admin_invites", _query={"before": listed[-1].id}) if more else None}
    page.update(values)
    return page


@view_config(route_name="admin_invites", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/invites.pt")
def invites(request):
    return invites_page(request)


@view_config(route_name="admin_invites", request_method="POST", permission="administer",
             renderer="core:templates/admin/invites.pt")
def create(request):
    """The link is shown on this page only: the pod keeps just its hash."""
    made = registrations.create_invite(request.dbsession, request.user)
    request.response.status = 201
    return invites_page(request, new_link=made.link(request.registry.pod), new_id=made.invite.id)


@view_config(route_name="admin_invite_revoke", request_method="POST", permission="administer")
def revoke(request):
    try:
        registrations.revoke_invite(request.dbsession, request.matchdict["invite_id"])
    except RegistrationError as exc:
        request.session.flash(exc.message)
    else:
        request.session.flash("The invite was revoked: its link no longer works.")
    return HTTPSeeOther(location=request.route_url("admin_invites"))
