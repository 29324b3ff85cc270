from __future__ import annotations

from pathlib import Path

from pyramid.renderers import render_to_response

import themes

from ..hookspecs import hookimpl
from ..jobs import Periodic
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


@hookimpl(trylast=True)
def register_jobs(pod):
    from .. import mail, worker
    from ..accounts import jobs as account_jobs

    return [mail.send_email, account_jobs.prune_expired_sign_ins, worker.forget_stale_workers]


@hookimpl(trylast=True)
def register_periodic_jobs(pod):
    from .. import worker
    from ..accounts import jobs as account_jobs

    return [Periodic(account_jobs.prune_expired_sign_ins, every=3600), Periodic(worker.forget_stale_workers, every=3600)]
