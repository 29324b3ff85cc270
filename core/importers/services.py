"""Starting a run of an importer, and what the run does with each item the importer yields.

A run (:class:`ContentImport`) is started by the page or the command with the user's choices,
checked in full before anything is stored. The job calls :func:`run_import`, which reads the
source and handles each item in a transaction of its own, so one bad item is recorded as failed
and the rest go on. Every item leaves an :class:`ImportedItem` row: a later run skips what is
there and tries the failed ones again. A network failure of the source leaves the run
unfinished, to be tried again a while later (:func:`retry_delay`); a run whose worker died is
picked up by the sweep (:func:`lost_runs`).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
import transaction

from ..accounts.models import User
from ..db import tm_session, utcnow
from . import Importer, ImportedPost, ImportSource, SkippedItem, SourceError
from .models import DONE, FAILED, IMPORTED, ITEM_FAILED, QUEUED, RUNNING, SKIPPED, UNFINISHED, ContentImport, \
    ImportedItem

log = logging.getLogger(__name__)

# A run untouched this long lost its worker (each item stamps it, a retry is planned sooner).
LOST_AFTER = dt.timedelta(minutes=30)
# Network failures of the source in a row before the run gives up.
MAX_ATTEMPTS = 8
VALUE_MAX = 1000
REASON_MAX = 1000
TAG_MAX = 255
UPLOAD_CHUNK = 1024 * 1024


class ImportRefused(ValueError):
    """A run we won't start: ``message`` says what to change. Nothing was stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ItemFailed(Exception):
    """One item can't be imported; the reason is recorded and the run goes on."""


# --- the importers plugins offer -------------------------------------------------------------

def importers_of(pod) -> dict[str, Importer]:
    """Every enabled plugin's importers by name; two with one name stop the pod."""
    from ..pod import StartupError

    found: dict[str, Importer] = {}
    for impl in pod.pm.hook.register_importers.get_hookimpls():
        for importer in impl.function(pod=pod) or []:
            if not isinstance(importer, Importer):
                raise StartupError(f"plugin {impl.plugin_name!r}: register_importers returned {importer!r}, "
                                   "not a core.importers.Importer")
            if importer.name in found:
                raise StartupError(f"plugin {impl.plugin_name!r}: an importer named {importer.name!r} "
                                   "is registered twice; importer names must be unique")
            found[importer.name] = importer
    return found


def uploads_dir(pod) -> Path:
    return Path(pod.data_dir) / "content_imports"


# --- starting a run ------------------------------------------------------------------------

@dataclass
class Choices:
    """What the user chose on the page or on the command line."""

    importer: str
    value: str = ""
    # The uploaded file: an open binary stream and its name as the user's computer gave it.
    upload: object = None
    upload_name: str = ""
    # "public", or an aspect id of the user's.
    visibility: str = "public"
    federate: bool = False


def _check_visibility(dbsession, user, visibility: str) -> int | None:
    from ..aspects.models import Aspect

    if visibility == "public":
        return None
    try:
        aspect_id = int(visibility)
    except (TypeError, ValueError):
        raise ImportRefused("Choose who sees the imported posts: everyone, or one of your aspects.") from None
    aspect = dbsession.get(Aspect, aspect_id) if 0 < aspect_id < 2**31 else None
    if aspect is None or aspect.user_id != user.id:
        raise ImportRefused("That aspect is not one of yours; choose another, or make the posts public.")
    return aspect.id


def _store_upload(pod, user, stream, name: str) -> str:
    """Copy the upload under the uploads folder, refusing it past the size limit."""
    limit = pod.settings["imports.max_upload_bytes"]
    folder = uploads_dir(pod)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "".join(re.findall(r"[A-Za-z0-9.]", Path(name or "").suffix))[:10]
    stored = f"{user.id}-{secrets.token_hex(8)}{suffix}"
    written = 0
    with open(folder / stored, "wb") as out:
        while chunk := stream.read(UPLOAD_CHUNK):
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    if written > limit or written == 0:
        (folder / stored).unlink(missing_ok=True)
        if written == 0:
            raise ImportRefused("That file is empty; choose the file to import.")
        raise ImportRefused(f"That file is too large: uploads are at most {limit / 2**20:g} MB.")
    return stored


