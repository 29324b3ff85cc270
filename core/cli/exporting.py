"""`seedpod user export NAME --output FILE`: a user's diaspora* archive, written at once."""
from __future__ import annotations

from pathlib import Path

import click

from .context import pass_pod, unit_of_work

SUFFIXES = (".json", ".json.gz")


@click.command("export")
@click.argument("name")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the archive: FILE.json (plain JSON) or FILE.json.gz (gzipped).")
@pass_pod
def export(pod, name, output):
    """Write NAME's account archive (diaspora*'s format: profile, aspects, contacts, posts,
    comments, likes, polls, followed tags, private key) to FILE. Photos are not included: the
    user downloads them from the export page, or copy the uploads folder."""
    from ..accounts.services import AccountService
    from ..portability.export import export_to_file

    path = Path(output)
    if not path.name.lower().endswith(SUFFIXES) or path.name.lower() in SUFFIXES:
        raise click.ClickException(f"{output}: the file name must end in .json (plain JSON) or .json.gz (gzipped)")
    if path.exists() and path.is_dir():
        raise click.ClickException(f"{output} is a folder; give a file name")
    if not path.parent.is_dir():
        raise click.ClickException(f"{path.parent}: no such folder")
    with unit_of_work(pod) as uow:
        user = AccountService(uow.dbsession, pod).by_username(name)
        if user is None:
            raise click.ClickException(f"No user named {name!r} on this pod.")
        if user.closed_at is not None:
            raise click.ClickException(f"The account {name!r} was closed: there is nothing left to export.")
        diaspora_id = user.diaspora_id
        try:
            export_to_file(uow.dbsession, pod, user, path)
        except OSError as exc:
            raise click.ClickException(f"{output}: {exc.strerror or exc}") from None
    click.echo(f"wrote the archive of {diaspora_id} to {path}")


USER_COMMANDS = [export]
