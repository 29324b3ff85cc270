"""Export pages: ask for an export, watch it being built, download the archive and the photos."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import FileResponse
from pyramid.view import view_config

from ..export import ARCHIVE_NAME, KEEP_FOR, PHOTOS_NAME, ExportGone, ExportService
from ..jobs import build_export

TEMPLATE = "core:templates/portability/export.pt"
GONE = ("This export was kept for {days} days and has been deleted. Ask for a new one: it holds "
        "everything as it is now.")
CONTENT_TYPES = {"archive": "application/gzip", "photos": "application/zip"}


def service(request) -> ExportService:
    return ExportService(request.dbsession, request.registry.pod)


def page(request, **values) -> dict:
    exports = service(request)
    export = exports.latest(request.user)
    expired = export is not None and exports.expired(export)
    return {"page_title": "Download your data", "export": export, "expired": expired,
            "keep_days": KEEP_FOR.days, "gone": None, **values}


@view_config(route_name="export", request_method="GET", permission="use", renderer=TEMPLATE)
def export_page(request):
    return page(request)


@view_config(route_name="export", request_method="POST", permission="use")
def export_request(request):
    export, new = service(request).request(request.user)
    if new:
        request.enqueue(build_export, export.id)
        request.session.flash("Your archive is being built. This page shows how far it is; "
                              "we keep it for you for a week once it is ready.")
    else:
        request.session.flash("Your archive is already being built: here is how far it is.")
    return HTTPSeeOther(location=request.route_url("export"))


def download(request, which: str):
    exports = service(request)
    export = exports.owned(request.user, request.matchdict["export_id"])
    if export is None:
        raise HTTPNotFound()
    try:
        path = exports.file(export, which)
    except ExportGone:
        request.response.status = 410
        values = page(request, gone=GONE.format(days=KEEP_FOR.days))
        return render_to_response(TEMPLATE, values, request=request, response=request.response)
    if path is None:
        raise HTTPNotFound()
    # The user and the day in the name, so several exports don't overwrite each other.
    stamp = export.finished_at.strftime("%Y%m%d")
    name = ARCHIVE_NAME if which == "archive" else PHOTOS_NAME
    filename = f"{request.user.username}-{stamp}-{name}"
    response = FileResponse(str(path), request=request, content_type=CONTENT_TYPES[which])
    response.content_disposition = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@view_config(route_name="export_archive", request_method="GET", permission="use")
def export_archive(request):
    return download(request, "archive")


@view_config(route_name="export_photos", request_method="GET", permission="use")
def export_photos(request):
    return download(request, "photos")