def start_run(dbsession, pod, user, choices: Choices, enqueue=None) -> ContentImport:
    """Check the choices, keep the upload and make the run; with ``enqueue`` the job is sent
    after commit. Refuses (ImportRefused) with nothing stored."""
    importer = importers_of(pod).get(choices.importer)
    if importer is None:
        raise ImportRefused("Choose one of the importers this pod offers.")
    aspect_id = _check_visibility(dbsession, user, choices.visibility)
    value = None
    if importer.kind == "text":
        value = (choices.value or "").strip()
        if not value:
            raise ImportRefused(f"Fill in “{importer.field_label}”.")
        if len(value) > VALUE_MAX:
            raise ImportRefused(f"“{importer.field_label}” is at most {VALUE_MAX} characters long.")
        checked = value
    else:
        if choices.upload is None:
            raise ImportRefused(f"Choose the file to import ({importer.field_label}).")
        checked = choices.upload_name or ""
    problem = importer.check(checked) if importer.check is not None else None
    if problem:
        raise ImportRefused(problem)
    stored = _store_upload(pod, user, choices.upload, choices.upload_name) if importer.kind == "upload" else None
    row = ContentImport(user_id=user.id, importer=importer.name, value=value, upload_path=stored,
                        visibility="aspect" if aspect_id else "public", aspect_id=aspect_id,
                        federate=bool(choices.federate), state=QUEUED, imported=0, skipped=0, failed=0, attempts=0)
    dbsession.add(row)
    dbsession.flush()
    if stored:
        # A run that never commits leaves no file behind.
        folder = uploads_dir(pod)
        sa.event.listen(dbsession, "after_rollback",
                        lambda session: (folder / stored).unlink(missing_ok=True), once=True)
    if enqueue is not None:
        from .jobs import run_content_import

        enqueue(run_content_import, row.id)
    return row


# --- running it ------------------------------------------------------------------------------

@contextmanager
def unit_of_work(pod):
    """A transaction of its own, committed on leaving: one per item, so each stands alone."""
    from ..jobs import JobContext

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield JobContext(pod, tm_session(pod.session_factory, manager), manager)


@dataclass(frozen=True)
class RunInfo:
    id: int
    user_id: int
    importer: str
    visibility: str
    aspect_id: int | None
    federate: bool


# What run_import did: the job sends the run again after ``delay`` seconds on RETRY.
@dataclass(frozen=True)
class Outcome:
    state: str
    delay: int = 0


