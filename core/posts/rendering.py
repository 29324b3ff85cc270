"""Post and comment text to HTML, and the mentions and tags in it.

markdown-it-py renders (raw HTML off, bare URLs linked), nh3 sanitises, and only then are
mentions and #tags turned into links, by walking the text nodes of the sanitised tree and
leaving code and existing links alone. Mentions (``@{Name; user@pod}``) are swapped for
private-use placeholders before Markdown sees them, so underscores or ``@`` in them can't
become emphasis or links.
"""
from __future__ import annotations

import functools
import re
from urllib.parse import quote

import lxml.html
import sqlalchemy as sa
from lxml import etree
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import object_session

from ..accounts.models import Person
from ..text import sanitize

# diaspora*'s mention markup; the name part is optional, as in diaspora* 0.7+.
MENTION_RE = re.compile(r"@\{(?:([^}]+?);\s*)?([^{};\s]+@[^{};\s]+)\s*\}")
# A '#' not glued to a word, then letters, digits, '_' and '-' (diaspora*'s tag characters).
TAG_RE = re.compile(r"(?<![\w#/])#(\w(?:[\w\-]*\w)?)", re.UNICODE)
TAG_NAME_MAX = 255
PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
SKIPPED = {"a", "code", "pre"}

_markdown = (MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
             .enable(["table", "strikethrough", "linkify"]))
_markdown.linkify.set({"fuzzy_email": False})


def extract_mentions(text: str) -> list[str]:
    """The diaspora IDs mentioned in ``text``, lower-case, first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(2).lower(), None)
    return list(seen)


def extract_tags(text: str) -> set[str]:
    """The #tags of ``text``, lower-case, without '#'; tags in code or in links don't count."""
    tags: set[str] = set()
    _render(text, {}, tags)
    return tags


def render_text(text: str, dbsession=None) -> Markup:
    """``text`` as safe HTML; with ``dbsession``, mentions of known people link to them."""
    people = _people(dbsession, extract_mentions(text))
    text = text or ""
    if len(text) > CACHED_TEXT_MAX:
        return Markup(_render(text, people, set()))
    return Markup(_rendered(text, tuple(sorted(people.items()))))


def render_post_text(post) -> Markup:
    return render_text(post.text, object_session(post))


def render_comment_text(comment) -> Markup:
    return render_text(comment.text, object_session(comment))


def remember_people(dbsession, texts) -> None:
    """Look up everyone mentioned in ``texts`` at once, for the renders that follow in this
    session (a page of posts then costs one query for its mentions, not one per post)."""
    _people(dbsession, list(dict.fromkeys(i for text in texts for i in extract_mentions(text))))


# Rendering is the costliest part of a stream page, and the same posts are read again and
# again: the HTML of short texts is kept, keyed by the text and the people it mentions.
CACHED_TEXT_MAX = 4000


@functools.lru_cache(maxsize=1024)
def _rendered(text: str, people: tuple) -> str:
    return _render(text, dict(people), set())


def _people(dbsession, diaspora_ids: list[str]) -> dict[str, tuple[str, str]]:
    """(guid, name) of each known person among ``diaspora_ids``, remembered per session."""
    if dbsession is None or not diaspora_ids:
        return {}
    known = dbsession.info.setdefault("people_by_diaspora_id", {})
    missing = [i for i in diaspora_ids if i not in known]
    if missing:
        found = {p.diaspora_id: (p.guid, p.name)
                 for p in dbsession.scalars(sa.select(Person).where(Person.diaspora_id.in_(missing)))}
        for diaspora_id in missing:
            known[diaspora_id] = found.get(diaspora_id)
    return {i: known[i] for i in diaspora_ids if known[i] is not None}


def _render(text: str, people: dict[str, tuple[str, str]], tags: set[str]) -> str:
    mentions: list[re.Match] = []

    def hold(match: re.Match) -> str:
        mentions.append(match)
        return f"\ue000{len(mentions) - 1}\ue001"

    # Strip any placeholder characters the author typed, then park the mentions.
    source = MENTION_RE.sub(hold, (text or "").replace("\ue000", "").replace("\ue001", ""))
    html = sanitize(_markdown.render(source))
    if "\ue000" not in html and "#" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    _walk(root, mentions, people, tags)
    inner = (root.text and _escape(root.text)) or ""
    return inner + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _escape(value: str) -> str:
    return str(Markup.escape(value))


def _walk(element, mentions, people, tags) -> None:
    if element.tag in SKIPPED:
        for node in element.iter():
            node.text = _restore(node.text, mentions)
            if node is not element:
                node.tail = _restore(node.tail, mentions)
        return
    if element.text:
        lead, nodes = _linkify(element.text, mentions, people, tags)
        element.text = lead
        for index, node in enumerate(nodes):
            element.insert(index, node)
    for child in list(element):
        _walk(child, mentions, people, tags)
        if child.tail:
            lead, nodes = _linkify(child.tail, mentions, people, tags)
            child.tail = lead
            for node in reversed(nodes):
                child.addnext(node)


def _restore(value: str | None, mentions) -> str | None:
    if not value:
        return value
    return PLACEHOLDER_RE.sub(lambda m: mentions[int(m.group(1))].group(0), value)


TOKEN_RE = re.compile(PLACEHOLDER_RE.pattern + "|" + TAG_RE.pattern, re.UNICODE)


def _linkify(value: str, mentions, people, tags):
    """Split a text node into its leading text and link elements (each carrying its tail)."""
    lead, nodes, position = None, [], 0
    for match in TOKEN_RE.finditer(value):
        node = _mention_node(mentions[int(match.group(1))], people) if match.group(1) is not None \
            else _tag_node(match, tags)
        if node is None:
            continue
        piece = value[position:match.start()]
        if nodes:
            nodes[-1].tail = (nodes[-1].tail or "") + piece
        else:
            lead = piece
        nodes.append(node)
        position = match.end()
    if not nodes:
        return value, []
    nodes[-1].tail = (nodes[-1].tail or "") + value[position:]
    return lead, nodes


def _mention_node(match: re.Match, people):
    name, diaspora_id = match.group(1), match.group(2).lower()
    person = people.get(diaspora_id)
    if person is None:
        node = etree.Element("span", {"class": "mention"})
        node.text = (name or diaspora_id).strip()
        return node
    guid, known_name = person
    node = etree.Element("a", {"class": "mention", "href": f"/people/{quote(guid)}"})
    node.text = known_name
    return node


def _tag_node(match: re.Match, tags: set[str]):
    name = match.group(2)
    if len(name) > TAG_NAME_MAX:
        return None
    tags.add(name.lower())
    node = etree.Element("a", {"class": "tag", "href": f"/tags/{quote(name.lower())}"})
    node.text = "#" + name
    return node
