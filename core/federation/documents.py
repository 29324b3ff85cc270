"""Discovery documents, written and read: WebFinger JRD, hCard, host-meta, NodeInfo.

Pure functions, no database and no network: the views fill them from the pod, discovery reads
what other pods serve. Layouts follow what diaspora* (diaspora_federation) emits byte for byte
where it matters to other pods (PROTOCOL.md §4), and parsing follows its rules: first link per
rel, CSS-selector lookups in the hCard, lenient about everything it doesn't use.
"""
from __future__ import annotations

import importlib.metadata
import json
import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from .errors import DiscoveryError

def software_version() -> str:
    """Seedpod's version, as NodeInfo and the User-Agent tell it."""
    try:
        return importlib.metadata.version("seedpod")
    except importlib.metadata.PackageNotFoundError:  # running from a bare checkout
        return "0"


# --- identifiers (PROTOCOL.md §2.1, §2.2) --------------------------------------------------

DIASPORA_ID_MAX = 255
# Ruby's [[:lower:]] accepts any lowercase letter; non-ASCII lowercase letters are mapped to
# "a" before this ASCII pattern runs, so uppercase (ASCII or not) still fails.
_DIASPORA_ID = re.compile(
    r"\A[a-z\d\-._]+@"
    r"(?:[a-z\d-]+(?:\.[a-z\d-]*)*|(?:\d{1,3}\.){3}\d{1,3}|\[(?:[0-9a-fA-F]{0,4}:){0,7}[0-9a-fA-F]{1,4}\])"
    r"(?::\d+)?\Z")
_GUID = re.compile(r"\A[0-9A-Za-z\-_@.:]{15,254}[0-9A-Za-z]\Z")


def normalize_diaspora_id(value: str) -> str:
    """What diaspora* does before any lookup: strip, lower-case, drop a leading ``acct:``."""
    value = (value or "").strip().lower()
    return value[len("acct:"):] if value.startswith("acct:") else value


def valid_diaspora_id(value) -> bool:
    if not isinstance(value, str) or not value or len(value) > DIASPORA_ID_MAX:
        return False
    mapped = "".join("a" if not ch.isascii() and ch.islower() else ch for ch in value)
    return bool(_DIASPORA_ID.match(mapped))


def valid_guid(value) -> bool:
    return isinstance(value, str) and bool(_GUID.match(value))


def host_of(diaspora_id: str) -> str:
    """``host[:port]`` of a diaspora ID."""
    return diaspora_id.rsplit("@", 1)[1]


# --- WebFinger (§4.1) -----------------------------------------------------------------------

REL_HCARD = "http://microformats.org/profile/hcard"
REL_SEED = "http://joindiaspora.com/seed_location"
REL_PROFILE = "http://webfinger.net/rel/profile-page"
REL_ATOM = "http://schemas.google.com/g/2010#updates-from"
REL_SALMON = "salmon"
REL_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
JRD_CONTENT_TYPE = "application/jrd+json"


@dataclass(frozen=True)
class WebFinger:
    """What a WebFinger JRD says about a person, as diaspora* reads it."""

    subject: str  # "acct:alice@example.org"
    hcard_url: str
    seed_url: str
    aliases: tuple[str, ...] = ()
    profile_url: str | None = None
    atom_url: str | None = None
    salmon_url: str | None = None
    subscribe_template: str | None = None

    @property
    def diaspora_id(self) -> str:
        return normalize_diaspora_id(self.subject)


def webfinger_jrd(webfinger: WebFinger) -> dict:
    """The JRD as diaspora* serves it: aliases, then the links in dfed's order, each optional
    link only when known."""
    document: dict = {"subject": webfinger.subject}
    if webfinger.aliases:
        document["aliases"] = list(webfinger.aliases)
    links = [{"rel": REL_HCARD, "type": "text/html", "href": webfinger.hcard_url},
             {"rel": REL_SEED, "type": "text/html", "href": webfinger.seed_url}]
    if webfinger.profile_url:
        links.append({"rel": REL_PROFILE, "type": "text/html", "href": webfinger.profile_url})
    if webfinger.atom_url:
        links.append({"rel": REL_ATOM, "type": "application/atom+xml", "href": webfinger.atom_url})
    if webfinger.salmon_url:
        links.append({"rel": REL_SALMON, "href": webfinger.salmon_url})
    if webfinger.subscribe_template:
        links.append({"rel": REL_SUBSCRIBE, "template": webfinger.subscribe_template})
    document["links"] = links
    return document


