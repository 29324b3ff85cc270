"""landing_page: the pod's front page, or the podmin's own page named in the config."""
from __future__ import annotations

from pathlib import Path

from pyramid.renderers import render_to_response

from core.hookspecs import hookimpl
from core.pod import StartupError
from core.settings import Setting, as_bool
from core.stats import usage
from core.text import render_document

NAME = "landing_page"
SUPPORTED = (".pt", ".md", ".html", ".htm")


def custom_page(pod) -> Path | None:
    return pod.path_setting(f"{NAME}.file")


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.file", "", "Your own front page: a Chameleon template (.pt), Markdown (.md) or HTML file; "
                                    "relative paths start at the ini file's folder."),
        Setting(f"{NAME}.show_statistics", True, "Show how many people use the pod on the front page.", as_bool),
    ]


@hookimpl
def on_startup(pod):
    path = custom_page(pod)
    if path is None:
        return
    if path.suffix.lower() not in SUPPORTED:
        raise StartupError(f"setting {NAME}.file is {str(path)!r}: use a .pt, .md or .html file")
    if not path.is_file():
        raise StartupError(f"setting {NAME}.file names {str(path)!r}, which does not exist")


@hookimpl
def landing_page(request):
    pod = request.registry.pod
    values = {
        "page_title": None,
        "statistics": (usage(request.dbsession) if pod.settings[f"{NAME}.show_statistics"]
                       and not pod.settings["pod.hide_statistics"] else None),
        "custom_html": None,
    }
    path = custom_page(pod)
    if path is not None and path.suffix.lower() == ".pt":
        return render_to_response(str(path), values, request=request)
    if path is not None:
        values["custom_html"] = render_document(path)
    return render_to_response("plugins.landing_page:templates/landing.pt", values, request=request)
