"""`seedpod tumblr import USERNAME --blog BLOG` (or `--export FILE`): an import in the
foreground, with a progress bar, for podmins moving a user's blog over."""
from __future__ import annotations

from pathlib import Path

import click

from core.cli.context import pass_pod


@click.group("tumblr")
def tumblr():
    """Import Tumblr blogs into accounts of this pod."""


@tumblr.command("import")
@click.argument("username")
@click.option("--blog", help="The blog to read through Tumblr's API: its name, address or a link to it.")
@click.option("--export", "export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Tumblr export (.zip) to read instead of the API.")
@click.option("--public", "public", is_flag=True, help="Everyone sees the imported posts (the default).")
@click.option("--aspect", metavar="NAME", help="Only this aspect of the user sees the imported posts.")
@click.option("--federate", is_flag=True, help="Also send the posts to the user's contacts and followers.")
@pass_pod
def import_blog(pod, username, blog, export, public, aspect, federate):
    """Import the posts of a Tumblr blog into USERNAME's account.

    A post imported before is skipped, so the command can be run again (after a failure, or
    to bring new posts over)."""
    from core.importers.cli import run_in_foreground

    from .hooks import API_IMPORTER, EXPORT_IMPORTER

    if bool(blog) == bool(export):
        raise click.UsageError("give either --blog BLOG or --export FILE")
    if public and aspect:
        raise click.UsageError("--public and --aspect exclude each other")
    if blog:
        if not (pod.settings["tumblr_import.api_key"] or "").strip():
            raise click.ClickException("reading a blog through Tumblr's API needs tumblr_import.api_key; "
                                       "set it, or import the blog's export with --export FILE")
        run_in_foreground(pod, username, API_IMPORTER.name, value=blog, aspect=aspect, federate=federate)
    else:
        run_in_foreground(pod, username, EXPORT_IMPORTER.name, file=export, aspect=aspect, federate=federate)
