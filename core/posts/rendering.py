"""Post text to HTML: markdown-it-py renders, nh3 sanitises, then links are added."""
from __future__ import annotations

from markupsafe import Markup

from ..text import render_markdown


def render_post_text(post) -> Markup:
    return Markup(render_markdown(post.text))