RETRY = "retry"


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: one minute, doubling, at most fifteen (under LOST_AFTER)."""
    return min(60 * 2 ** max(attempts - 1, 0), 15 * 60)


def _recount(dbsession, row: ContentImport) -> None:
    """Counts from the items this run recorded: a run started again counts nothing twice."""
    counts = dict(dbsession.execute(sa.select(ImportedItem.state, sa.func.count()).where(
        ImportedItem.run_id == row.id).group_by(ImportedItem.state)).all())
    row.imported = counts.get(IMPORTED, 0)
    row.skipped = counts.get(SKIPPED, 0)
    row.failed = counts.get(ITEM_FAILED, 0)


def _finish(pod, run_id: int, state: str, error: str | None = None) -> None:
    with unit_of_work(pod) as ctx:
        row = ctx.dbsession.get(ContentImport, run_id)
        if row is None:
            return
        row.state, row.error, row.finished_at, row.updated_at = state, error, utcnow(), utcnow()
        remove_upload(pod, row)


def remove_upload(pod, row: ContentImport) -> None:
    if row.upload_path:
        (uploads_dir(pod) / row.upload_path).unlink(missing_ok=True)
        row.upload_path = None


def _begin(pod, run_id: int) -> tuple[RunInfo, ImportSource, Importer] | Outcome:
    with unit_of_work(pod) as ctx:
        row = ctx.dbsession.get(ContentImport, run_id)
        if row is None or row.state not in UNFINISHED:
            return Outcome(row.state if row is not None else "gone")
        importer = importers_of(pod).get(row.importer)
        if ctx.dbsession.get(User, row.user_id).closed_at is not None:
            error = "The account was closed."
        elif importer is None:
            error = f"The importer {row.importer} is not available any more: its plugin was switched off."
        elif row.visibility == "aspect" and row.aspect_id is None:
            error = "The aspect the posts were to go to was deleted; start the import again."
        elif importer.kind == "upload" and not (row.upload_path and (uploads_dir(pod) / row.upload_path).is_file()):
            error = "The uploaded file is gone from the pod; upload it again."
        else:
            error = None
        if error:
            row.state, row.error, row.finished_at = FAILED, error, utcnow()
            remove_upload(pod, row)
            return Outcome(FAILED)
        _recount(ctx.dbsession, row)
        row.state, row.updated_at = RUNNING, utcnow()
        info = RunInfo(row.id, row.user_id, row.importer, row.visibility, row.aspect_id, row.federate)
        path = uploads_dir(pod) / row.upload_path if row.upload_path else None
        value = row.value
    source = ImportSource(pod=pod, user_id=info.user_id, value=value, path=path,
                          set_total=lambda total: _set_total(pod, run_id, total))
    return info, source, importer


def _set_total(pod, run_id: int, total: int) -> None:
    with unit_of_work(pod) as ctx:
        row = ctx.dbsession.get(ContentImport, run_id)
        if row is not None:
            row.total, row.updated_at = max(int(total), 0), utcnow()


def run_import(pod, run_id: int, progress: Callable[[int, int | None], None] | None = None) -> Outcome:
    """Read the run's source to the end, handling each item; see the module's summary.

    ``progress(items handled, total or None)`` is called after each item (the command's bar)."""
    begun = _begin(pod, run_id)
    if isinstance(begun, Outcome):
        return begun
    info, source, importer = begun
    seen = {"items": 0, "total": None}
    if progress is not None:
        record_total = source.set_total

        def set_total(total: int) -> None:
            seen["total"] = total
            record_total(total)

        source.set_total = set_total
    try:
        for item in importer.read(source):
            handle_item(pod, info, item)
            seen["items"] += 1
            if progress is not None:
                progress(seen["items"], seen["total"])
    except SourceError as exc:
        _finish(pod, run_id, FAILED, str(exc) or "The source could not be read.")
        return Outcome(FAILED)
    except Exception as exc:
        from ..http import RequestFailed

        if isinstance(exc, RequestFailed):
            return _retry_later(pod, run_id, str(exc))
        log.exception("importer %s failed on run %s", info.importer, run_id)
        _finish(pod, run_id, FAILED, "The importer stopped on an unexpected error; the pod's log has the details.")
        return Outcome(FAILED)
    _finish(pod, run_id, DONE)
    return Outcome(DONE)


def give_up(pod, run_id: int, error: str) -> None:
    """End an unfinished run as failed (the command does when the source can't be reached)."""
    _finish(pod, run_id, FAILED, error)


def _retry_later(pod, run_id: int, reason: str) -> Outcome:
    with unit_of_work(pod) as ctx:
        row = ctx.dbsession.get(ContentImport, run_id)
        row.attempts += 1
        row.updated_at = utcnow()
        attempts = row.attempts
        if attempts < MAX_ATTEMPTS:
            row.error = f"Could not reach the source ({reason}); trying again shortly."
            return Outcome(RETRY, retry_delay(attempts))
        row.state, row.finished_at = FAILED, utcnow()
        row.error = f"Could not reach the source after {attempts} tries: {reason}"
        remove_upload(pod, row)
        return Outcome(FAILED)


# --- one item ----------------------------------------------------------------------------------

def _existing(dbsession, info: RunInfo, external_id: str) -> ImportedItem | None:
    return dbsession.scalar(sa.select(ImportedItem).where(
        ImportedItem.user_id == info.user_id, ImportedItem.importer == info.importer,
        ImportedItem.external_id == external_id))


COUNTERS = {IMPORTED: "imported", SKIPPED: "skipped", ITEM_FAILED: "failed"}


def _settle(dbsession, info: RunInfo, existing: ImportedItem | None, external_id: str, state: str,
            reason: str | None = None, post_id: int | None = None) -> None:
    """Record the item as ``state`` for this run and move the run's counts along."""
    row = dbsession.get(ContentImport, info.id)
    if existing is not None and existing.run_id == info.id:
        counter = COUNTERS[existing.state]
        setattr(row, counter, max(getattr(row, counter) - 1, 0))
    if existing is None:
        existing = ImportedItem(user_id=info.user_id, importer=info.importer, external_id=external_id)
        dbsession.add(existing)
    existing.run_id, existing.state, existing.post_id = info.id, state, post_id
    existing.reason = (reason or "")[:REASON_MAX] or None
    counter = COUNTERS[state]
    setattr(row, counter, getattr(row, counter) + 1)
    row.updated_at = utcnow()
    dbsession.flush()


def _already_there(dbsession, info: RunInfo, existing: ImportedItem) -> None:
    """An item imported or skipped before: this run counts one imported by another run as
    skipped, and nothing for its own (counted when it was recorded)."""
    if existing.run_id != info.id:
        row = dbsession.get(ContentImport, info.id)
        row.skipped += 1
        row.updated_at = utcnow()


def handle_item(pod, info: RunInfo, item) -> None:
    if not isinstance(item, (ImportedPost, SkippedItem)):
        raise TypeError(f"importer {info.importer} yielded {item!r}, not an ImportedPost or SkippedItem")
    try:
        _handle(pod, info, str(item.external_id)[:255], item)
    except sa.exc.IntegrityError:
        pass  # the same item recorded at the same moment by a second worker on this run


def _handle(pod, info: RunInfo, external_id: str, item) -> None:
    with unit_of_work(pod) as ctx:
        existing = _existing(ctx.dbsession, info, external_id)
        if existing is not None and existing.state in (IMPORTED, SKIPPED):
            _already_there(ctx.dbsession, info, existing)
            return
        if isinstance(item, SkippedItem):
            _settle(ctx.dbsession, info, existing, external_id, SKIPPED, item.reason)
            return
    try:
        photos, links = _gather_photos(pod, item)
        with unit_of_work(pod) as ctx:
            existing = _existing(ctx.dbsession, info, external_id)
            if existing is not None and existing.state in (IMPORTED, SKIPPED):
                return  # another worker on the same run got there first
            post = _create_post(ctx, info, item, photos, links)
            _settle(ctx.dbsession, info, existing, external_id, IMPORTED, post_id=post.id)
    except ItemFailed as exc:
        _record_failure(pod, info, external_id, str(exc))


def _record_failure(pod, info: RunInfo, external_id: str, reason: str) -> None:
    with unit_of_work(pod) as ctx:
        existing = _existing(ctx.dbsession, info, external_id)
        _settle(ctx.dbsession, info, existing, external_id, ITEM_FAILED, reason)


def _gather_photos(pod, item: ImportedPost) -> tuple[list[tuple[bytes, str]], list[str]]:
    """The photos the post holds (what the importer read, then downloads), and the URLs of
    those beyond the post's photo limit, linked in the text instead."""
    from ..posts.services import MAX_PHOTOS

    photos = [(data, alt or "") for data, alt in item.photos if data][:MAX_PHOTOS]
    room = MAX_PHOTOS - len(photos)
    for url, alt in item.photo_urls[:room]:
        photos.append((download_photo(pod, url), alt or ""))
    return photos, [url for url, _alt in item.photo_urls[room:]]


def download_photo(pod, url: str) -> bytes:
    from .. import http

    limit = pod.settings["photos.max_bytes"]
    try:
        answer = http.request(pod, "GET", url, purpose="import", max_bytes=limit)
    except http.PayloadTooLarge:
        raise ItemFailed(f"The photo {url} is larger than {limit / 2**20:g} MB.") from None
    except http.RequestFailed as exc:
        raise ItemFailed(f"The photo {url} could not be downloaded: {exc}") from None
    if not 200 <= answer.status < 300:
        raise ItemFailed(f"The photo {url} could not be downloaded: the server answered {answer.status}.")
    return answer.body


def tag_line(text: str, tags) -> str:
    """The item's tags as #hashtags diaspora* reads, leaving out those the text has already."""
    from ..posts.rendering import extract_tags

    present = extract_tags(text)
    names = []
    for tag in tags or []:
        name = re.sub(r"[^\w-]", "", str(tag)).strip("-")
        if name and len(name) <= TAG_MAX and name.lower() not in present:
            present.add(name.lower())
            names.append(name)
    return " ".join(f"#{name}" for name in names)


def post_text(item: ImportedPost, links: list[str]) -> str:
    parts = [(item.text or "").strip()]
    parts += [f"<{url}>" for url in links]
    tags = tag_line(parts[0], item.tags)
    if tags:
        parts.append(tags)
    return "\n\n".join(part for part in parts if part)


def _created_at(value) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _create_post(ctx, info: RunInfo, item: ImportedPost, photos, links):
    from ..posts.services import Draft, PostError, PostService

    user = ctx.dbsession.get(User, info.user_id)
    draft = Draft(text=post_text(item, links), photos=photos,
                  visibility="public" if info.visibility == "public" else "aspects",
                  aspect_ids=[info.aspect_id] if info.aspect_id else [])
    try:
        post = PostService(ctx.dbsession, ctx.pod).create(
            user, draft, ctx.enqueue if info.federate else None, created_at=_created_at(item.created_at),
            federate=info.federate)
        written = [photo.file_name for photo in post.photos]
    except PostError as exc:
        raise ItemFailed(exc.message) from None
    _remove_files_on_rollback(ctx, written)
    return post


def _remove_files_on_rollback(ctx, names) -> None:
    """Photo files written for an item whose transaction then fails are not left behind."""
    if not names:
        return
    from ..posts.photos import SIZES, remove_files

    every = [name for file_name in names for name in (file_name, *(f"{size}_{file_name}" for size in SIZES))]
    pod = ctx.pod
    sa.event.listen(ctx.dbsession, "after_rollback", lambda session: remove_files(pod, every), once=True)


def lost_runs(dbsession, now: dt.datetime | None = None) -> list[int]:
    """Unfinished runs nothing has touched for LOST_AFTER: their job was lost."""
    cutoff = (now or utcnow()) - LOST_AFTER
    return list(dbsession.scalars(sa.select(ContentImport.id).where(
        ContentImport.state.in_(UNFINISHED), ContentImport.updated_at < cutoff).order_by(ContentImport.id)))


# --- for the pages and the commands ------------------------------------------------------------

def runs_of(dbsession, user, limit: int = 20) -> list[ContentImport]:
    return list(dbsession.scalars(sa.select(ContentImport).where(ContentImport.user_id == user.id)
                                  .order_by(ContentImport.id.desc()).limit(limit)))


def own_run(dbsession, user, run_id) -> ContentImport | None:
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        return None
    row = dbsession.get(ContentImport, run_id) if 0 < run_id < 2**31 else None
    return row if row is not None and row.user_id == user.id else None


def failed_items(dbsession, row: ContentImport, limit: int = 200) -> list[ImportedItem]:
    return list(dbsession.scalars(sa.select(ImportedItem).where(
        ImportedItem.run_id == row.id, ImportedItem.state == ITEM_FAILED).order_by(ImportedItem.id).limit(limit)))


def done_count(row: ContentImport) -> int:
    return row.imported + row.skipped + row.failed

