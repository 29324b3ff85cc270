"""A post's text as a tweet: Markdown turned into plain text, cut to fit X's 280 characters.

As diaspora*'s Twitter service did, a text too long for X is cut on a word boundary and
followed by a link to the post on the pod, so nothing the author wrote is out of reach.
X counts characters its own way (twitter-text's weighted length): every URL counts 23, most
Latin, Greek, Cyrillic and punctuation characters 1, and the rest (CJK, emoji) 2.
"""
from __future__ import annotations

import re

import lxml.html

from core.text import render_markdown

MAX_WEIGHT = 280
URL_WEIGHT = 23
ELLIPSIS = "…"

# twitter-text v3: code points in these ranges weigh 1, every other one 2.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# A full link X always shortens to 23; a bare domain may or may not be taken for one,
# so it counts as whichever is heavier.
FULL_URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)
BARE_DOMAIN_RE = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)
MENTION_RE = re.compile(r"@\{([^};]*);\s*([^}\s]+@[^}\s]+)\s*\}")
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "table", "ul", "ol", "hr"}


def char_weight(char: str) -> int:
    point = ord(char)
    return 1 if any(low <= point <= high for low, high in LIGHT_RANGES) else 2


def word_weight(word: str) -> int:
    if FULL_URL_RE.match(word):
        return URL_WEIGHT
    weight = sum(char_weight(c) for c in word)
    return max(weight, URL_WEIGHT) if BARE_DOMAIN_RE.match(word) else weight


def weighted_length(text: str) -> int:
    """How long X says ``text`` is."""
    return sum(word_weight(part) if not part.isspace() else len(part) for part in re.split(r"(\s+)", text) if part)


def plain_text(markdown: str) -> str:
    """The post as a reader sees it, without Markdown: mentions as names, a link as its text
    followed by its address, paragraphs and list items on lines of their own."""
    source = MENTION_RE.sub(lambda m: (m.group(1).strip() or m.group(2)), markdown or "")
    html = render_markdown(source)
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    parts: list[str] = []
    _walk(root, parts)
    text = "".join(parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _walk(element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        parts.append("\n")
    elif tag == "img":
        parts.append(element.get("alt") or "")
    elif tag == "li":
        parts.append("\n- " if element.getparent().tag == "ul" else "\n")
    elif tag in ("td", "th"):
        parts.append(" ")
    if tag != "img" and element.text:
        parts.append(element.text if tag in ("pre", "code") else _flat(element.text))
    for child in element:
        _walk(child, parts)
    if tag == "a":
        href = element.get("href") or ""
        if href and href != element.text_content().strip():
            parts.append(f" {href}")
    if tag in BLOCKS or tag == "tr":
        parts.append("\n\n" if tag in BLOCKS else "\n")
    if element.tail:
        parts.append(_flat(element.tail))


def _flat(text: str) -> str:
    """Line ends in the HTML are not the author's: those are <br> and the blocks."""
    return re.sub(r"\s*\n\s*", " ", text)


def fit(text: str, link: str, max_weight: int = MAX_WEIGHT) -> str:
    """``text`` as it is when X takes it whole; else cut after the last whole word that
    leaves room for an ellipsis and `` link``."""
    text = text.strip()
    if weighted_length(text) <= max_weight:
        return text
    budget = max_weight - URL_WEIGHT - 1 - char_weight(ELLIPSIS)
    kept = _cut(text, budget)
    return f"{kept}{ELLIPSIS} {link}" if kept else link


def _cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` ending at a word boundary that weighs at most ``budget``;
    a first word heavier than that is cut where it must be."""
    used = 0
    end = 0
    for match in re.finditer(r"\S+", text):
        gap = match.start() - end
        weight = word_weight(match.group())
        if used + gap + weight > budget:
            if end == 0:
                return _hard_cut(match.group(), budget)
            break
        used += gap + weight
        end = match.end()
    return text[:end].rstrip()


def _hard_cut(word: str, budget: int) -> str:
    kept, used = [], 0
    for char in word:
        used += char_weight(char)
        if used > budget:
            break
        kept.append(char)
    return "".join(kept)
