"""Account export: a user asks, a job builds the archive and the photos zip, the user downloads
them for a week, then a sweep removes them.

One export runs at a time per user. Files live under ``data_dir``/exports/<export id>/ as
``archive.json.gz`` (diaspora*'s JSON archive, gzipped) and ``photos.zip`` (the original files
of every photo the user uploaded). The job is idempotent: it builds only a pending export,
claimed by one worker; a periodic sweep sends lost ones again and fails those whose worker died.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db import utcnow
from ..posts.models import Photo
from ..posts.photos import uploads_dir
from .archive import build_archive
from .models import DONE, FAILED, PENDING, RUNNING, Export

log = logging.getLogger(__name__)

KEEP_FOR = dt.timedelta(days=7)
ARCHIVE_NAME = "archive.json.gz"
PHOTOS_NAME = "photos.zip"
# An export still pending this long after it was asked for lost its job message: send it again.
LOST_AFTER = dt.timedelta(minutes=15)
# An export running this long lost its worker (the job's time limit is shorter).
STUCK_AFTER = dt.timedelta(hours=2)
FAILED_MESSAGE = ("Building your archive failed: {reason}. Nothing was kept; ask for a new export, "
                  "and tell your podmin if it fails again.")

READY_MAIL = """Hello {name},

the archive of your account you asked for is ready: your profile, contacts, posts,
comments and the rest, and a zip of your photos. Download them here:

{url}

They are kept until {expires} UTC and deleted after that. The archive holds your
private key: keep it somewhere safe.

{pod}
"""


class ExportFailed(Exception):
    """A reason an export can't be built, said as it is to the user."""


class ExportGone(Exception):
    """The export's files were kept for a week, and that week is over."""


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def exports_dir(pod) -> Path:
    return Path(pod.data_dir) / "exports"


def archive_bytes(archive: dict) -> bytes:
    """The archive as UTF-8 JSON, keys in the order built (stable for the same data)."""
    return json.dumps(archive, ensure_ascii=False, indent=None, separators=(",", ":")).encode("utf-8")


