"""Importing a diaspora* account archive into a new, still empty account on this pod.

An archive (from diaspora* or from Seedpod, plain JSON or gzip) is read and checked in full
before anything is stored: a bad one is refused with the list of what is wrong. A good one is
kept under ``data_dir``/imports and an :class:`Import` row applies it a step at a time
(:func:`run_step`): the old identity's key is checked, then the profile, aspects, followed tags
and contacts are restored, and finally the ``account_migration`` is sent (core.portability.migration)
so other pods move the old identity here. Every step can run again without doing anything twice;
the row's ``summary`` (JSON) says what was restored and what could not be.

Posts are not published again: they stay as the archive has them (the summary counts them).
The stored copy of the archive, which holds the old private key, is deleted once the import is
done; a failed import keeps it so that it can be looked into.
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..accounts.models import Profile, User
from ..aspects.models import ASPECT_NAME_MAX, Aspect, Contact
from ..aspects.services import AspectError, AspectService, aspect_ids_of
from ..db import utcnow
from ..events import record
from ..federation.discovery import find_or_fetch_person, known_person
from ..federation.entities import is_diaspora_id, normalize_diaspora_id
from ..federation.errors import DiscoveryError, ProtocolError
from ..posts.models import Post
from ..streams.services import StreamError, TagService, normalize_tag_name
from .models import DONE, FAILED, PENDING, RUNNING, Import

# The largest archive accepted, as uploaded (gzip or JSON): diaspora* archives of years of
# posting are a few megabytes compressed, so this leaves room without letting one upload fill
# the disk. Unpacked, an archive may be four times that; more is refused before it is parsed.
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_JSON_BYTES = 4 * MAX_ARCHIVE_BYTES
# At most this many problems are listed for a bad archive.
MAX_PROBLEMS = 20
# Contacts looked up per step: each may ask another pod, so progress is saved between batches.
CONTACTS_PER_STEP = 10
SUMMARY_NAMES_MAX = 200

STEPS = ("identity", "profile", "aspects", "tags", "contacts", "blocks", "migration")
STEP_LABELS = {
    "identity": "Checking the old identity's key",
    "profile": "Restoring the profile",
    "aspects": "Restoring aspects",
    "tags": "Following tags",
    "contacts": "Finding contacts and sharing with them again",
    "blocks": "Ignoring the people you ignored",
    "migration": "Telling other pods about the move",
}
# Progress (0..100) when each step starts; contacts move it from 35 to 85.
STEP_PROGRESS = {"identity": 5, "profile": 15, "aspects": 25, "tags": 30, "contacts": 35, "blocks": 85,
                 "migration": 90}

PROFILE_TEXT = ("full_name", "first_name", "last_name", "gender", "bio", "birthday", "location", "image_url",
                "image_url_medium", "image_url_small", "tag_string")
PROFILE_FLAGS = ("searchable", "nsfw", "public")
CONTACT_FLAGS = ("sharing", "following", "receiving", "followed")


class ArchiveError(ValueError):
    """An archive that can't be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)[:MAX_PROBLEMS]
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "This archive can't be imported: " + "; ".join(self.problems) + "."


