"""Tumblr's HTML, which anyone could have written, turned into plain Markdown.

Only text, links, emphasis, headings, quotes and lists survive; scripts, frames, styles and
every attribute but a link's http(s) address are dropped. Core sanitises the rendered post
again: this module only has to keep the meaning and lose the markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import lxml.html
from lxml import etree

# Longer bodies are cut before parsing: no post needs them, and libxml2 keeps it fast.
MAX_HTML_CHARS = 400_000
# Deeper nesting than this is read as plain text (no recursion on hostile trees).
MAX_DEPTH = 60

DROPPED = {"script", "style", "iframe", "object", "embed", "noscript", "template", "head", "title", "meta", "link",
           "form", "input", "button", "select", "textarea", "svg", "math", "video", "audio", "source", "canvas"}
BLOCKS = {"p", "div", "section", "article", "figure", "figcaption", "header", "footer", "pre", "table", "tr",
          "dl", "dt", "dd", "center", "address", "aside", "main", "nav", "body", "html"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*"}

_SPACES = re.compile(r"\s+")
_SPECIAL = re.compile(r"([\\`*_\[\]])")
_URL = re.compile(r"https?://\S+")
# What would start a quote, a list or a heading at the start of a line.
_LINE_START = re.compile(r"^(\s*)(\d*)(>|[-+](?=\s)|(?<=\d)[.)](?=\s)|#{1,6}(?=\s))", re.MULTILINE)


def parser() -> lxml.html.HTMLParser:
    # HTML from anyone: no network, no huge trees, no comments or processing instructions.
    return lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_pis=True, remove_comments=True,
                                default_doctype=False)


def web_url(value) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c in value for c in " \n\r\t<>\""):
        return None
    return value


def escape_text(text: str) -> str:
    """Plain text made inert for Markdown: no emphasis, links, quotes, lists or mentions by
    accident. URLs are left whole so that they stay links."""
    pieces = []
    last = 0
    for match in _URL.finditer(text):
        pieces.append(_SPECIAL.sub(r"\\\1", text[last:match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_SPECIAL.sub(r"\\\1", text[last:]))
    escaped = "".join(pieces).replace("@{", "@\\{")
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), escaped)


def link(label: str, url: str) -> str:
    """``[label](url)``, or the bare URL when the label says nothing more (a bare URL is what
    embed plugins such as youtube_embed recognise)."""
    label = _SPACES.sub(" ", label or "").strip()
    target = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    if not label or label == url:
        return target
    return f"[{escape_text(label)}]({target})"


@dataclass
class Converted:
    text: str
    # Images the HTML showed: (src, alt), in order; the caller decides what to do with them.
    images: list[tuple[str, str]] = field(default_factory=list)


class _Writer:
    def __init__(self):
        self.blocks: list[str] = []
        self.line: list[str] = []
        self.images: list[tuple[str, str]] = []

    def text(self, value: str | None) -> None:
        if value:
            self.line.append(escape_text(_SPACES.sub(" ", value)))

    def raw(self, value: str) -> None:
        self.line.append(value)

    def end_block(self) -> None:
        paragraph = "".join(self.line).strip()
        self.line = []
        if paragraph:
            self.blocks.append("\n".join(part.strip() for part in paragraph.split("\n")))

    def result(self) -> str:
        self.end_block()
        return "\n\n".join(self.blocks)


def _children(writer: _Writer, element, depth: int) -> None:
    writer.text(element.text)
    for child in element:
        _element(writer, child, depth + 1)
        writer.text(child.tail)


def _nested(element, depth: int) -> Converted:
    inner = _Writer()
    _children(inner, element, depth)
    return Converted(inner.result(), inner.images)


def _element(writer: _Writer, element, depth: int) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in DROPPED or not tag:
        return
    if depth > MAX_DEPTH:
        writer.text(element.text_content())
        return
    if tag == "br":
        writer.raw("\n")
    elif tag == "img":
        src = (element.get("src") or "").strip()
        if src:
            writer.images.append((src, _SPACES.sub(" ", element.get("alt") or "").strip()))
    elif tag == "a":
        label = _SPACES.sub(" ", element.text_content()).strip()
        href = web_url(element.get("href"))
        for image in element.iter("img"):
            src = (image.get("src") or "").strip()
            if src:
                writer.images.append((src, _SPACES.sub(" ", image.get("alt") or "").strip()))
        if href:
            writer.raw(link(label, href))
        else:
            writer.text(label)
    elif tag in EMPHASIS:
        inner = _nested(element, depth)
        writer.images.extend(inner.images)
        if inner.text.strip():
            mark = EMPHASIS[tag]
            writer.raw(f"{mark}{inner.text.strip()}{mark}")
    elif tag in HEADINGS:
        writer.end_block()
        inner = _nested(element, depth)
        writer.images.extend(inner.images)
        if inner.text.strip():
            writer.blocks.append("### " + " ".join(inner.text.split()))
    elif tag == "blockquote":
        writer.end_block()
        inner = _nested(element, depth)
        writer.images.extend(inner.images)
        if inner.text.strip():
            writer.blocks.append(quote_block(inner.text))
    elif tag in ("ul", "ol"):
        writer.end_block()
        items = []
        for number, item in enumerate((c for c in element if c.tag == "li"), start=1):
            inner = _nested(item, depth + 1)
            writer.images.extend(inner.images)
            if inner.text.strip():
                bullet = f"{number}." if tag == "ol" else "-"
                items.append(f"{bullet} " + inner.text.strip().replace("\n", "\n   "))
        if items:
            writer.blocks.append("\n".join(items))
    elif tag == "hr":
        writer.end_block()
    elif tag in BLOCKS or tag == "li":
        writer.end_block()
        _children(writer, element, depth)
        writer.end_block()
    else:
        _children(writer, element, depth)


def quote_block(text: str) -> str:
    """Markdown ``>`` lines for every line of ``text``."""
    return "\n".join(f"> {line}".rstrip() for line in text.strip().split("\n"))


def parse_fragment(html: str):
    """The HTML as an lxml element (a ``div`` around it), or None when there is nothing."""
    html = (html or "")[:MAX_HTML_CHARS]
    if not html.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div", parser=parser())
    except (etree.ParserError, ValueError):
        return None


def html_to_markdown(html: str | None) -> Converted:
    """Markdown for an HTML fragment, and the images it showed."""
    if not isinstance(html, str):
        return Converted("")
    root = parse_fragment(html)
    if root is None:
        return Converted("")
    return convert_element(root)


def convert_element(root) -> Converted:
    writer = _Writer()
    _children(writer, root, 0)
    return Converted(writer.result(), writer.images)


def plain_text(html: str | None) -> str:
    """The text of an HTML fragment on one line, unescaped (for labels and alt text)."""
    if not isinstance(html, str):
        return ""
    root = parse_fragment(html)
    if root is None:
        return ""
    for dropped in [e for e in root.iter() if isinstance(e.tag, str) and e.tag.lower() in DROPPED]:
        dropped.drop_tree()
    return _SPACES.sub(" ", root.text_content()).strip()
