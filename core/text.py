"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises, nothing else sees raw HTML."""
from __future__ import annotations

from pathlib import Path

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def sanitize(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer nofollow",
                     url_schemes={"http", "https", "mailto"})


def render_markdown(text: str) -> str:
    return sanitize(_markdown.render(text or ""))


def render_document(path: Path) -> str:
    """A podmin's page file as safe HTML: `.md` is Markdown, `.html` is sanitised HTML."""
    content = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        return sanitize(content)
    return render_markdown(content)
