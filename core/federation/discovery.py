"""Finding people on other pods: WebFinger, then hCard, then a cached Person (PROTOCOL.md §4).

A remote person is stored the way diaspora* stores one after discovery: the Person with the
hCard's guid and public key, its Pod (from seed_location, host and port only, §5.4) and a
Profile with the names, the three avatar URLs and the searchable flag. The key is never
replaced afterwards (§3: key rotation is not a thing in diaspora*); a stale profile is read
again, and when that fails the cached person is kept.
"""
from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import quote, urljoin, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import object_session
from cryptography.hazmat.primitives import serialization

from ..accounts.models import Person, Profile
from ..db import insert_unless_present, utcnow
from . import http
from ..stats import usage
from .documents import (HCard, NodeStats, WebFinger, host_of, normalize_diaspora_id, parse_hcard, parse_webfinger,
                        software_version, valid_diaspora_id)
from .envelope import load_public_key
from .errors import DiscoveryError, ProtocolError, SignatureError
from .models import POD_UNKNOWN, Pod

log = logging.getLogger(__name__)

JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
HCARD_ACCEPT = "text/html, application/xhtml+xml;q=0.9"


# --- no network ------------------------------------------------------------------------

def known_person(dbsession, diaspora_id: str) -> Person | None:
    """The local or cached remote person with this diaspora ID (normalised), without asking anyone."""
    return dbsession.scalar(sa.select(Person).where(Person.diaspora_id == normalize_diaspora_id(diaspora_id)))


def pod_row(dbsession, host: str, https: bool) -> Pod:
    """The Pod row of ``host[:port]`` (lower-cased), created if new. A pod seen on https once
    stays https (§5.4). Safe when two jobs meet the same new pod at once."""
    host = host.strip().lower()
    found = dbsession.scalar(sa.select(Pod).where(Pod.host == host))
    if found is None:
        insert_unless_present(dbsession, Pod, host=host, https=bool(https), status=POD_UNKNOWN, failures=0,
                              created_at=utcnow())
        found = dbsession.scalar(sa.select(Pod).where(Pod.host == host))
    if https and not found.https:
        found.https = True
    return found


def person_base_url(person: Person) -> str:
    """``scheme://host[:port]`` of a remote person's pod, where its federation endpoints live."""
    session = object_session(person)
    home = session.get(Pod, person.pod_id) if session is not None and person.pod_id is not None else None
    if home is None:
        raise DiscoveryError(f"{person.diaspora_id} has no known pod")
    return home.base_url


def normalize_public_key(pem: str) -> str:
    """The RSA key of an hCard as SPKI PEM, whichever of SPKI or PKCS#1 it was published as."""
    try:
        key = load_public_key(pem)
    except SignatureError as exc:
        raise DiscoveryError(f"hCard {exc}") from None
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


# --- the network -----------------------------------------------------------------------

def webfinger_urls(dbsession, pod, diaspora_id: str) -> list[str]:
    """Where to ask: https only, unless the pod allows plain http (development, tests, private
    networks). Then both are tried, in the order most likely to answer first: a TLS handshake
    sent to a plain-http server is not refused, it hangs until the timeout, so a host known to
    be on http, or any host when this pod itself runs on http, is asked over http first."""
    query = "resource=" + quote(f"acct:{diaspora_id}", safe=":@")
    host = host_of(diaspora_id)
    https_url = f"https://{host}/.well-known/webfinger?{query}"
    if not pod.settings["federation.allow_http"]:
        return [https_url]
    http_url = f"http://{host}/.well-known/webfinger?{query}"
    known = dbsession.scalar(sa.select(Pod).where(Pod.host == host.lower()))
    https_first = known.https if known is not None else pod.url.startswith("https:")
    return [https_url, http_url] if https_first else [http_url, https_url]


def fetch_webfinger(dbsession, pod, diaspora_id: str) -> WebFinger:
    failures = []
    for url in webfinger_urls(dbsession, pod, diaspora_id):
        try:
            answer = http.get(pod, url, purpose="webfinger", accept=JRD_ACCEPT)
        except http.RequestFailed as exc:
            failures.append(str(exc))
            continue
        webfinger = parse_webfinger(answer.body)
        if webfinger.diaspora_id != diaspora_id:
            raise DiscoveryError(f"WebFinger for {diaspora_id} answered for {webfinger.subject!r}")
        return webfinger
    raise DiscoveryError(f"WebFinger for {diaspora_id} failed: {'; '.join(failures)}")


