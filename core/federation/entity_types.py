"""What each diaspora* entity looks like on the wire: one small table per type (PROTOCOL.md §9).

A spec lists the properties in dfed's declaration order (which is also the order we emit
and sign new relayables in), each with its kind, whether it is required, defaulted or
optional (§8.2), and its field rules (§16). Rules that tie several fields together live in
``checks``. ``entities.py`` reads and writes XML from these tables; nothing here touches XML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..db import utcnow

# Property kinds. Scalars are read and written as in §2.3.
ID = "diaspora_id"
GUID = "guid"
STRING = "string"
BOOLEAN = "boolean"
INTEGER = "integer"
TIMESTAMP = "timestamp"
DATE = "date"
SIGNATURE = "signature"   # standard base64 text, whitespace ignored
NESTED = "nested"          # one child entity (element named after its type)
NESTED_LIST = "nested_list"  # repeated child entities

REQUIRED = "R"
DEFAULTED = "D"
OPTIONAL = "O"

RELAYABLES = frozenset({"comment", "like", "poll_participation", "event_participation"})

# The class a relayable's parent_guid points at when the entity does not say (§10.1).
RELAYABLE_PARENT_TYPES = {"comment": "Post", "poll_participation": "Poll", "event_participation": "Event"}

RETRACTION_TARGET_TYPES = frozenset({
    "Post", "Comment", "Like", "PollParticipation", "EventParticipation", "Participation", "Photo",
    "Poll",
    # Older pods name the post class; diaspora still maps "Person" to "stop sharing" (§9.21).
    "StatusMessage", "Reshare", "Person",
})


def now():
    return utcnow().replace(microsecond=0)


# --- field rules: each returns None when fine, or what is wrong -------------------------------

_GUID = re.compile(r"[0-9A-Za-z\-_@.:]{15,254}[0-9A-Za-z]")
_IPV6_HOST = re.compile(r"\[(?:[0-9A-Fa-f]{0,4}:){0,7}[0-9A-Fa-f]{1,4}\](?::[0-9]+)?")
_HOST_PORT = re.compile(r"([^:\[\]]+)(?::[0-9]+)?")
_TIMEZONE = re.compile(r"[A-Za-z_-]{0,14}(?:/[A-Za-z_-]{0,14}){1,2}")
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _lower_or(chars: str):
    # Ruby's [[:lower:]] is any Unicode lowercase letter, and diaspora* accepts such IDs (§2.1);
    # its \d is ASCII digits only.
    return lambda c: c.islower() or c in chars or c in "0123456789"


_USERNAME_CHAR = _lower_or("-._")
_HOST_CHAR = _lower_or("-")


def is_diaspora_id(value) -> bool:
    """The dfed diaspora ID rule (§2.1): ``user@host[:port]``, lowercase, at most 255 characters."""
    if not isinstance(value, str) or not value or len(value) > 255:
        return False
    user, at, host = value.partition("@")
    if not at or not user or not all(_USERNAME_CHAR(c) for c in user):
        return False
    if host.startswith("["):
        return _IPV6_HOST.fullmatch(host) is not None
    match = _HOST_PORT.fullmatch(host)
    if not match:
        return False
    labels = match.group(1).split(".")
    # The first label must have a character; later ones may be empty, as in Ruby's regex.
    return bool(labels[0]) and all(_HOST_CHAR(c) for label in labels for c in label)


def is_guid(value) -> bool:
    return isinstance(value, str) and _GUID.fullmatch(value) is not None


def is_uri(value: str) -> bool:
    return isinstance(value, str) and " " not in value and _URI_CHARS.fullmatch(value) is not None


def uri_with_path(value) -> str | None:
    from urllib.parse import urlsplit

    if not is_uri(value):
        return "is not a valid URI"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a valid URI"
    if not parts.path:
        return "must be a URL with a path"
    return None


def uri_with_host_and_path(value) -> str | None:
    from urllib.parse import urlsplit

    problem = uri_with_path(value)
    if problem:
        return problem
    if not urlsplit(value).hostname:
        return "must be a URL with a host and a path"
    return None


def any_uri(value) -> str | None:
    if not is_uri(value) or (not _URI_SCHEME.match(value) and not value.startswith("/")):
        return "is not a valid URI"
    return None


def timezone(value) -> str | None:
    return None if _TIMEZONE.fullmatch(value) else "must look like Area/Location"


def no_semicolon(value) -> str | None:
    return "must not contain ';'" if ";" in value else None


def at_most_5_tags(value) -> str | None:
    return "may hold at most 5 tags" if value.count("#") > 5 else None


def one_of(*allowed):
    def rule(value):
        return None if value in allowed else f"must be one of {', '.join(allowed)}"
    return rule


def participants(value) -> str | None:
    people = value.split(";")
    if len(people) < 2:
        return "must name at least 2 people"
    bad = [person for person in people if not is_diaspora_id(person)]
    return f"holds an invalid diaspora ID {bad[0]!r}" if bad else None


# --- the tables -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prop:
    name: str
    kind: str = STRING
    req: str = REQUIRED
    default: Any = None           # a value, or a callable for "now"
    nonempty: bool = False        # nil or "" is invalid
    max_len: int | None = None
    rules: tuple[Callable[[Any], str | None], ...] = ()
    nested: str | None = None     # entity type of NESTED / NESTED_LIST children

    @property
    def element(self) -> str:
        """The XML element name: nested children are named after their type (§8.1)."""
        return self.nested if self.kind in (NESTED, NESTED_LIST) else self.name

    def default_value(self):
        if self.kind == NESTED_LIST:
            return []
        return self.default() if callable(self.default) else self.default


@dataclass(frozen=True)
class Spec:
    type: str
    props: tuple[Prop, ...]
    checks: tuple[Callable[[Any], str | None], ...] = ()
    by_element: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        self.by_element.update({prop.element: prop for prop in self.props})

    @property
    def relayable(self) -> bool:
        return self.type in RELAYABLES


def _author(name="author"):
    return Prop(name, ID)


def _guid(name="guid", req=REQUIRED):
    return Prop(name, GUID, req)


def _created_at():
    return Prop("created_at", TIMESTAMP, DEFAULTED, default=now)


def _edited_at():
    return Prop("edited_at", TIMESTAMP, OPTIONAL)


def _text(nonempty: bool, req=REQUIRED, name="text"):
    return Prop(name, STRING, req, nonempty=nonempty, max_len=65535)


def _url_with_path(name, req=OPTIONAL):
    return Prop(name, STRING, req, nonempty=req == REQUIRED, rules=(uri_with_path,))


# Cross-field rules take the Entity and return what is wrong, or None.

def _contact_blocking(e):
    if e.get("blocking") and (e.get("following") or e.get("sharing")):
        return "blocking cannot be true together with following or sharing"


def _embed_url_xor_nothing(e):
    if bool(e.get("url")) == bool(e.get("nothing")):
        return "exactly one of url and nothing=true must be given"


def _poll_answers(e):
    if len(e.get("poll_answers") or []) < 2:
        return "a poll needs at least 2 poll_answer elements"


def _reshare_root(e):
    if (e.get("root_author") is None) != (e.get("root_guid") is None):
        return "root_author and root_guid must both be given or both be absent"


def _same_author(list_name, element):
    def check(e):
        for child in e.get(list_name) or []:
            if child.get("author") != e.get("author"):
                return f"nested {element} author {child.get('author')!r} differs from the author {e.get('author')!r}"
    return check


def _migration_identity(e):
    profile = e.get("profile")
    new_id = profile.get("author") if profile is not None else None
    if e.get("author") == new_id and e.get("old_identity") is None:
        return "old_identity is required when the author is the new identity"
    if e.get("old_identity") is not None and e.get("author") not in (e.get("old_identity"), new_id):
        return "the author must be either the old or the new identity"


_SPECS = [
    Spec("account_deletion", (_author(),)),
    Spec("account_migration", (
        _author(),
        Prop("profile", NESTED, nested="profile"),
        Prop("signature", SIGNATURE, DEFAULTED),
        Prop("old_identity", ID, DEFAULTED),
        _url_with_path("remote_photo_path"),
    ), checks=(_migration_identity,)),
    Spec("comment", (
        _author(), _guid(), _guid("parent_guid"), _text(nonempty=True), _created_at(), _edited_at(),
    )),
    Spec("contact", (
        _author(), _author("recipient"),
        Prop("following", BOOLEAN, DEFAULTED, default=True),
        Prop("sharing", BOOLEAN, DEFAULTED, default=True),
        Prop("blocking", BOOLEAN, OPTIONAL, default=False),
    ), checks=(_contact_blocking,)),
    Spec("conversation", (
        _author(), _guid(),
        Prop("subject", nonempty=True, max_len=255),
        _created_at(),
        Prop("participants", nonempty=True, rules=(participants,)),
        Prop("messages", NESTED_LIST, DEFAULTED, nested="message"),
    ), checks=(_same_author("messages", "message"),)),
    Spec("embed", (
        Prop("url", req=OPTIONAL, rules=(any_uri,)),
        Prop("title", req=OPTIONAL, max_len=255),
        Prop("description", req=OPTIONAL, max_len=65535),
        Prop("image", req=OPTIONAL, rules=(uri_with_host_and_path,)),
        Prop("nothing", BOOLEAN, OPTIONAL),
    ), checks=(_embed_url_xor_nothing,)),
    Spec("event", (
        _author(), _guid(), _edited_at(),
        Prop("summary", nonempty=True, max_len=255),
        _text(nonempty=False, req=OPTIONAL, name="description"),
        Prop("start", TIMESTAMP, nonempty=True),
        Prop("end", TIMESTAMP, OPTIONAL),
        Prop("all_day", BOOLEAN, OPTIONAL, default=False),
        Prop("timezone", req=OPTIONAL, rules=(timezone,)),
        Prop("location", NESTED, OPTIONAL, nested="location"),
    )),
    Spec("event_participation", (
        _author(), _guid(), _guid("parent_guid"),
        Prop("status", nonempty=True, rules=(one_of("accepted", "declined", "tentative"),)),
        _edited_at(),
    )),
    Spec("like", (
        _author(), _guid(), _guid("parent_guid"),
        Prop("parent_type", nonempty=True, rules=(one_of("Post", "Comment"),)),
        Prop("positive", BOOLEAN, nonempty=True),
    )),
    Spec("location", (
        Prop("address"),
        Prop("lat", nonempty=True),
        Prop("lng", nonempty=True),
    )),
    Spec("message", (
        _author(), _guid(), _text(nonempty=True), _created_at(), _edited_at(), _guid("conversation_guid"),
    )),
    Spec("participation", (
        _author(), _guid(), _guid("parent_guid"),
        Prop("parent_type", nonempty=True, rules=(one_of("Post"),)),
    )),
    Spec("photo", (
        _guid(), _author(),
        Prop("public", BOOLEAN, DEFAULTED, default=False),
        _created_at(), _edited_at(),
        _url_with_path("remote_photo_path", REQUIRED),
        Prop("remote_photo_name", nonempty=True),
        _text(nonempty=False, req=OPTIONAL),
        _guid("status_message_guid", OPTIONAL),
        Prop("height", INTEGER, OPTIONAL),
        Prop("width", INTEGER, OPTIONAL),
    )),
    Spec("poll", (
        _guid(),
        Prop("question", nonempty=True, max_len=255),
        Prop("poll_answers", NESTED_LIST, nested="poll_answer"),
    ), checks=(_poll_answers,)),
    Spec("poll_answer", (_guid(), Prop("answer", nonempty=True, max_len=255))),
    Spec("poll_participation", (_author(), _guid(), _guid("parent_guid"), _guid("poll_answer_guid"))),
    Spec("profile", (
        _author(), _edited_at(),
        Prop("full_name", req=OPTIONAL, max_len=70, rules=(no_semicolon,)),
        Prop("first_name", req=OPTIONAL, max_len=32, rules=(no_semicolon,)),
        Prop("last_name", req=OPTIONAL, max_len=32, rules=(no_semicolon,)),
        _url_with_path("image_url"), _url_with_path("image_url_medium"), _url_with_path("image_url_small"),
        _text(nonempty=False, req=OPTIONAL, name="bio"),
        Prop("birthday", DATE, OPTIONAL),
        Prop("gender", req=OPTIONAL, max_len=255),
        Prop("location", req=OPTIONAL, max_len=255),
        Prop("searchable", BOOLEAN, OPTIONAL, default=True),
        Prop("public", BOOLEAN, OPTIONAL, default=False),
        Prop("nsfw", BOOLEAN, OPTIONAL, default=False),
        Prop("tag_string", req=OPTIONAL, rules=(at_most_5_tags,)),
    )),
    Spec("reshare", (
        _author(), _guid(), _created_at(),
        Prop("root_author", ID, OPTIONAL),
        _guid("root_guid", OPTIONAL),
    ), checks=(_reshare_root,)),
    Spec("retraction", (
        _author(), _guid("target_guid"),
        Prop("target_type", nonempty=True, rules=(one_of(*sorted(RETRACTION_TARGET_TYPES)),)),
    )),
    Spec("status_message", (
        _author(), _guid(), _created_at(),
        Prop("public", BOOLEAN, DEFAULTED, default=False),
        Prop("provider_display_name", req=OPTIONAL, max_len=255),
        _text(nonempty=False),
        _edited_at(),
        Prop("photos", NESTED_LIST, DEFAULTED, nested="photo"),
        Prop("location", NESTED, OPTIONAL, nested="location"),
        Prop("poll", NESTED, OPTIONAL, nested="poll"),
        Prop("event", NESTED, OPTIONAL, nested="event"),
        Prop("embed", NESTED, OPTIONAL, nested="embed"),
    ), checks=(_same_author("photos", "photo"),)),
]

SPECS: dict[str, Spec] = {spec.type: spec for spec in _SPECS}
