"""Reading and checking a diaspora* account archive (from diaspora* or from Seedpod, plain JSON
or gzip) in full, before anything is stored: a bad one is refused with the list of what is wrong."""
from __future__ import annotations

import gzip
import io
import json
import zlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..federation.discovery import find_or_fetch_person, known_person
from ..federation.entities import is_diaspora_id, normalize_diaspora_id
from ..federation.errors import DiscoveryError, ProtocolError

# The largest archive accepted, as uploaded (gzip or JSON): diaspora* archives of years of
# posting are a few megabytes compressed, so this leaves room without letting one upload fill
# the disk. Unpacked, an archive may be four times that; more is refused before it is parsed.
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_JSON_BYTES = 4 * MAX_ARCHIVE_BYTES
# At most this many problems are listed for a bad archive.
MAX_PROBLEMS = 20
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
