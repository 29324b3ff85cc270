"""The HTML of a post's or comment's text on a page: core's rendering, then the plugins'.

:mod:`.rendering` turns the text into sanitised HTML (cached, the same for every reader).
On a page, each ``filter_post_html`` plugin may then change that fragment, and each distinct
link of it may get a card or player from ``embed_for_url``, shown below the text. With no
plugin implementing either hook, the page shows core's HTML untouched and nothing is parsed.
"""
from __future__ import annotations

import html
import re

from markupsafe import Markup
from sqlalchemy.orm import object_session

from .rendering import render_text

# nh3 writes every attribute double-quoted, so a plain pattern finds the links of the fragment.
LINK_RE = re.compile(r'<a\s[^>]*?href="(https?://[^"]+)"', re.IGNORECASE)


def links_of(fragment: str) -> list[str]:
    """The distinct http(s) links of ``fragment``, in order of appearance."""
    return list(dict.fromkeys(html.unescape(m.group(1)) for m in LINK_RE.finditer(fragment)))


def links_in_text(text: str) -> list[str]:
    """The links ``embed_for_url`` is asked about for a post or comment with this text (before
    any filter): plugins call it to prepare their embeds ahead, e.g. in ``on_post_published``."""
    return links_of(str(render_text(text)))


def page_html(request, item) -> Markup:
    """``item``'s text (a Post or Comment) as shown on a page to this request's reader."""
    base = render_text(item.text, object_session(item))
    hook = request.registry.pod.pm.hook
    filters = hook.filter_post_html.get_hookimpls()
    embedders = hook.embed_for_url.get_hookimpls()
    if not filters and not embedders:
        return base
    fragment = str(base)
    # pluggy lists implementations in registration order; call them in plugin order, each
    # receiving what the one before returned.
    for impl in filters:
        arguments = {"post": item, "fragment": fragment, "request": request}
        changed = impl.function(**{name: arguments[name] for name in impl.argnames})
        if changed is not None:
            fragment = str(changed)
    if embedders:
        embeds = [embed for embed in (hook.embed_for_url(url=url, request=request, item=item)
                                      for url in links_of(fragment)) if embed]
        if embeds:
            fragment += '<div class="embeds">' + "".join(str(e) for e in embeds) + "</div>"
    return Markup(fragment)