def local_webfinger(base_url: str, diaspora_id: str, guid: str, username: str) -> WebFinger:
    """What this pod says about one of its users, with the links diaspora* serves for a full
    person (``webfinger_full.jrd.json``); the subscribe template points at our search."""
    base = base_url.rstrip("/")
    return WebFinger(
        subject=f"acct:{diaspora_id}",
        aliases=(f"{base}/people/{guid}",),
        hcard_url=f"{base}/hcard/users/{guid}",
        seed_url=f"{base}/",
        profile_url=f"{base}/u/{username}",
        atom_url=f"{base}/public/{username}.atom",
        salmon_url=f"{base}/receive/users/{guid}",
        subscribe_template=f"{base}/search?q={{uri}}",
    )


def pretty_json(document) -> str:
    """Two-space pretty JSON with a final newline, as dfed's ``JSON.pretty_generate`` writes it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _url_with_host_and_path(value) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.netloc) and bool(parts.path)


def parse_webfinger(data: bytes) -> WebFinger:
    """Read a JRD: the first link of each rel wins, unknown rels are ignored (§4.1)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DiscoveryError(f"WebFinger answer is not JSON: {exc}") from None
    if not isinstance(document, dict) or "subject" not in document or "links" not in document:
        raise DiscoveryError("WebFinger answer lacks subject or links")
    subject, links = document["subject"], document["links"]
    if not isinstance(subject, str) or not subject.strip():
        raise DiscoveryError("WebFinger subject is empty")
    if not isinstance(links, list):
        raise DiscoveryError("WebFinger links is not a list")
    first: dict[str, dict] = {}
    for link in links:
        if isinstance(link, dict) and isinstance(link.get("rel"), str):
            first.setdefault(link["rel"], link)

    def href(rel: str) -> str | None:
        value = first.get(rel, {}).get("href")
        return value if isinstance(value, str) else None

    hcard_url, seed_url = href(REL_HCARD), href(REL_SEED)
    if not _url_with_host_and_path(hcard_url):
        raise DiscoveryError(f"WebFinger has no usable hCard link: {hcard_url!r}")
    try:
        seed_ok = bool(seed_url) and bool(urlsplit(seed_url).scheme) and bool(urlsplit(seed_url).netloc)
    except ValueError:
        seed_ok = False
    if not seed_ok:
        raise DiscoveryError(f"WebFinger has no usable seed_location link: {seed_url!r}")
    optional = {}
    for name, rel in (("profile_url", REL_PROFILE), ("atom_url", REL_ATOM), ("salmon_url", REL_SALMON)):
        value = href(rel)
        if value is not None and not _url_with_host_and_path(value):
            raise DiscoveryError(f"WebFinger {rel} link is not a URL with a host and a path: {value!r}")
        optional[name] = value
    template = first.get(REL_SUBSCRIBE, {}).get("template")
    aliases = document.get("aliases")
    aliases = tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else ()
    return WebFinger(subject=subject.strip(), hcard_url=hcard_url, seed_url=seed_url, aliases=aliases,
                     subscribe_template=template if isinstance(template, str) else None, **optional)


# --- hCard (§4.3) ---------------------------------------------------------------------------

FULL_NAME_MAX = 70
NAME_MAX = 32
DEFAULT_AVATAR_PATH = "/static/default-avatar.png"
PEM_MARKERS = (("-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"),
               ("-----BEGIN RSA PUBLIC KEY-----", "-----END RSA PUBLIC KEY-----"))


@dataclass(frozen=True)
class HCard:
    guid: str
    full_name: str | None
    public_key: str
    photo_large: str
    photo_medium: str
    photo_small: str
    searchable: bool
    nickname: str | None = None
    first_name: str | None = None
    last_name: str | None = None


