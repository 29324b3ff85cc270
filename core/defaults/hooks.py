from __future__ import annotations

import importlib
from pathlib import Path

from pyramid.renderers import render_to_response

import themes

from ..hookspecs import hookimpl
from ..theming import Theme

THEMES_DIR = Path(themes.__file__).resolve().parent

__all__ = ["register_themes", "landing_page", "register_jobs", "register_periodic_jobs"]


@hookimpl(trylast=True)
def register_themes(pod):
    return [
        Theme("default", THEMES_DIR / "default", scripts=True, description="The standard look, enhanced with scripts."),
        Theme("plain", THEMES_DIR / "plain", scripts=False,
              description="No JavaScript at all: for Tor Browser's safest level and text browsers."),
    ]


@hookimpl(trylast=True)
def landing_page(request):
    return render_to_response("core:templates/pages/welcome.pt", {"page_title": request.registry.pod.name},
                              request=request)


# Core modules holding jobs: every function marked with @job in them is registered, and each
# module's PERIODIC list (of Periodic) is scheduled.
JOB_MODULES = (
    "core.mail", "core.worker", "core.accounts.jobs", "core.posts.jobs", "core.notifications.jobs",
    "core.events.jobs", "core.federation.jobs", "core.admin.jobs", "core.portability.jobs", "core.accounts.closing",
    "core.importers.jobs",
)


def _job_modules():
    return [importlib.import_module(name) for name in JOB_MODULES]


@hookimpl(trylast=True)
def register_jobs(pod):
    return [value for module in _job_modules() for value in vars(module).values()
            if callable(value) and hasattr(value, "seedpod_job") and value.__module__ == module.__name__]


@hookimpl(trylast=True)
def register_periodic_jobs(pod):
    return [periodic for module in _job_modules() for periodic in getattr(module, "PERIODIC", [])]