class ImportRefused(ValueError):
    """The account can't take an import (not empty, one already under way)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- reading and checking an archive ----------------------------------------------------------

def decode_archive(raw: bytes) -> dict:
    """The archive's JSON object from the uploaded bytes (gzip or plain); ArchiveError otherwise."""
    if not raw:
        raise ArchiveError(["the file is empty"])
    if len(raw) > MAX_ARCHIVE_BYTES:
        raise ArchiveError([f"the file is larger than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB"])
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
                raw = unpacked.read(MAX_JSON_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ArchiveError([f"the file looks gzipped but can't be unpacked ({exc})"]) from None
        if len(raw) > MAX_JSON_BYTES:
            raise ArchiveError([f"the unpacked archive is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiveError(["the file is neither gzip nor UTF-8 JSON"]) from None
    if "\x00" in text:
        raise ArchiveError(["the file contains a NUL character"])
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ArchiveError([f"the file is not JSON ({exc})"]) from None
    if not isinstance(data, dict):
        raise ArchiveError(["the archive is not a JSON object"])
    return data


def _nul_paths(value, path: str, found: list[str]) -> None:
    """Where a NUL character hides in the parsed JSON (from a ``\\u0000`` escape)."""
    if len(found) >= MAX_PROBLEMS:
        return
    if isinstance(value, str):
        if "\x00" in value:
            found.append(f"{path} contains a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                found.append(f"{path} has a key with a NUL character")
            _nul_paths(item, f"{path}.{key}", found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _nul_paths(item, f"{path}[{index}]", found)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _list_of(user: dict, name: str, problems: list[str], item_check) -> None:
    if name not in user:
        return
    items = user[name]
    if not isinstance(items, list):
        problems.append(f"user.{name} must be an array, not {_kind(items)}")
        return
    for index, item in enumerate(items):
        item_check(f"user.{name}[{index}]", item, problems)


def _string_item(path: str, item, problems: list[str]) -> None:
    if not isinstance(item, str):
        problems.append(f"{path} must be a string, not {_kind(item)}")


def _object_item(path: str, item, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{path} must be an object, not {_kind(item)}")


def _group_item(path: str, item, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{path} must be an object, not {_kind(item)}")
    elif not isinstance(item.get("name"), str):
        problems.append(f"{path}.name is required and must be a string")


def _contact_item(path: str, item, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{path} must be an object, not {_kind(item)}")
        return
    for flag in CONTACT_FLAGS:
        if not isinstance(item.get(flag), bool):
            problems.append(f"{path}.{flag} is required and must be a boolean")
    account = item.get("account_id")
    if not isinstance(account, str) or not is_diaspora_id(normalize_diaspora_id(account)):
        problems.append(f"{path}.account_id must be a diaspora ID")
    groups = item.get("contact_groups_membership")
    if not isinstance(groups, list) or not all(isinstance(name, str) for name in groups):
        problems.append(f"{path}.contact_groups_membership is required and must be an array of strings")


def archive_problems(data: dict) -> list[str]:
    """Everything about the archive's shape (archive-format.json) that stops an import."""
    problems: list[str] = []
    _nul_paths(data, "archive", problems)
    if problems:
        return problems
    version = data.get("version")
    if version != "2.0":
        problems.append("version must be \"2.0\"" + (f", not {version!r}" if version is not None else
                                                      " and is missing"))
    user = data.get("user")
    if not isinstance(user, dict):
        problems.append("user is required and must be an object")
        return problems
    for name in ("username", "email", "private_key"):
        if not isinstance(user.get(name), str) or not user.get(name).strip():
            problems.append(f"user.{name} is required and must be a non-empty string")
    if isinstance(user.get("private_key"), str) and user["private_key"].strip():
        try:
            key = serialization.load_pem_private_key(user["private_key"].strip().encode("ascii"), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                problems.append("user.private_key is not an RSA key")
        except (ValueError, TypeError, UnicodeEncodeError):
            problems.append("user.private_key is not a usable PEM private key")
    profile = user.get("profile")
    if not isinstance(profile, dict):
        problems.append("user.profile is required and must be an object")
    else:
        if profile.get("entity_type") != "profile":
            problems.append("user.profile.entity_type must be \"profile\"")
        fields = profile.get("entity_data")
        if not isinstance(fields, dict):
            problems.append("user.profile.entity_data is required and must be an object")
        else:
            author = fields.get("author")
            if not isinstance(author, str) or not is_diaspora_id(normalize_diaspora_id(author)):
                problems.append("user.profile.entity_data.author must be the account's diaspora ID")
            for name in PROFILE_TEXT:
                if fields.get(name) is not None and not isinstance(fields[name], str):
                    problems.append(f"user.profile.entity_data.{name} must be a string or null")
            for name in PROFILE_FLAGS:
                if fields.get(name) is not None and not isinstance(fields[name], bool):
                    problems.append(f"user.profile.entity_data.{name} must be a boolean")
    _list_of(user, "contact_groups", problems, _group_item)
    _list_of(user, "contacts", problems, _contact_item)
    _list_of(user, "followed_tags", problems, _string_item)
    _list_of(user, "blocks", problems, _string_item)
    _list_of(user, "posts", problems, _object_item)
    _list_of(user, "relayables", problems, _object_item)
    if "others_data" in data and not isinstance(data["others_data"], dict):
        problems.append("others_data must be an object")
    return problems


@dataclass
class Archive:
    """A checked archive and what the import needs from it."""

    data: dict

    @property
    def user(self) -> dict:
        return self.data["user"]

    @property
    def old_diaspora_id(self) -> str:
        return normalize_diaspora_id(self.user["profile"]["entity_data"]["author"])

    @property
    def private_key_pem(self) -> str:
        return self.user["private_key"].strip()

    @property
    def profile(self) -> dict:
        return self.user["profile"]["entity_data"]

    @property
    def contacts(self) -> list[dict]:
        return list(self.user.get("contacts") or [])

    @property
    def post_count(self) -> int:
        return len(self.user.get("posts") or [])


def read_archive(raw: bytes) -> Archive:
    """Decode and check an uploaded archive; ArchiveError lists every problem."""
    data = decode_archive(raw)
    problems = archive_problems(data)
    if problems:
        raise ArchiveError(problems)
    return Archive(data)


def _public_numbers_of_private(pem: str):
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None).public_key().public_numbers()


def check_identity(dbsession, pod, archive: Archive) -> str | None:
    """Check that the archive's key is the old identity's, when that identity can be found.

    Returns a note when the old pod could not be asked (the import goes on: receiving pods
    check the migration's signature against the key they know). Raises ArchiveError when the
    keys differ, or when the old identity is an account of this pod."""
    from ..federation.envelope import load_public_key

    old_id = archive.old_diaspora_id
    person = known_person(dbsession, old_id)
    if person is not None and person.user_id is not None:
        raise ArchiveError([f"the archive belongs to {old_id}, an account of this pod; import it on another pod"])
    if person is None:
        try:
            person = find_or_fetch_person(dbsession, pod, old_id)
        except DiscoveryError as exc:
            return f"{old_id} could not be looked up ({exc}); the key was not compared"
    try:
        matches = load_public_key(person.public_key_pem).public_numbers() == _public_numbers_of_private(
            archive.private_key_pem)
    except (ProtocolError, ValueError, TypeError):
        matches = False
    if not matches:
        raise ArchiveError([f"the private key in the archive is not the key of {old_id}"])
    return None


# --- starting an import -----------------------------------------------------------------------

def imports_dir(pod) -> Path:
    return Path(pod.data_dir) / "imports"


def latest_import(dbsession, user: User) -> Import | None:
    return dbsession.scalar(sa.select(Import).where(Import.user_id == user.id).order_by(Import.id.desc()).limit(1))


def check_account_empty(dbsession, user: User) -> None:
    """Only a new account takes an import: no posts, no contacts, no other import."""
    earlier = dbsession.scalar(sa.select(Import).where(Import.user_id == user.id, Import.state != FAILED).limit(1))
    if earlier is not None:
        raise ImportRefused("This account already has an import; each account takes one archive.")
    if dbsession.scalar(sa.select(Post.id).where(Post.author_id == user.person.id).limit(1)) is not None:
        raise ImportRefused("This account has posts already; an archive can only be imported into a new, "
                            "empty account.")
    if dbsession.scalar(sa.select(Contact.id).where(Contact.user_id == user.id).limit(1)) is not None:
        raise ImportRefused("This account has contacts already; an archive can only be imported into a new, "
                            "empty account.")


def start_import(dbsession, pod, user: User, raw: bytes, enqueue=None) -> Import:
    """Check the account and the archive, keep the archive and make the Import row; with
    ``enqueue``, the job applying it is sent after commit. Refuses with nothing stored."""
    check_account_empty(dbsession, user)
    archive = read_archive(raw)
    if archive.old_diaspora_id == user.diaspora_id:
        raise ArchiveError(["the archive is this very account's"])
    if dbsession.scalar(sa.select(Import.id).where(Import.old_diaspora_id == archive.old_diaspora_id,
                                                   Import.state != FAILED).limit(1)) is not None:
        raise ImportRefused(f"The archive of {archive.old_diaspora_id} was imported into another account of this "
                            "pod already.")
    folder = imports_dir(pod)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{user.id}-{secrets.token_hex(8)}.json" + (".gz" if raw[:2] == b"\x1f\x8b" else "")
    (folder / name).write_bytes(raw)
    row = Import(user_id=user.id, state=PENDING, progress=0, step="Waiting to start", archive_path=name,
                 old_diaspora_id=archive.old_diaspora_id,
                 summary=json.dumps({"next": STEPS[0], "posts_in_archive": archive.post_count}))
    dbsession.add(row)
    dbsession.flush()
    if enqueue is not None:
        from .jobs import apply_import

        enqueue(apply_import, row.id)
    return row


# --- applying it, a step at a time --------------------------------------------------------------

def summary_of(row: Import) -> dict:
    try:
        value = json.loads(row.summary or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def _load(pod, row: Import) -> Archive:
    path = imports_dir(pod) / (row.archive_path or "")
    if not row.archive_path or not path.is_file():
        raise ArchiveError(["the uploaded archive is gone from the pod's imports folder"])
    return read_archive(path.read_bytes())


def run_step(dbsession, pod, import_id: int, enqueue=None) -> bool:
    """Apply the next step of the import; True when there is more to do.

    A step that fails on the archive marks the import failed with the reason. Unexpected
    errors propagate (the caller's transaction is rolled back and the step can run again)."""
    row = dbsession.get(Import, import_id)
    if row is None or row.state in (DONE, FAILED):
        return False
    user = dbsession.get(User, row.user_id)
    summary = summary_of(row)
    step = summary.get("next", STEPS[0])
    row.state = RUNNING
    try:
        archive = _load(pod, row)
        if step == "identity":
            note = check_identity(dbsession, pod, archive)
            if note:
                summary["identity_note"] = note
            step = "profile"
        elif step == "profile":
            restore_profile(dbsession, user, archive.profile, enqueue)
            summary["profile"] = True
            step = "aspects"
        elif step == "aspects":
            summary["aspects"] = restore_aspects(dbsession, pod, user, archive.user.get("contact_groups") or [])
            step = "tags"
        elif step == "tags":
            followed, skipped = restore_tags(dbsession, pod, user, archive.user.get("followed_tags") or [])
            summary["followed_tags"], summary["skipped_tags"] = followed, skipped
            step = "contacts"
        elif step == "contacts":
            done = restore_contacts(dbsession, pod, user, archive, summary, enqueue)
            total = max(len(archive.contacts), 1)
            row.progress = STEP_PROGRESS["contacts"] + (STEP_PROGRESS["blocks"] - STEP_PROGRESS["contacts"]) * \
                min(summary.get("contacts_done", 0), total) // total
            if not done:
                row.summary = json.dumps(summary)
                row.step = STEP_LABELS["contacts"] + f" ({summary.get('contacts_done', 0)} of {len(archive.contacts)})"
                return True
            step = "blocks"
        elif step == "blocks":
            if not restore_blocks(dbsession, pod, user, archive, summary, enqueue):
                row.summary = json.dumps(summary)
                return True
            step = "migration"
        elif step == "migration":
            from .migration import send_migration

            contact_ids = [c.get("account_id") for c in archive.contacts]
            summary["migration_pods"] = send_migration(dbsession, pod, user, archive.old_diaspora_id,
                                                       archive.private_key_pem, contact_ids, enqueue)
            if not summary.get("migration_recorded"):
                record(dbsession, "account_migrated", {"person_id": user.person.id,
                                                       "old_diaspora_id": archive.old_diaspora_id}, enqueue)
                summary["migration_recorded"] = True
            step = "done"
    except ArchiveError as exc:
        row.state, row.error, row.finished_at = FAILED, exc.message, utcnow()
        row.step = "Failed"
        row.summary = json.dumps(summary)
        return False
    summary["next"] = step
    row.summary = json.dumps(summary)
    if step == "done":
        row.state, row.progress, row.step, row.finished_at = DONE, 100, "Done", utcnow()
        _remove_archive(pod, row)
        return False
    row.step = STEP_LABELS[step]
    row.progress = STEP_PROGRESS[step]
    dbsession.flush()
    return True


def _remove_archive(pod, row: Import) -> None:
    """The stored copy holds the old private key: gone once the import is done."""
    if row.archive_path:
        path = imports_dir(pod) / row.archive_path
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        row.archive_path = None


def run_all(dbsession_factory, pod, import_id: int) -> None:
    """Every remaining step, each in its own transaction (``dbsession_factory()`` is a context
    manager giving a JobContext-like object with ``dbsession`` and ``enqueue``)."""
    more = True
    while more:
        with dbsession_factory() as ctx:
            more = run_step(ctx.dbsession, pod, import_id, ctx.enqueue)


# --- the restoring steps --------------------------------------------------------------------

def _clip(value, limit: int) -> str:
    return (value or "").strip()[:limit] if isinstance(value, str) else ""


def _birthday(value) -> dt.date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return day if 1000 <= day.year and day <= dt.date.today() else None


def _profile_tags(value) -> str:
    """At most five valid tags of the old profile, as ``#a #b``."""
    names: list[str] = []
    for word in (value or "").replace(",", " ").split() if isinstance(value, str) else []:
        try:
            name = normalize_tag_name(word)
        except StreamError:
            continue
        if name not in names:
            names.append(name)
    tag_string = ""
    for name in names[:5]:
        candidate = f"{tag_string} #{name}".strip()
        if len(candidate) > 255:
            break
        tag_string = candidate
    return tag_string


def _avatar(value) -> str | None:
    """Avatars stay where they are: the remote URL is kept when it is one."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 1024:
        return value
    return None


def restore_profile(dbsession, user: User, fields: dict, enqueue=None) -> Profile:
    """Names, bio, birthday, gender, location, tags, flags and avatar URLs of the old profile."""
    person = user.person
    profile = person.profile
    if profile is None:
        profile = Profile(person_id=person.id)
        dbsession.add(profile)
        person.profile = profile
    first, last = fields.get("first_name"), fields.get("last_name")
    if not first and not last and isinstance(fields.get("full_name"), str):
        first, _, last = fields["full_name"].strip().partition(" ")
    large = _avatar(fields.get("image_url"))
    values = {
        "first_name": _clip(first, 32).replace(";", ""), "last_name": _clip(last, 32).replace(";", ""),
        "bio": _clip(fields.get("bio"), 5000), "location": _clip(fields.get("location"), 255),
        "gender": _clip(fields.get("gender"), 255), "birthday": _birthday(fields.get("birthday")),
        "tag_string": _profile_tags(fields.get("tag_string")),
        "searchable": fields.get("searchable") is not False, "nsfw": fields.get("nsfw") is True,
        "public_details": fields.get("public") is True, "image_url": large,
        "image_url_medium": _avatar(fields.get("image_url_medium")) or large,
        "image_url_small": _avatar(fields.get("image_url_small")) or large,
    }
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, values[name])
    if changed:
        # Told like any profile edit; a second run of the step changes and tells nothing.
        profile.updated_at = utcnow()
        dbsession.flush()
        record(dbsession, "profile_updated", {"person_id": person.id}, enqueue)
    return profile


def _aspect_name(raw) -> str:
    return " ".join((raw or "").split())[:ASPECT_NAME_MAX] if isinstance(raw, str) else ""


def restore_aspects(dbsession, pod, user: User, groups: list[dict]) -> list[str]:
    """The old aspects by name, in their order, before any the new account had already."""
    service = AspectService(dbsession, pod)
    ordered: list[Aspect] = []
    for group in groups:
        name = _aspect_name(group.get("name"))
        if not name:
            continue
        aspect = next((a for a in service.aspects(user) if a.name.lower() == name.lower()), None)
        if aspect is None:
            try:
                aspect = service.create(user, name)
            except AspectError:
                continue
        if aspect not in ordered:
            ordered.append(aspect)
    if ordered:
        service.reorder(user, [aspect.id for aspect in ordered])
    return [aspect.name for aspect in ordered]


def restore_tags(dbsession, pod, user: User, names: list[str]) -> tuple[int, list[str]]:
    """Follow the old followed tags; returns (how many are followed, names that are not tags)."""
    service = TagService(dbsession, pod)
    followed, skipped = 0, []
    for raw in names:
        try:
            service.follow(user, raw)
            followed += 1
        except StreamError:
            skipped.append(str(raw)[:100])
    return followed, skipped[:SUMMARY_NAMES_MAX]


def _aspect_ids_by_name(dbsession, user: User) -> dict[str, int]:
    return {aspect.name.lower(): aspect.id for aspect in dbsession.scalars(
        sa.select(Aspect).where(Aspect.user_id == user.id).order_by(Aspect.position, Aspect.id))}


def restore_contacts(dbsession, pod, user: User, archive: Archive, summary: dict, enqueue=None) -> bool:
    """The next batch of contacts: find each person (through federation when unknown) and
    share with them again in the same aspects. True once every contact was handled.

    ``summary`` keeps ``contacts_done`` (the position reached) and the lists of people
    restored, not found, and only sharing with the old account (their pods move them over when
    the migration arrives)."""
    contacts = archive.contacts
    start = int(summary.get("contacts_done", 0))
    restored = summary.setdefault("contacts_restored", [])
    missing = summary.setdefault("contacts_not_found", [])
    following = summary.setdefault("contacts_sharing_only", [])
    aspects_by_name = _aspect_ids_by_name(dbsession, user)
    first_aspect = next(iter(aspects_by_name.values()), None)
    service = AspectService(dbsession, pod)
    old_id = archive.old_diaspora_id
    for entry in contacts[start:start + CONTACTS_PER_STEP]:
        start += 1
        diaspora_id = normalize_diaspora_id(entry["account_id"])
        if diaspora_id in (old_id, user.diaspora_id):
            continue
        try:
            person = find_or_fetch_person(dbsession, pod, diaspora_id)
        except DiscoveryError as exc:
            _note(missing, {"diaspora_id": diaspora_id, "reason": str(exc)[:300]})
            continue
        if person.closed_at is not None or person.closed_locally or (
                person.user is not None and person.user.locked_at is not None):
            _note(missing, {"diaspora_id": diaspora_id, "reason": "the account is closed"})
            continue
        wanted = {aspects_by_name[name.lower()] for name in entry["contact_groups_membership"]
                  if _aspect_name(name).lower() in aspects_by_name}
        if not wanted and entry.get("receiving") and first_aspect is not None:
            wanted = {first_aspect}
        if not wanted:
            _note(following, diaspora_id)
            continue
        current = aspect_ids_of(dbsession, user.id, person.id)
        if not wanted <= current:
            try:
                service.set_aspects(user, person, sorted(current | wanted), enqueue)
            except AspectError as exc:
                _note(missing, {"diaspora_id": diaspora_id, "reason": exc.message})
                continue
        _note(restored, diaspora_id)
    summary["contacts_done"] = start
    dbsession.flush()
    return start >= len(contacts)


def restore_blocks(dbsession, pod, user: User, archive: Archive, summary: dict, enqueue=None) -> bool:
    """The next batch of the people the old account ignored, ignored again; True once done.
    Someone who can't be found is left out (listed in ``blocks_not_found``)."""
    blocked = [value for value in archive.user.get("blocks") or []]
    start = int(summary.get("blocks_done", 0))
    done = summary.setdefault("blocks_restored", [])
    missing = summary.setdefault("blocks_not_found", [])
    service = AspectService(dbsession, pod)
    for raw in blocked[start:start + CONTACTS_PER_STEP]:
        start += 1
        diaspora_id = normalize_diaspora_id(raw)
        if diaspora_id in (archive.old_diaspora_id, user.diaspora_id):
            continue
        try:
            person = find_or_fetch_person(dbsession, pod, diaspora_id)
            service.block(user, person, enqueue)
        except DiscoveryError as exc:
            _note(missing, {"diaspora_id": diaspora_id[:255], "reason": str(exc)[:300]})
            continue
        except AspectError as exc:
            _note(missing, {"diaspora_id": diaspora_id, "reason": exc.message})
            continue
        _note(done, diaspora_id)
    summary["blocks_done"] = start
    dbsession.flush()
    return start >= len(blocked)


def _note(items: list, value) -> None:
    if value not in items and len(items) < SUMMARY_NAMES_MAX:
        items.append(value)


# --- for the pages and the command -------------------------------------------------------------

def describe(row: Import) -> dict:
    """What the settings page and the command show about an import."""
    summary = summary_of(row)
    return {
        "old_diaspora_id": row.old_diaspora_id,
        "posts_in_archive": summary.get("posts_in_archive", 0),
        "aspects": summary.get("aspects", []),
        "followed_tags": summary.get("followed_tags", 0),
        "contacts_restored": summary.get("contacts_restored", []),
        "contacts_not_found": summary.get("contacts_not_found", []),
        "contacts_sharing_only": summary.get("contacts_sharing_only", []),
        "migration_pods": summary.get("migration_pods"),
        "identity_note": summary.get("identity_note"),
        "blocks_restored": summary.get("blocks_restored", []),
        "blocks_not_found": summary.get("blocks_not_found", []),
    }