def write_archive(archive: dict, path: Path, compress: bool) -> None:
    """Write the JSON (gzipped when ``compress``) atomically: a reader never sees half a file.
    The gzip header carries no time, so the same archive gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    data = archive_bytes(archive)
    try:
        with open(partial, "wb") as raw:
            if compress:
                with gzip.GzipFile(filename="archive.json", mode="wb", fileobj=raw, mtime=0) as zipped:
                    zipped.write(data)
            else:
                raw.write(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def user_photos(dbsession: Session, user: User) -> list[tuple[str, str, dt.datetime]]:
    """``(guid, file name, created_at)`` of every photo the user uploaded here, oldest first."""
    return [tuple(row) for row in dbsession.execute(
        sa.select(Photo.guid, Photo.file_name, Photo.created_at)
        .where(Photo.author_id == user.person.id, Photo.remote_photo_path.is_(None))
        .order_by(Photo.created_at, Photo.guid))]


def write_photos_zip(pod, photos: list[tuple[str, str, dt.datetime]], path: Path, progress=None) -> int:
    """Zip the original file of each photo (``user_photos``) under its file name (the
    archive's ``remote_photo_name``); returns how many files were found. ``progress(done,
    total)`` is called as it goes."""
    folder = uploads_dir(pod)
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for index, (guid, file_name, created_at) in enumerate(photos, start=1):
                source = folder / file_name
                if source.is_file():
                    created = _aware(created_at).astimezone(dt.timezone.utc)
                    info = zipfile.ZipInfo(file_name, date_time=created.timetuple()[:6])
                    info.external_attr = 0o644 << 16
                    with open(source, "rb") as data, archive.open(info, "w") as entry:
                        shutil.copyfileobj(data, entry)
                    written += 1
                else:
                    log.warning("export: photo %s has no file %s", guid, source)
                if progress is not None:
                    progress(index, len(photos))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return written


@dataclass
class ExportService:
    dbsession: Session
    pod: object

    # --- asking and looking ---------------------------------------------------------------

    def latest(self, user: User) -> Export | None:
        return self.dbsession.scalar(sa.select(Export).where(Export.user_id == user.id)
                                     .order_by(Export.created_at.desc(), Export.id.desc()).limit(1))

    def running(self, user: User) -> Export | None:
        return self.dbsession.scalar(sa.select(Export).where(
            Export.user_id == user.id, Export.state.in_((PENDING, RUNNING))).order_by(Export.id.desc()).limit(1))

    def request(self, user: User) -> tuple[Export, bool]:
        """A new pending export of ``user``, or the one already being built: ``(export, new)``.
        The caller enqueues ``build_export`` for a new one, after commit."""
        current = self.running(user)
        if current is not None:
            return current, False
        export = Export(user_id=user.id, state=PENDING, progress=0, step="Waiting for its turn")
        self.dbsession.add(export)
        self.dbsession.flush()
        return export, True

    def owned(self, user: User, raw_id: str) -> Export | None:
        """The user's export with that id (from a URL), None for anything else."""
        if not (isinstance(raw_id, str) and raw_id.isdigit() and len(raw_id) < 19):
            return None
        export = self.dbsession.get(Export, int(raw_id))
        if export is None or export.user_id != user.id:
            return None
        return export

    def expired(self, export: Export, now: dt.datetime | None = None) -> bool:
        expires = _aware(export.expires_at)
        return expires is not None and expires <= (now or utcnow())

    def file(self, export: Export, which: str, now: dt.datetime | None = None) -> Path | None:
        """The archive or photos file of a finished export; None when there is none, ExportGone
        once its week is over."""
        if export.state != DONE:
            return None
        if self.expired(export, now):
            raise ExportGone()
        relative = export.archive_path if which == "archive" else export.photos_path
        if not relative:
            return None
        path = exports_dir(self.pod) / relative
        return path if path.is_file() else None

    # --- building (the job) ---------------------------------------------------------------

    def build(self, ctx, export_id: int) -> None:
        """Build export ``export_id`` step by step, committing progress as it goes (``ctx`` is
        the job's context; each commit ends the session's objects, so they are read again)."""
        # Claim it: only a pending export is built, by one worker. A finished or failed one is
        # left alone, and one running already has its worker (the sweep fails it if that died).
        claimed = self.dbsession.execute(
            sa.update(Export).where(Export.id == export_id, Export.state == PENDING).values(state=RUNNING)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return
        folder = exports_dir(self.pod) / str(export_id)
        try:
            export = self._step(ctx, export_id, 5, "Reading your profile, contacts and posts")
            user = self.dbsession.get(User, export.user_id)
            if user.closed_at is not None:
                raise ExportFailed("the account was closed")
            shutil.rmtree(folder, ignore_errors=True)
            archive = build_archive(self.dbsession, self.pod, user)
            photos = user_photos(self.dbsession, user)
            self._step(ctx, export_id, 40, "Writing the archive")
            write_archive(archive, folder / ARCHIVE_NAME, compress=True)
            del archive
            self._step(ctx, export_id, 50, f"Packing your photos (0 of {len(photos)})")

            def packed(done: int, total: int) -> None:
                # Commit every tenth photo (and the last): progress shows without a commit per file.
                if done == total or done % 10 == 0:
                    self._step(ctx, export_id, 50 + 49 * done // max(total, 1),
                               f"Packing your photos ({done} of {total})")

            write_photos_zip(self.pod, photos, folder / PHOTOS_NAME, packed)
            export = self.dbsession.get(Export, export_id)
            now = utcnow()
            export.state, export.progress, export.step = DONE, 100, "Ready to download"
            export.archive_path = f"{export_id}/{ARCHIVE_NAME}"
            export.photos_path = f"{export_id}/{PHOTOS_NAME}"
            export.finished_at, export.expires_at = now, now + KEEP_FOR
            export.error = None
            self.dbsession.flush()
            if ctx is not None:
                self._mail_ready(ctx, export)
        except Exception as exc:  # the row says what went wrong; the worker log has the traceback
            log.exception("export %s failed", export_id)
            if ctx is not None:
                ctx.tm.abort()
                ctx.tm.begin()
            else:
                self.dbsession.rollback()
            shutil.rmtree(folder, ignore_errors=True)
            export = self.dbsession.get(Export, export_id)
            if export is not None:
                if isinstance(exc, ExportFailed):
                    reason = str(exc)
                else:
                    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                export.state, export.step = FAILED, "Failed"
                export.error = FAILED_MESSAGE.format(reason=reason)[:2000]
                export.archive_path = export.photos_path = None
                # The row (and its message) goes with the next sweep after a week, as a finished one.
                export.finished_at = utcnow()
                export.expires_at = export.finished_at + KEEP_FOR
                self.dbsession.flush()

    def _mail_ready(self, ctx, export: Export) -> None:
        from ..mail import queue_email

        user = self.dbsession.get(User, export.user_id)
        expires = _aware(export.expires_at).strftime("%Y-%m-%d %H:%M")
        body = READY_MAIL.format(name=user.username, url=f"{self.pod.url}/user/export", expires=expires,
                                 pod=self.pod.name)
        queue_email(ctx, user.email, f"Your {self.pod.name} archive is ready", body)

    def _step(self, ctx, export_id: int, progress: int, step: str) -> Export:
        """Record how far the export is and commit, so its page shows it."""
        export = self.dbsession.get(Export, export_id)
        export.progress, export.step = progress, step[:255]
        self.dbsession.flush()
        if ctx is not None:
            ctx.tm.commit()
            ctx.tm.begin()
        return self.dbsession.get(Export, export_id)

    # --- cleaning up ----------------------------------------------------------------------

    def sweep(self, now: dt.datetime | None = None) -> tuple[int, list[int]]:
        """Delete expired exports (files, then rows); fail exports whose worker died; return
        ``(deleted, ids of pending exports to send again)``."""
        now = now or utcnow()
        deleted = 0
        for export in list(self.dbsession.scalars(sa.select(Export).where(Export.expires_at <= now))):
            shutil.rmtree(exports_dir(self.pod) / str(export.id), ignore_errors=True)
            self.dbsession.delete(export)
            deleted += 1
        for export in list(self.dbsession.scalars(sa.select(Export).where(
                Export.state == RUNNING, Export.created_at <= now - STUCK_AFTER))):
            shutil.rmtree(exports_dir(self.pod) / str(export.id), ignore_errors=True)
            export.state, export.step, export.finished_at = FAILED, "Failed", now
            export.expires_at = now + KEEP_FOR
            export.error = FAILED_MESSAGE.format(reason="it was interrupted")
        lost = list(self.dbsession.scalars(sa.select(Export.id).where(
            Export.state == PENDING, Export.created_at <= now - LOST_AFTER)))
        self.dbsession.flush()
        return deleted, lost


def export_to_file(dbsession: Session, pod, user: User, path: Path) -> None:
    """Write ``user``'s archive to ``path``: gzipped when it ends in ``.json.gz``, plain JSON
    when it ends in ``.json`` (the caller checks the name)."""
    write_archive(build_archive(dbsession, pod, user), path, compress=path.name.endswith(".gz"))
