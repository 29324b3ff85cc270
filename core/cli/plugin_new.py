"""`seedpod plugin new NAME`: a new, publishable plugin package."""
from __future__ import annotations

from pathlib import Path

import click


@click.group("plugin")
def plugin():
    """Write a plugin of your own."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", "directory", default=".", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the package folder seedpod-NAME/.")
@click.option("--migrations", is_flag=True, help="Add an alembic branch for the plugin's own tables.")
@click.option("--description", metavar="TEXT", help="One line saying what the plugin does.")
def new(name, directory, migrations, description):
    """Write seedpod-NAME/, a plugin package ready to test and publish.

    NAME is the plugin's name: a Python identifier in lower case, used for its package,
    settings, routes and tables. No pod or config file is needed."""
    from ..scaffold import ScaffoldError, write_plugin

    try:
        target = write_plugin(name, directory.resolve(), migrations=migrations, description=description)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {target}")
    click.echo("next:")
    click.echo(f"  cd {target}")
    click.echo("  pip install -e .   # into the pod's virtualenv")
    click.echo("  pytest             # its tests, with Seedpod's fixtures")
    click.echo(f"  seedpod plugins enable {name}")
