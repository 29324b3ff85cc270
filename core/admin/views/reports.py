"""/admin/reports: the moderation queue, one report in context, and what moderators do about it.

Moderators and admins (permission ``moderate``); closing a remote author and blocking a pod
are for admins only. The logic is in ``core.admin.moderation``.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..moderation import ACTIONS, ADMIN_ONLY, ModerationError, ModerationService, reviewed_stamp

QUEUE_PAGE = "core:templates/admin/reports.pt"
REPORT_PAGE = "core:templates/admin/report.pt"
ERROR_PAGE = "core:templates/pages/error.pt"
# The buttons of a report's page, in order, with their labels.
BUTTONS = (
    ("delete", "Delete the content"),
    ("dismiss", "Dismiss the report"),
    ("lock", "Lock the author"),
    ("close_remote", "Close the author on this pod"),
    ("block_pod", "Block the author's pod"),
)


def service(request) -> ModerationService:
    return ModerationService(request.dbsession, request.registry.pod)


def _administer(request) -> bool:
    return bool(request.has_permission("administer"))


def _missing(request, message: str, status: int = 404):
    response = render_to_response(ERROR_PAGE, {"page_title": "No such report", "message": message},
                                  request=request)
    response.status = status
    return response


@view_config(route_name="admin_reports", request_method=("GET", "HEAD"), permission="moderate")
def queue(request):
    reviewed = request.GET.get("show") == "reviewed"
    moderation = service(request)
    page = moderation.queue(reviewed=reviewed, after=request.GET.get("after"))
    next_url = None
    if page.after is not None:
        query = {"after": page.after}
        if reviewed:
            query["show"] = "reviewed"
        next_url = request.route_url("admin_reports", _query=query)
    values = {"page_title": "Reviewed reports" if reviewed else "Reports", "reviewed": reviewed,
              "rows": page.rows, "next_url": next_url, "open_count": moderation.open_count(),
              "reviewed_stamp": reviewed_stamp}
    return render_to_response(QUEUE_PAGE, values, request=request)


@view_config(route_name="admin_report", request_method=("GET", "HEAD"), permission="moderate")
def report_page(request):
    moderation = service(request)
    try:
        report = moderation.get(request.matchdict["report_id"])
    except ModerationError as exc:
        return _missing(request, exc.message, exc.status)
    case = moderation.case(report)
    administer = _administer(request)
    buttons = [(action, label) for action, label in BUTTONS
               if (action not in ADMIN_ONLY or administer) and case.allowed(action, administer, request.user.id)]
    values = {"page_title": f"Report about a {case.kind}", "case": case, "report": report,
              "buttons": buttons, "reviewed_stamp": reviewed_stamp}
    return render_to_response(REPORT_PAGE, values, request=request)


@view_config(route_name="admin_report_action", request_method="POST", permission="moderate")
def act(request):
    action = request.matchdict["action"]
    if action not in ACTIONS:
        return _missing(request, "There is no such moderation action.")
    administer = _administer(request)
    if action in ADMIN_ONLY and not administer:
        raise HTTPForbidden("Only admins can close remote accounts or block pods.")
    moderation = service(request)
    try:
        report = moderation.get(request.matchdict["report_id"], for_update=True)
    except ModerationError as exc:
        request.session.flash(f"{exc.message} Nothing was changed.")
        return HTTPSeeOther(location=request.route_url("admin_reports"))
    try:
        done = moderation.act(report, action, request.user, administer=administer, enqueue=request.enqueue)
    except ModerationError as exc:
        request.session.flash(f"{exc.message} Nothing was changed.")
        return HTTPSeeOther(location=request.route_url("admin_report", report_id=report.id))
    request.session.flash(done)
    return HTTPSeeOther(location=request.route_url("admin_reports"))
