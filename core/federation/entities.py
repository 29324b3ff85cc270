"""diaspora* entities: read, validate, write and sign them (PROTOCOL.md §8, §9, §10, §16).

One ``Entity`` class serves every type; what differs between types is data, in the tables of
``entity_types``. An entity remembers the order its elements arrived in and any elements we do
not know, because a relayable's signature covers exactly those (§10.2) and relaying must
reproduce them byte for byte. Pure code: no database, no network.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re

from lxml import etree

from .entity_types import (
    BOOLEAN, DATE, DEFAULTED, GUID, ID, INTEGER, NESTED, NESTED_LIST, OPTIONAL, RELAYABLE_PARENT_TYPES,
    RELAYABLES, REQUIRED, SIGNATURE, SPECS, TIMESTAMP, Spec, is_diaspora_id, is_guid,
)
from .envelope import b64_decode_lenient, b64_encode, rsa_sign, rsa_verify
from .errors import EntityError, ProtocolError, SignatureError
from .xml import parse_xml, to_xml_bytes

__all__ = [
    "RELAYABLES", "SPECS", "Entity", "parse_entity", "make_entity", "sign_relayable", "verify_relayable",
    "format_timestamp", "parse_timestamp", "account_migration_signed_string", "migration_identities",
    "sign_account_migration", "verify_account_migration", "check_public", "normalize_diaspora_id",
    "is_diaspora_id", "is_guid", "sanitize_text",
]

_ENTITY_NAME = re.compile(r"[a-z]*(?:_[a-z]*)*")
# XML 1.0 allows these characters and no others (§2.3).
_INVALID_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def sanitize_text(text: str) -> str:
    """Replace characters XML 1.0 cannot carry with U+FFFD, before writing and before signing."""
    return _INVALID_XML_CHARS.sub("\ufffd", text)


def normalize_diaspora_id(value: str) -> str:
    """What diaspora* looks people up by: trimmed, lower-case, without ``acct:`` (§2.1)."""
    value = value.strip().lower()
    return value[5:] if value.startswith("acct:") else value


# --- scalars (§2.3) ---------------------------------------------------------------------------

def format_timestamp(value: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
            f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z")


def parse_timestamp(text: str) -> dt.datetime | None:
    """An aware UTC datetime in whole seconds, or None when the text is not a time.

    Accepts what senders use in practice: ISO 8601 with ``Z`` or an offset, the old
    ``2016-06-29 04:42:23 UTC`` form and RFC 2822. A time without a zone is read as UTC.
    """
    value = text.strip()
    if value.endswith(" UTC"):
        value = value[:-4] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).replace(microsecond=0)


def _parse_scalar(kind: str, text: str):
    """The typed value of an element's text; ``ValueError`` when the text does not fit the kind."""
    if kind == BOOLEAN:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError
    if kind == INTEGER:
        if not re.fullmatch(r"[0-9]+", text):
            raise ValueError
        return int(text)
    if kind == TIMESTAMP:
        parsed = parse_timestamp(text)
        if parsed is None:
            raise ValueError
        return parsed
    if kind == DATE:
        if not _DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    if kind == SIGNATURE:
        return re.sub(r"\s+", "", text)
    return text


def _scalar_text(kind: str, value) -> str:
    """How a known property's value is written and signed (§2.3, §10.2)."""
    if value is None:
        return ""
    if kind == BOOLEAN:
        return "true" if value else "false"
    if kind == TIMESTAMP:
        return format_timestamp(value)
    if kind == DATE:
        return value.isoformat()
    return sanitize_text(str(value))


_PYTHON_TYPES = {BOOLEAN: (bool, "a boolean"), INTEGER: (int, "an integer"),
                 TIMESTAMP: (dt.datetime, "a datetime"), DATE: (dt.date, "a date")}


# --- the entity -------------------------------------------------------------------------------