def local_hcard(base_url: str, *, guid: str, username: str, full_name: str, first_name: str | None,
                last_name: str | None, searchable: bool, public_key: str, photo_large: str | None,
                photo_medium: str | None, photo_small: str | None) -> HCard:
    """The hCard of one of our users; avatars become absolute URLs, and a person without one
    gets the pod's default picture (diaspora* requires all three images)."""
    base = base_url.rstrip("/") + "/"
    default = base + DEFAULT_AVATAR_PATH.lstrip("/")

    def absolute(url: str | None) -> str:
        return urljoin(base, url) if url else default

    return HCard(guid=guid, nickname=username, full_name=full_name, first_name=first_name or None,
                 last_name=last_name or None, searchable=searchable, public_key=public_key,
                 photo_large=absolute(photo_large), photo_medium=absolute(photo_medium),
                 photo_small=absolute(photo_small))


def _field(label: str, inner: str) -> str:
    return (f'        <dl class="entity_{label.lower()}">\n'
            f"          <dt>{label}</dt>\n"
            f"          <dd>\n"
            f"            {inner}\n"
            f"          </dd>\n"
            f"        </dl>\n")


def _span(css_class: str, text: str | None) -> str:
    return f'<span class="{css_class}">{escape(text or "", quote=False)}</span>'


def hcard_html(card: HCard) -> str:
    """The hCard page exactly as diaspora_federation lays it out (``hcard_full.html``)."""
    title = escape(card.full_name or "", quote=False)
    parts = [
        '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN" "http://www.w3.org/TR/REC-html40/loose.dtd">\n'
        "<html>\n"
        "  <head>\n"
        '    <meta charset="UTF-8"/>\n'
        f"    <title>{title}</title>\n"
        "  </head>\n"
        "  <body>\n"
        '    <div id="content">\n'
        f"      <h1>{title}</h1>\n"
        '      <div id="content_inner" class="entity_profile vcard author">\n'
        "        <h2>User profile</h2>\n",
        _field("Uid", _span("uid", card.guid)),
    ]
    if card.nickname is not None:
        parts.append(_field("Nickname", _span("nickname", card.nickname)))
    parts += [
        _field("Full_name", _span("fn", card.full_name)),
        _field("Searchable", _span("searchable", "true" if card.searchable else "false")),
        _field("Key", f'<pre class="key">{escape(card.public_key, quote=False)}</pre>'),
        _field("First_name", _span("given_name", card.first_name)),
        _field("Family_name", _span("family_name", card.last_name)),
    ]
    for label, size, url in (("Photo", 300, card.photo_large), ("Photo_medium", 100, card.photo_medium),
                             ("Photo_small", 50, card.photo_small)):
        parts.append(_field(label, f'<img class="photo avatar" width="{size}" height="{size}" src="{escape(url)}"/>'))
    parts.append("      </div>\n    </div>\n  </body>\n</html>\n")
    return "".join(parts)


def _html_parser() -> lxml.html.HTMLParser:
    # HTML from anyone: no network, no huge trees; libxml2's HTML parser loads no DTD.
    return lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_pis=True, remove_comments=True,
                                default_doctype=False)


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _first(root, *classes: str, attribute: str | None = None):
    """The first element, in document order, matching the CSS selector ``.a .b[attribute]``."""
    path = "".join(f"//*[{_has_class(name)}]" for name in classes)
    if attribute:
        path += f"[@{attribute}]"
    found = root.xpath(path)
    return found[0] if found else None


def _text(root, css_class: str) -> str | None:
    element = _first(root, css_class)
    if element is None:
        return None
    return element.text_content()


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


def _check_name(value: str | None, label: str, limit: int) -> str | None:
    value = _blank_to_none(value)
    if value is not None and (len(value) > limit or ";" in value):
        raise DiscoveryError(f"hCard {label} is longer than {limit} characters or contains ';'")
    return value


def _photo(root, block: str) -> str:
    element = _first(root, block, "photo", attribute="src")
    if element is None:
        raise DiscoveryError(f"hCard lacks the .{block} .photo image")
    src = element.get("src", "").strip()
    try:
        has_path = bool(urlsplit(src).path)
    except ValueError:
        has_path = False
    if not has_path:
        raise DiscoveryError(f"hCard .{block} image has no path: {src!r}")
    return src


