"""Jobs of posts: background work on photos and posts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..db import utcnow
from ..jobs import Periodic, job
from .models import Photo
from .photos import file_names, remove_files, split_file_name, uploads_dir

# Uploads and posting take minutes; a day leaves any composer time to finish.
PENDING_FOR = dt.timedelta(days=1)


@job()
def clean_up_photos(ctx) -> None:
    """Delete photos uploaded but never posted, and files no photo owns (their upload rolled back)."""
    cutoff = utcnow() - PENDING_FOR
    stale = list(ctx.dbsession.scalars(sa.select(Photo).where(Photo.pending.is_(True), Photo.created_at < cutoff)))
    names = [name for photo in stale for name in file_names(photo)]
    for photo in stale:
        ctx.dbsession.delete(photo)
    ctx.dbsession.flush()
    pod = ctx.pod
    # The rows go first: should this transaction fail, the files stay with them for the next run.
    ctx.tm.get().addAfterCommitHook(lambda committed: committed and remove_files(pod, names))
    remove_files(pod, orphan_files(ctx, cutoff))


def orphan_files(ctx, cutoff: dt.datetime) -> list[str]:
    """Files older than ``cutoff`` whose Photo row does not exist."""
    old: dict[str, list[str]] = {}
    for path in uploads_dir(ctx.pod).iterdir():
        parts = split_file_name(path.name)
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        if parts is not None and modified < cutoff:
            old.setdefault(parts[1], []).append(path.name)
    known = set()
    names = list(old)
    for start in range(0, len(names), 500):
        batch = names[start:start + 500]
        known.update(ctx.dbsession.scalars(sa.select(Photo.file_name).where(Photo.file_name.in_(batch))))
    return [name for file_name, files in old.items() if file_name not in known for name in files]


PERIODIC = [Periodic(clean_up_photos, every=3600)]