class Entity:
    """One diaspora* entity: its type, typed values, unknown elements and element order."""

    def __init__(self, type: str, values: dict, unknown: dict | None = None, order: list | None = None,
                 author_signature: str | None = None, *, defaulted=None, blanks=None, missing=(),
                 invalid=None):
        self.type = type
        self.values = values
        self.unknown = unknown if unknown is not None else {}
        self.order = order if order is not None else []
        self.author_signature = author_signature
        # Filled in by a default when reading (§8.2): known, but not written back out unless a
        # caller replaces the value.
        self._defaulted = dict(defaulted or {})
        # Received as empty elements but given their default so callers never see None where
        # diaspora* promises a value; written and signed as empty, as received.
        self._blanks = dict(blanks or {})
        self._missing = list(missing)
        self._invalid = dict(invalid or {})

    @property
    def spec(self) -> Spec:
        return SPECS[self.type]

    @property
    def relayable(self) -> bool:
        return self.type in RELAYABLES

    def get(self, name, default=None):
        return self.values.get(name, default)

    @property
    def author(self) -> str | None:
        return self.values.get("author")

    @property
    def guid(self) -> str | None:
        return self.values.get("guid")

    @property
    def parent_type(self) -> str | None:
        """The class a relayable's parent_guid refers to (§10.1)."""
        return self.values.get("parent_type") or RELAYABLE_PARENT_TYPES.get(self.type)

    def _written_names(self) -> list[str]:
        """Element names to write: the order read or made, then known values set since."""
        names = list(self.order)
        for prop in self.spec.props:
            value = self.values.get(prop.name)
            if prop.element in names or value is None or value == []:
                continue
            untouched_default = prop.name in self._defaulted and self._defaulted[prop.name] is value
            if untouched_default and not isinstance(value, list):
                continue
            names.append(prop.element)
        if self.relayable:
            names = [name for name in names if "signature" not in name]
        return names

    def _text(self, prop) -> str:
        value = self.values.get(prop.name)
        if prop.name in self._blanks and self._blanks[prop.name] is value:
            return ""
        return _scalar_text(prop.kind, value)

    def signed_string(self) -> str:
        """``;``-joined values in element order, signature elements left out (§10.2)."""
        parts = []
        for name in self._written_names():
            if "signature" in name:
                continue
            prop = self.spec.by_element.get(name)
            if prop is None:
                parts.append(sanitize_text(self.unknown.get(name) or ""))
            elif prop.kind in (NESTED, NESTED_LIST):
                continue
            else:
                parts.append(self._text(prop))
        return ";".join(parts)

    def to_element(self) -> etree._Element:
        root = etree.Element(self.type)
        for name in self._written_names():
            prop = self.spec.by_element.get(name)
            if prop is None:
                text = self.unknown.get(name)
                etree.SubElement(root, name).text = sanitize_text(text) if text else None
            elif prop.kind == NESTED_LIST:
                for child in self.values.get(prop.name) or []:
                    root.append(child.to_element())
            elif prop.kind == NESTED:
                child = self.values.get(prop.name)
                if child is not None:
                    root.append(child.to_element())
            else:
                etree.SubElement(root, name).text = self._text(prop) or None
        if self.relayable:
            # dfed always writes it, empty when the author is the root author (§10.2).
            etree.SubElement(root, "author_signature").text = self.author_signature or None
        return root

    def to_xml(self) -> bytes:
        """UTF-8, 2-space indented, no declaration, no trailing newline: what diaspora* sends."""
        return to_xml_bytes(self.to_element(), pretty=True).rstrip(b"\n")

    def __eq__(self, other):
        if not isinstance(other, Entity):
            return NotImplemented
        return (self.type, self.values, self.unknown, self._written_names(), self.author_signature) == (
            other.type, other.values, other.unknown, other._written_names(), other.author_signature)

    def __repr__(self):
        return f"<Entity {self.type} {self.values.get('guid') or self.values.get('author') or ''}>"


# --- reading ----------------------------------------------------------------------------------

def _text_of(element) -> str | None:
    # Empty elements read as nil, not "" (§2.3); text is never trimmed.
    text = "".join(element.itertext())
    return text if text else None


