"""The community package's hookimpls: the stream points new users at the getting-started steps.

Registered with the plugin manager next to core's own hooks (``core.plugins.new_manager``).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from ..hookspecs import hookimpl

__all__ = ["render_slot"]


@hookimpl(trylast=True)
def render_slot(request, slot, context):
    """On top of the stream, while the user has not dismissed them: a link to the steps."""
    user = getattr(request, "user", None)
    if slot != "stream_top" or user is None or not user.getting_started:
        return None
    return Markup('<p class="notice" data-testid="getting-started-link">New here? '
                  '<a href="{}">Get started</a>: fill in your profile, follow a few tags, find people '
                  'and say hello with #newhere.</p>').format(escape(request.route_path("getting_started")))
