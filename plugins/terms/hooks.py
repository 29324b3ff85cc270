"""terms: terms of service at `/terms`, linked from the footer and the sign-up form."""
from __future__ import annotations

from pathlib import Path

from markupsafe import Markup, escape
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.pod import StartupError
from core.settings import Setting, as_int
from core.text import render_document
from core.theming import Terms

NAME = "terms"
TITLE = "Terms of service"


def podmin_file(pod) -> Path | None:
    return pod.path_setting(f"{NAME}.file")


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.jurisdiction", "", "Whose law governs the pod (\"Germany\", \"the State of Oregon, USA\"); "
                                            "empty leaves it out of the terms."),
        Setting(f"{NAME}.minimum_age", 13, "Youngest age allowed to hold an account here.", as_int),
        Setting(f"{NAME}.file", "", "Your own terms as a Markdown (.md) or HTML file, replacing the built-in text."),
    ]


@hookimpl
def on_startup(pod):
    path = podmin_file(pod)
    if path is not None and not path.is_file():
        raise StartupError(f"setting {NAME}.file names {str(path)!r}, which does not exist")
    if pod.settings[f"{NAME}.minimum_age"] < 0:
        raise StartupError(f"setting {NAME}.minimum_age must be 0 or more")


@hookimpl
def terms_of_service(pod, locale):
    path = podmin_file(pod)
    if path is not None:
        return Terms(TITLE, render_document(path))
    html = render("plugins.terms:templates/terms.pt", {
        "pod_name": pod.name,
        "pod_url": pod.url,
        "jurisdiction": pod.settings[f"{NAME}.jurisdiction"],
        "minimum_age": pod.settings[f"{NAME}.minimum_age"],
    })
    return Terms(TITLE, html)


@hookimpl
def render_slot(request, slot, context):
    url = escape(request.route_url("terms"))
    if slot == "footer":
        return Markup(f'<a href="{url}" data-testid="terms-link">{TITLE}</a>')
    if slot == "sign_up_form":
        age = request.registry.pod.settings[f"{NAME}.minimum_age"]
        at_least = f" and confirm that you are at least {age} years old" if age else ""
        return Markup(f'<p class="hint terms-notice">By creating an account you accept the '
                      f'<a href="{url}">terms of service</a>{escape(at_least)}.</p>')
    return None
