"""`seedpod import`: posts from elsewhere, through the importers plugins offer."""
from __future__ import annotations

from pathlib import Path

import click

from .context import pass_pod


@click.group("import")
def import_group():
    """Import posts from other services into an account."""


@import_group.command("list")
@pass_pod
def list_importers(pod):
    """The importers the enabled plugins offer."""
    from ..importers.services import importers_of

    importers = importers_of(pod)
    if not importers:
        click.echo("no importers: enable a plugin that offers one (seedpod plugins list)")
        return
    for importer in importers.values():
        what = "a file" if importer.kind == "upload" else "a value"
        click.echo(f"{importer.name}  {importer.label} (takes {what}: {importer.field_label})")


@import_group.command("run")
@click.argument("username")
@click.argument("importer")
@click.argument("value_or_file", metavar="VALUE_OR_FILE")
@click.option("--public", "public", is_flag=True, help="Everyone sees the posts (the default).")
@click.option("--aspect", metavar="NAME", help="Only the user's aspect NAME sees the posts.")
@click.option("--federate", is_flag=True,
              help="Send the posts to the user's contacts and followers as new posts (off by default).")
@pass_pod
def run(pod, username, importer, value_or_file, public, aspect, federate):
    """Import into USERNAME's account with IMPORTER (see `seedpod import list`), from
    VALUE_OR_FILE: what the importer asks for (a blog name), or the path of the file."""
    from ..importers.cli import run_in_foreground
    from ..importers.services import importers_of

    if public and aspect:
        raise click.UsageError("give --public or --aspect, not both")
    found = importers_of(pod).get(importer)
    if found is None:
        names = ", ".join(importers_of(pod)) or "none"
        raise click.ClickException(f"no importer named {importer!r} (available: {names})")
    if found.kind == "upload":
        path = Path(value_or_file)
        if not path.is_file():
            raise click.ClickException(f"{value_or_file}: no such file")
        run_in_foreground(pod, username, importer, file=path, aspect=aspect, federate=federate)
    else:
        run_in_foreground(pod, username, importer, value=value_or_file, aspect=aspect, federate=federate)