def fetch_hcard(pod, webfinger: WebFinger) -> HCard:
    try:
        answer = http.get(pod, webfinger.hcard_url, purpose="hcard", accept=HCARD_ACCEPT)
    except http.RequestFailed as exc:
        raise DiscoveryError(f"hCard of {webfinger.diaspora_id} failed: {exc}") from None
    return parse_hcard(answer.body)


def discover(dbsession, pod, diaspora_id: str) -> tuple[WebFinger, HCard]:
    """WebFinger then hCard for a normalised, valid diaspora ID; DiscoveryError on any failure."""
    webfinger = fetch_webfinger(dbsession, pod, diaspora_id)
    return webfinger, fetch_hcard(pod, webfinger)


def seed_pod(dbsession, webfinger: WebFinger) -> Pod:
    parts = urlsplit(webfinger.seed_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DiscoveryError(f"seed_location {webfinger.seed_url!r} is not an http(s) URL")
    return pod_row(dbsession, parts.netloc.rsplit("@", 1)[-1], parts.scheme == "https")


def _apply_profile(profile: Profile, card: HCard, base_url: str) -> None:
    """What diaspora* keeps of an hCard: first and last name, the avatars and searchable;
    relative avatar paths (``/assets/...``) are made absolute on the person's pod."""
    profile.first_name = card.first_name or ""
    profile.last_name = card.last_name or ""
    profile.image_url = urljoin(base_url + "/", card.photo_large)
    profile.image_url_medium = urljoin(base_url + "/", card.photo_medium)
    profile.image_url_small = urljoin(base_url + "/", card.photo_small)
    profile.searchable = card.searchable


def _create(dbsession, pod, diaspora_id: str) -> Person:
    webfinger, card = discover(dbsession, pod, diaspora_id)
    key = normalize_public_key(card.public_key)
    home = seed_pod(dbsession, webfinger)
    # Two payloads from a new sender arrive together: both jobs discover them, and whichever
    # inserts second finds the first one's row instead of failing.
    created = insert_unless_present(dbsession, Person, guid=card.guid, diaspora_id=diaspora_id,
                                    public_key_pem=key, pod_id=home.id, fetched_at=utcnow(),
                                    created_at=utcnow())
    person = dbsession.scalar(sa.select(Person).where(Person.diaspora_id == diaspora_id))
    if person is None or person.guid != card.guid:
        clash = dbsession.scalar(sa.select(Person).where(Person.guid == card.guid))
        owner = clash.diaspora_id if clash is not None else "someone else"
        raise DiscoveryError(f"hCard of {diaspora_id} claims guid {card.guid}, which belongs to {owner}")
    if created:
        person.profile = Profile()
        _apply_profile(person.profile, card, home.base_url)
        dbsession.flush()
        log.info("discovered %s (guid %s) on %s", diaspora_id, card.guid, home.host)
    return person


def _refresh(dbsession, pod, person: Person) -> None:
    """Read a remote person's profile again; a failure is logged and the cached data kept."""
    try:
        webfinger, card = discover(dbsession, pod, person.diaspora_id)
        if card.guid != person.guid:
            raise DiscoveryError(f"hCard of {person.diaspora_id} now claims guid {card.guid}, "
                                 f"not {person.guid}")
        home = seed_pod(dbsession, webfinger)
    except ProtocolError as exc:
        log.warning("kept the cached profile of %s: refreshing it failed: %s", person.diaspora_id, exc)
        return
    if person.profile is None:
        person.profile = Profile()
    _apply_profile(person.profile, card, home.base_url)
    person.pod_id = home.id
    person.fetched_at = utcnow()
    dbsession.flush()


def _stale(pod, person: Person) -> bool:
    if person.fetched_at is None:
        return True
    return utcnow() - person.fetched_at > dt.timedelta(days=pod.settings["federation.profile_refresh_days"])


def find_or_fetch_person(dbsession, pod, diaspora_id: str, *, refresh: bool = False) -> Person:
    """The person with this diaspora ID: local, cached (read again when stale or when
    ``refresh``), or discovered now and stored. Raises DiscoveryError with the reason."""
    wanted = normalize_diaspora_id(diaspora_id)
    if not valid_diaspora_id(wanted):
        raise DiscoveryError(f"{diaspora_id!r} is not a diaspora* ID")
    person = known_person(dbsession, wanted)
    if person is not None:
        # A closed account keeps its blanked profile: reading its hCard again would undo that.
        closed = person.closed_at is not None or person.closed_locally
        if not person.local and not closed and (refresh or _stale(pod, person)):
            _refresh(dbsession, pod, person)
        return person
    if host_of(wanted) == pod.host.lower():
        raise DiscoveryError(f"{wanted} is not a user of this pod")
    try:
        return _create(dbsession, pod, wanted)
    except DiscoveryError as exc:
        log.warning("discovery of %s failed: %s", wanted, exc)
        raise
    except ProtocolError as exc:  # anything else of the documents' parsing
        log.warning("discovery of %s failed: %s", wanted, exc)
        raise DiscoveryError(str(exc)) from None


# --- other pods' NodeInfo ---------------------------------------------------------------

def _text(value) -> str | None:
    if not isinstance(value, (str, int, float)):
        return None
    return str(value).strip()[:255] or None


def read_software(pod, base_url: str, links_body: bytes | None = None) -> tuple[str | None, str | None]:
    """``(software.name, software.version)`` from the NodeInfo of the pod at ``base_url``;
    ``links_body`` is its /.well-known/nodeinfo when the caller has it already. The newest
    schema the pod links to is read, only on its own host. ProtocolError when there is none."""
    import json

    base = base_url.rstrip("/")
    if links_body is None:
        links_body = http.get(pod, f"{base}/.well-known/nodeinfo", purpose="nodeinfo", accept="application/json").body
    try:
        links = json.loads(links_body).get("links") or []
    except (ValueError, AttributeError):
        raise ProtocolError(f"{base}/.well-known/nodeinfo is not a NodeInfo links document") from None
    schemas = sorted((str(link.get("rel") or ""), str(link.get("href"))) for link in links
                     if isinstance(link, dict) and isinstance(link.get("href"), str))
    hrefs = [href for _rel, href in schemas if href.startswith(base + "/")]
    if not hrefs:
        raise ProtocolError(f"{base} links no NodeInfo document on its own host")
    try:
        info = json.loads(http.get(pod, hrefs[-1], purpose="nodeinfo", accept="application/json").body)
        software = info.get("software")
    except (ValueError, AttributeError):
        raise ProtocolError(f"{hrefs[-1]} is not a NodeInfo document") from None
    if not isinstance(software, dict):
        raise ProtocolError(f"{hrefs[-1]} names no software")
    return _text(software.get("name")), _text(software.get("version"))


# --- what this pod serves about its own users ----------------------------------------------

def _served(person: Person | None) -> Person | None:
    """Only local users whose account is open are discoverable (diaspora* answers 404 for
    closed accounts and for people of other pods)."""
    if person is None or not person.local or person.closed_at is not None or person.user.locked_at is not None:
        return None
    return person


def local_person_for_resource(dbsession, pod, resource: str) -> Person | None:
    """The local user a WebFinger ``resource`` (``acct:alice@host`` or ``alice@host``, any case)
    names, or None."""
    wanted = normalize_diaspora_id(resource)
    if not valid_diaspora_id(wanted) or host_of(wanted) != pod.host.lower():
        return None
    return _served(known_person(dbsession, wanted))


def local_person_by_guid(dbsession, guid: str) -> Person | None:
    return _served(dbsession.scalar(sa.select(Person).where(Person.guid == guid)))


def node_stats(dbsession, pod) -> NodeStats:
    """NodeInfo's numbers: users (unless the podmin hides them), local posts and comments."""
    from ..posts.models import STATUS_MESSAGE, Comment, Post

    local_authors = sa.select(Person.id).where(Person.user_id.is_not(None))
    posts = dbsession.scalar(sa.select(sa.func.count()).select_from(Post)
                             .where(Post.type == STATUS_MESSAGE, Post.author_id.in_(local_authors)))
    comments = dbsession.scalar(sa.select(sa.func.count()).select_from(Comment)
                                .where(Comment.author_id.in_(local_authors)))
    hide = bool(pod.settings["pod.hide_statistics"])
    users = None if hide else usage(dbsession)
    return NodeStats(
        software_version=software_version(),
        open_registrations=pod.settings["settings.registrations"] == "open",
        node_name=pod.name,
        local_posts=posts,
        local_comments=comments,
        hide_users=hide,
        total_users=users.total_users if users else None,
        active_halfyear=users.active_halfyear if users else None,
        active_month=users.active_month if users else None,
    )