def _read(element, path: str) -> Entity:
    tag = element.tag
    if not isinstance(tag, str):
        raise EntityError("invalid entity: the root is not an element")
    if not _ENTITY_NAME.fullmatch(tag):
        raise EntityError(f"invalid entity name: {tag}")
    spec = SPECS.get(tag)
    if spec is None:
        raise EntityError(f"unknown entity type: {tag}")
    path = f"{path}: {tag}" if path else tag
    values, unknown, order, invalid, blanks = {}, {}, [], {}, {}
    seen: set[str] = set()
    author_signature = None

    for child in element:
        name = child.tag
        if not isinstance(name, str) or name.startswith("{"):
            continue  # comments, processing instructions, namespaced strangers
        if spec.relayable and "signature" in name:
            # Only author_signature survives a relay; legacy parent_author_signature is dropped.
            if name == "author_signature" and name not in seen:
                author_signature = _parse_scalar(SIGNATURE, _text_of(child) or "") or None
            seen.add(name)
            continue
        prop = spec.by_element.get(name)
        if prop is not None and prop.kind == NESTED_LIST:
            if len(child):  # a nested element without children counts as absent (§8.1)
                values.setdefault(prop.name, []).append(_read(child, path))
                if name not in seen:
                    order.append(name)
            seen.add(name)
            continue
        if name in seen:
            continue  # only the first of a repeated element counts
        seen.add(name)
        if prop is not None and prop.kind == NESTED:
            if len(child):
                values[prop.name] = _read(child, path)
                order.append(name)
            continue
        order.append(name)
        text = _text_of(child)
        if prop is None:
            unknown[name] = text
        elif text is None:
            has_default = prop.req == DEFAULTED or prop.default is not None
            values[prop.name] = prop.default_value() if has_default else None
            if has_default and values[prop.name] is not None:
                blanks[prop.name] = values[prop.name]
        else:
            try:
                values[prop.name] = _parse_scalar(prop.kind, text)
            except ValueError:
                values[prop.name] = None
                invalid[prop.name] = text

    defaulted, missing = {}, []
    for prop in spec.props:
        if prop.name in values:
            continue
        if prop.kind == NESTED_LIST or prop.req == DEFAULTED or prop.default is not None:
            values[prop.name] = defaulted[prop.name] = prop.default_value()
        else:
            values[prop.name] = None
            if prop.req == REQUIRED:
                missing.append(prop.name)
    return Entity(tag, values, unknown, order, author_signature,
                  defaulted=defaulted, blanks=blanks, missing=missing, invalid=invalid)


def _validate(entity: Entity, path: str = "") -> None:
    """Raise EntityError for the first §16 rule the entity breaks."""
    path = f"{path}: {entity.type}" if path else entity.type
    spec = entity.spec
    for name in entity._missing:
        raise EntityError(f"{path}: missing required property {name}")
    for name, text in entity._invalid.items():
        raise EntityError(f"{path}: {name} is not a valid {spec.by_element[name].kind}: {text!r}")

    for prop in spec.props:
        value = entity.values.get(prop.name)
        if prop.kind == NESTED_LIST:
            for child in value or []:
                _check_nested(child, prop, path)
            continue
        if prop.kind == NESTED:
            if value is not None:
                _check_nested(value, prop, path)
            continue
        if value is None or value == "":
            if prop.nonempty or (prop.req == REQUIRED and prop.kind in (ID, GUID)):
                raise EntityError(f"{path}: {prop.name} must not be empty")
            continue
        expected, described = _PYTHON_TYPES.get(prop.kind, (str, "a string"))
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise EntityError(f"{path}: {prop.name} must be {described}, not {type(value).__name__}")
        if prop.kind == ID and not is_diaspora_id(value):
            raise EntityError(f"{path}: {prop.name} is not a valid diaspora ID: {value!r}")
        if prop.kind == GUID and not is_guid(value):
            raise EntityError(f"{path}: {prop.name} is not a valid GUID: {value!r}")
        if prop.kind == SIGNATURE:
            try:
                b64_decode_lenient(value)
            except (ValueError, UnicodeEncodeError):
                raise EntityError(f"{path}: {prop.name} is not base64") from None
        if prop.max_len is not None and len(value) > prop.max_len:
            raise EntityError(f"{path}: {prop.name} is longer than {prop.max_len} characters")
        for rule in prop.rules:
            problem = rule(value)
            if problem:
                raise EntityError(f"{path}: {prop.name} {problem}")
    for check in spec.checks:
        problem = check(entity)
        if problem:
            raise EntityError(f"{path}: {problem}")


def _check_nested(child, prop, path):
    if not isinstance(child, Entity) or child.type != prop.nested:
        raise EntityError(f"{path}: {prop.name} must hold {prop.nested} entities")
    _validate(child, path)


def parse_entity(xml, *, validate: bool = True) -> Entity:
    """Read an entity from XML bytes or an lxml element, with §8.2 defaults and §16 validation.

    ``validate=False`` only reads (for looking at legacy or broken data); it still refuses
    unknown entity types.
    """
    if isinstance(xml, (bytes, bytearray, str)):
        try:
            xml = parse_xml(xml)
        except ProtocolError as exc:
            raise EntityError(f"entity: {exc}") from None
    entity = _read(xml, "")
    if validate:
        _validate(entity)
    return entity


# --- making -----------------------------------------------------------------------------------

def _normalize(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).replace(microsecond=0)
    if isinstance(value, str):
        return sanitize_text(value)
    return value


