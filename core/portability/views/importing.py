"""The import page: upload an archive into this new account and watch it being applied."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..importing import ImportRefused, check_account_empty, describe, latest_import, start_import
from ..reading import MAX_ARCHIVE_BYTES, ArchiveError

TEMPLATE = "core:templates/portability/import.pt"
# Room for the multipart framing and the other fields around the file.
FORM_OVERHEAD = 64 * 1024
TOO_LARGE = (f"The archive is larger than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB; this pod takes archives "
             "up to that size.")


def page(request, error: str | None = None) -> dict:
    dbsession, user = request.dbsession, request.user
    row = latest_import(dbsession, user)
    refused = None
    if row is None or row.state == "failed":
        try:
            check_account_empty(dbsession, user)
        except ImportRefused as exc:
            refused = exc.message
    return {"page_title": "Import an archive", "imported": row, "summary": describe(row) if row else None,
            "refused": refused, "error": error, "max_mb": MAX_ARCHIVE_BYTES // (1024 * 1024)}


@view_config(route_name="import", request_method="GET", permission="use", renderer=TEMPLATE)
def import_page(request):
    return page(request)


@view_config(route_name="import", request_method="POST", permission="use", renderer=TEMPLATE)
def import_upload(request):
    def refuse(message: str, status: int = 400):
        request.response.status = status
        return page(request, error=message)

    # Refused before the body is read: a huge upload never reaches memory or a temporary file.
    if (request.content_length or 0) > MAX_ARCHIVE_BYTES + FORM_OVERHEAD:
        return refuse(TOO_LARGE, 413)
    field = request.POST.get("archive")
    if getattr(field, "file", None) is None:
        return refuse("Choose the archive file to import (.json or .json.gz).")
    raw = field.file.read(MAX_ARCHIVE_BYTES + 1)
    if len(raw) > MAX_ARCHIVE_BYTES:
        return refuse(TOO_LARGE, 413)
    try:
        start_import(request.dbsession, request.registry.pod, request.user, raw, enqueue=request.enqueue)
    except ImportRefused as exc:
        return refuse(exc.message, 409)
    except ArchiveError as exc:
        return refuse(exc.message)
    request.session.flash("Your archive is being imported. This page shows how far it is.")
    return HTTPSeeOther(location=request.route_url("import"))