def parse_hcard(data: bytes) -> HCard:
    """Read an hCard by diaspora*'s CSS selectors (first match each); DiscoveryError when a
    required element is missing or a value is invalid."""
    if not data or not data.strip():
        raise DiscoveryError("hCard is empty")
    try:
        root = lxml.html.document_fromstring(data, parser=_html_parser())
    except (etree.ParserError, ValueError) as exc:
        raise DiscoveryError(f"hCard is not HTML: {exc}") from None
    guid = (_text(root, "uid") or "").strip()
    if not valid_guid(guid):
        raise DiscoveryError(f"hCard uid is not a valid guid: {guid!r}")
    if _first(root, "fn") is None:
        raise DiscoveryError("hCard lacks the .fn element")
    key = (_text(root, "key") or "").strip()
    if not any(key.startswith(begin) and key.endswith(end) for begin, end in PEM_MARKERS):
        raise DiscoveryError("hCard .key is not a PEM public key")
    return HCard(
        guid=guid,
        nickname=_blank_to_none(_text(root, "nickname")),
        full_name=_check_name(_text(root, "fn"), "full name", FULL_NAME_MAX),
        first_name=_check_name(_text(root, "given_name"), "first name", NAME_MAX),
        last_name=_check_name(_text(root, "family_name"), "last name", NAME_MAX),
        public_key=key + "\n",
        photo_large=_photo(root, "entity_photo"),
        photo_medium=_photo(root, "entity_photo_medium"),
        photo_small=_photo(root, "entity_photo_small"),
        searchable=_text(root, "searchable") == "true",
    )


# --- host-meta (§4.2) -----------------------------------------------------------------------

HOST_META_CONTENT_TYPE = "application/xrd+xml"


def host_meta_xml() -> str:
    """The empty XRD current diaspora* serves for old pod checkers."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"></XRD>\n')


# --- NodeInfo (§4.4) ------------------------------------------------------------------------

NODEINFO_VERSIONS = ("2.0", "2.1")
NODEINFO_CONTENT_TYPE = "application/json"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
SOFTWARE_NAME = "seedpod"


def nodeinfo_content_type(version: str) -> str:
    return f"application/json; profile={NODEINFO_SCHEMA.format(version=version)}#"


def nodeinfo_links(base_url: str) -> dict:
    base = base_url.rstrip("/")
    return {"links": [{"rel": NODEINFO_SCHEMA.format(version=version), "href": f"{base}/nodeinfo/{version}"}
                      for version in NODEINFO_VERSIONS]}


@dataclass(frozen=True)
class NodeStats:
    """What NodeInfo tells about the pod; ``users`` is None when the podmin hides statistics."""

    software_version: str
    open_registrations: bool
    node_name: str
    local_posts: int
    local_comments: int
    total_users: int | None = None
    active_halfyear: int | None = None
    active_month: int | None = None
    hide_users: bool = False
    repository: str | None = None
    homepage: str | None = None


def nodeinfo_document(version: str, stats: NodeStats) -> dict:
    """A NodeInfo 2.0 or 2.1 document as diaspora* builds it; ValueError for other versions."""
    if version not in NODEINFO_VERSIONS:
        raise ValueError(f"unknown NodeInfo version {version!r}")
    software = {"name": SOFTWARE_NAME, "version": stats.software_version}
    if version == "2.1":
        if stats.repository:
            software["repository"] = stats.repository
        if stats.homepage:
            software["homepage"] = stats.homepage
    users = {} if stats.hide_users else {"total": stats.total_users, "activeHalfyear": stats.active_halfyear,
                                         "activeMonth": stats.active_month}
    return {
        "version": version,
        "software": software,
        "protocols": ["diaspora"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": bool(stats.open_registrations),
        "usage": {"users": users, "localPosts": stats.local_posts, "localComments": stats.local_comments},
        "metadata": {"nodeName": stats.node_name,
                     "camo": {"markdown": False, "opengraph": False, "remotePods": False}},
    }
