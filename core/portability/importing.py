"""Importing a diaspora* account archive into a new, still empty account on this pod.

An archive (from diaspora* or from Seedpod, plain JSON or gzip) is read and checked in full
before anything is stored (core.portability.reading): a bad one is refused with the list of
what is wrong. A good one is kept under ``data_dir``/imports and an :class:`Import` row applies
it a step at a time (:func:`run_step`): the old identity's key is checked, then the profile,
aspects, followed tags and contacts are restored (core.portability.restoring), and finally the
``account_migration`` is sent (core.portability.migration) so other pods move the old identity
here. Every step can run again without doing anything twice; the row's ``summary`` (JSON) says
what was restored and what could not be.

Posts are not published again: they stay as the archive has them (the summary counts them).
The stored copy of the archive, which holds the old private key, is deleted once the import is
done; a failed import keeps it so that it can be looked into.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import sqlalchemy as sa

from ..accounts.models import User
from ..aspects.models import Contact
from ..db import utcnow
from ..events import record
from ..posts.models import Post
from .models import DONE, FAILED, PENDING, RUNNING, Import
from .reading import Archive, ArchiveError, check_identity, read_archive
from .restoring import restore_aspects, restore_blocks, restore_contacts, restore_profile, restore_tags

# Far longer than a step may take (ten contacts looked up, each within the federation timeout).
LOST_AFTER = dt.timedelta(minutes=30)
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


class ImportRefused(ValueError):
    """The account can't take an import (not empty, one already under way)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    row.state, row.updated_at = RUNNING, utcnow()
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


def lost_imports(dbsession, now: dt.datetime | None = None) -> list[int]:
    """Unfinished imports no step has touched for LOST_AFTER: their job was lost."""
    cutoff = (now or utcnow()) - LOST_AFTER
    return list(dbsession.scalars(sa.select(Import.id).where(
        Import.state.in_((PENDING, RUNNING)), Import.updated_at < cutoff).order_by(Import.id)))


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
