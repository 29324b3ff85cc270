"""The "Import posts" page and each run's progress page; the work is in services."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from .models import UNFINISHED
from .services import Choices, ImportRefused, done_count, failed_items, importers_of, own_run, runs_of, start_run

INDEX = "core:templates/importers/index.pt"
RUN = "core:templates/importers/run.pt"
# Room for the multipart framing and the other fields around the file.
FORM_OVERHEAD = 64 * 1024
# Seconds between reloads of an unfinished run's page.
REFRESH_SECONDS = 5


def includeme(config):
    config.add_route("content_import", "/import")
    config.add_route("content_import_run", "/import/{run_id}")
    config.scan(__name__)


def _aspects(request):
    from ..aspects.models import Aspect

    return list(request.dbsession.scalars(sa.select(Aspect).where(Aspect.user_id == request.user.id)
                                          .order_by(Aspect.position, Aspect.id)))


def index(request, error: str | None = None, failed_form: dict | None = None) -> dict:
    pod = request.registry.pod
    importers = importers_of(pod)
    return {"page_title": "Import posts", "importers": list(importers.values()),
            "labels": {name: importer.label for name, importer in importers.items()},
            "aspects": _aspects(request), "runs": runs_of(request.dbsession, request.user),
            "error": error, "form": failed_form or {}, "done_count": done_count,
            "max_mb": pod.settings["imports.max_upload_bytes"] / 2**20}


@view_config(route_name="content_import", request_method="GET", permission="use", renderer=INDEX)
def import_page(request):
    return index(request)


@view_config(route_name="content_import", request_method="POST", permission="use", renderer=INDEX)
def start_import(request):
    post = request.POST
    name = str(post.get("importer", ""))
    form = {"importer": name, "value": str(post.get("value", "")), "visibility": str(post.get("visibility", "")),
            "federate": bool(post.get("federate"))}

    def refuse(message: str, status: int = 400):
        request.response.status = status
        return index(request, error=message, failed_form=form)

    limit = request.registry.pod.settings["imports.max_upload_bytes"]
    # Refused before the body is read: a huge upload never reaches a temporary file.
    if (request.content_length or 0) > limit + FORM_OVERHEAD:
        return refuse(f"That file is too large: uploads are at most {limit / 2**20:g} MB.", 413)
    upload = post.get("file")
    has_file = getattr(upload, "file", None) is not None
    choices = Choices(importer=name, value=form["value"], upload=upload.file if has_file else None,
                      upload_name=getattr(upload, "filename", "") if has_file else "",
                      visibility=form["visibility"] or "public", federate=form["federate"])
    try:
        row = start_run(request.dbsession, request.registry.pod, request.user, choices, enqueue=request.enqueue)
    except ImportRefused as exc:
        return refuse(exc.message, 413 if "too large" in exc.message else 400)
    request.session.flash("Your import has started. This page shows how far it is; you may leave it.")
    return HTTPSeeOther(location=request.route_url("content_import_run", run_id=row.id))


@view_config(route_name="content_import_run", request_method="GET", permission="use", renderer=RUN)
def run_page(request):
    row = own_run(request.dbsession, request.user, request.matchdict["run_id"])
    if row is None:
        raise HTTPNotFound()
    importer = importers_of(request.registry.pod).get(row.importer)
    unfinished = row.state in UNFINISHED
    if unfinished:
        # Reloads itself without scripts; the page says so and links to itself too.
        request.response.headers["Refresh"] = str(REFRESH_SECONDS)
    done = done_count(row)
    # A finished run that never learnt its total shows a full bar, not an endless one.
    total = row.total if row.total is not None or unfinished else done
    return {"page_title": "Import posts", "run": row, "label": importer.label if importer else row.importer,
            "unfinished": unfinished, "done": done, "total": total, "failures": failed_items(request.dbsession, row),
            "refresh_seconds": REFRESH_SECONDS}
