"""The steps that restore an archive into a new account: profile, aspects, followed tags,
contacts (found again through federation) and the people ignored. Each can run again without
doing anything twice."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..accounts.models import Profile, User
from ..aspects.models import ASPECT_NAME_MAX, Aspect
from ..aspects.services import AspectError, AspectService, aspect_ids_of
from ..db import utcnow
from ..events import record
from ..federation.discovery import find_or_fetch_person
from ..federation.entities import normalize_diaspora_id
from ..federation.errors import DiscoveryError
from ..streams.services import StreamError, TagService, normalize_tag_name

from .reading import Archive

# Contacts looked up per step: each may ask another pod, so progress is saved between batches.
CONTACTS_PER_STEP = 10
SUMMARY_NAMES_MAX = 200


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
