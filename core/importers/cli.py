"""Running an import from the command line, in the foreground, for plugins' commands and
`seedpod import run`: start a run for a user, show its progress, say how it ended."""
from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa

from .models import FAILED
from .services import RETRY, Choices, ImportRefused, failed_items, give_up, run_import, start_run, unit_of_work

# The bar is redrawn at most this often (seconds).
REDRAW_EVERY = 0.2
BAR_WIDTH = 30


def _user(dbsession, username: str):
    from ..accounts.models import User

    user = dbsession.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no local user named {username!r}")
    return user


def _visibility(dbsession, user, aspect: str | None) -> str:
    from ..aspects.models import Aspect

    if not aspect:
        return "public"
    found = dbsession.scalar(sa.select(Aspect).where(Aspect.user_id == user.id, Aspect.name == aspect))
    if found is None:
        names = ", ".join(dbsession.scalars(sa.select(Aspect.name).where(Aspect.user_id == user.id)
                                            .order_by(Aspect.position, Aspect.id))) or "none"
        raise click.ClickException(f"{user.username} has no aspect named {aspect!r} (their aspects: {names})")
    return str(found.id)


class Bar:
    """A one-line progress bar on standard error: ``[=====     ] 12/40``."""

    def __init__(self):
        self.drawn_at = 0.0

    def __call__(self, done: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.drawn_at < REDRAW_EVERY:
            return
        self.drawn_at = now
        if total:
            filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
            line = f"[{'=' * filled}{' ' * (BAR_WIDTH - filled)}] {done}/{total}"
        else:
            line = f"{done} items read"
        click.echo(f"\r{line}", nl=final, err=True)


def run_in_foreground(pod, username: str, importer: str, value: str | None = None, file: Path | None = None,
                      aspect: str | None = None, federate: bool = False) -> dict:
    """Start a run of ``importer`` for ``username`` and run it here with a progress bar.

    Give ``value`` for an importer of kind "text", ``file`` for one of kind "upload".
    Returns the run's counts; raises click.ClickException (exit status 1) with the reason
    when the run can't start or fails."""
    upload = open(file, "rb") if file is not None else None
    try:
        with unit_of_work(pod) as ctx:
            user = _user(ctx.dbsession, username)
            choices = Choices(importer=importer, value=value or "", upload=upload,
                              upload_name=file.name if file is not None else "",
                              visibility=_visibility(ctx.dbsession, user, aspect), federate=federate)
            run_id = start_run(ctx.dbsession, pod, user, choices).id
    except ImportRefused as exc:
        raise click.ClickException(exc.message) from None
    finally:
        if upload is not None:
            upload.close()
    bar = Bar()
    outcome = run_import(pod, run_id, progress=bar)
    if outcome.state == RETRY:
        give_up(pod, run_id, "The source could not be reached; run the command again later: what was imported "
                             "stays, and is skipped next time.")
    with unit_of_work(pod) as ctx:
        from .models import ContentImport

        row = ctx.dbsession.get(ContentImport, run_id)
        bar(row.imported + row.skipped + row.failed, row.total, final=True)
        result = {"id": row.id, "state": row.state, "imported": row.imported, "skipped": row.skipped,
                  "failed": row.failed, "error": row.error,
                  "failures": [(item.external_id, item.reason) for item in failed_items(ctx.dbsession, row)]}
    if pod.jobs.in_process:
        pod.jobs.drain()  # the federated posts' events, with no worker to send them later
    click.echo(f"imported {result['imported']}, skipped {result['skipped']}, failed {result['failed']}")
    for external_id, reason in result["failures"]:
        click.echo(f"  failed {external_id}: {reason}")
    if result["state"] == FAILED:
        raise click.ClickException(f"the import failed: {result['error']}")
    return result