def make_entity(type: str, **values) -> Entity:
    """A new, validated entity in dfed's declaration order (§8.3).

    Defaulted properties not given get their default (``created_at`` now, ``public`` false,
    ...) and are written; optional ones left None are omitted; required ones left None are
    written empty, and validation decides. Nested entities are given as Entity or a list of them.
    """
    spec = SPECS.get(type)
    if spec is None:
        raise EntityError(f"unknown entity type: {type}")
    author_signature = values.pop("author_signature", None)
    known = {prop.name for prop in spec.props}
    strangers = sorted(set(values) - known)
    if strangers:
        raise EntityError(f"{type}: unknown property {strangers[0]}")
    typed, order = {}, []
    for prop in spec.props:
        if prop.name in values:
            value = values[prop.name]
        elif prop.kind == NESTED_LIST or prop.req == DEFAULTED or prop.default is not None:
            value = prop.default_value()
        else:
            value = None
        if prop.kind == NESTED_LIST:
            value = list(value or [])
        value = _normalize(value)
        typed[prop.name] = value
        if prop.kind in (NESTED, NESTED_LIST):
            if value:
                order.append(prop.element)
        elif value is not None or prop.req != OPTIONAL:
            order.append(prop.element)
    entity = Entity(type, typed, {}, order, author_signature)
    _validate(entity)
    return entity


# --- relayable signatures (§10.2) -------------------------------------------------------------

def sign_relayable(entity: Entity, private_key_pem: str) -> None:
    """Set ``author_signature``: the author's RSA-SHA256 signature of ``signed_string()``."""
    signature = rsa_sign(private_key_pem, entity.signed_string().encode("utf-8"))
    entity.author_signature = b64_encode(signature)


def verify_relayable(entity: Entity, public_key_pem: str) -> None:
    """Raise SignatureError unless ``author_signature`` is the author's, over the received order."""
    if not entity.author_signature:
        raise SignatureError(f"{entity.type}: author_signature is missing")
    try:
        signature = b64_decode_lenient(entity.author_signature)
    except (ValueError, UnicodeEncodeError):
        raise SignatureError(f"{entity.type}: author_signature is not base64") from None
    if not rsa_verify(public_key_pem, signature, entity.signed_string().encode("utf-8")):
        raise SignatureError(f"{entity.type}: author_signature of {entity.author} does not verify")


# --- account migration (§9.2) -----------------------------------------------------------------

def account_migration_signed_string(old_id: str, new_id: str) -> str:
    return f"AccountMigration:{old_id}:{new_id}"


def migration_identities(entity: Entity) -> tuple[str, str, str]:
    """(old ID, new ID, the ID whose key signs): the identity that is not the author signs."""
    new_id = entity.get("profile").get("author")
    old_id = entity.get("old_identity") or entity.author
    signer = new_id if entity.author == old_id else old_id
    return old_id, new_id, signer


def sign_account_migration(entity: Entity, private_key_pem: str) -> None:
    """Set ``signature`` with the key of the identity that is not the author."""
    old_id, new_id, _ = migration_identities(entity)
    message = account_migration_signed_string(old_id, new_id).encode("utf-8")
    entity.values["signature"] = b64_encode(rsa_sign(private_key_pem, message))


def verify_account_migration(entity: Entity, public_key_pem: str) -> None:
    """Raise SignatureError unless ``signature`` verifies with the non-author identity's key."""
    old_id, new_id, signer = migration_identities(entity)
    signature = entity.get("signature")
    if not signature:
        raise SignatureError("account_migration: signature is missing")
    try:
        raw = b64_decode_lenient(signature)
    except (ValueError, UnicodeEncodeError):
        raise SignatureError("account_migration: signature is not base64") from None
    message = account_migration_signed_string(old_id, new_id).encode("utf-8")
    if not rsa_verify(public_key_pem, raw, message):
        raise SignatureError(f"account_migration: signature of {signer} does not verify")


# --- the public route (§6.3) ------------------------------------------------------------------

_EXTENDED_PROFILE = ("bio", "birthday", "gender", "location")


def check_public(entity: Entity) -> None:
    """Raise AuthorizationError if an entity with a ``public`` flag may not travel publicly.

    A profile with ``public=false`` may, as long as it carries no extended fields.
    """
    from .errors import AuthorizationError

    if not any(prop.name == "public" for prop in entity.spec.props) or entity.get("public") is True:
        return
    if entity.type == "profile" and all(entity.get(name) is None for name in _EXTENDED_PROFILE):
        return
    raise AuthorizationError(f"{entity.type} is not public and may not be sent on the public route")
