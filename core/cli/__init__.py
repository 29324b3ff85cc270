"""The `seedpod` command: everything a podmin does, without a Python console."""
from __future__ import annotations

import sys
import warnings

import click
import sqlalchemy as sa

from .context import State, config_path

# Pyramid still imports pkg_resources; its deprecation notice means nothing to a podmin.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)


class PodCommands(click.Group):
    """A database that is down or not migrated gets one clear line, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["unknown"])[0]
            raise click.ClickException(f"database error: {reason}; check database.url (env SEEDPOD_DATABASE_URL) "
                                       "and run: seedpod doctor") from None


@click.group(cls=PodCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", metavar="FILE", envvar="SEEDPOD_CONFIG",
              help="The pod's ini file (default: development.ini, or SEEDPOD_CONFIG).")
@click.pass_context
def cli(ctx, config):
    """Run and look after a Seedpod pod."""
    ctx.obj = State(config_path(config))


def _add_core_commands() -> None:
    from . import admin_mail, backup, config as config_cmd, content_import, db, doctor, exporting, importing
    from . import plugin_new, plugins, roles, serve, shell, users, worker

    for command in (serve.serve, worker.worker, db.db, plugins.plugins, plugin_new.plugin, users.user, roles.roles,
                    shell.shell, doctor.doctor, config_cmd.config, content_import.import_group,
                    *admin_mail.COMMANDS, *backup.COMMANDS):
        cli.add_command(command)
    # `seedpod user export` and `seedpod user import` live next to the other user commands.
    for command in (*exporting.USER_COMMANDS, *importing.USER_COMMANDS):
        users.user.add_command(command)


def _add_plugin_commands(argv: list[str]) -> None:
    """Plugins add their command groups; a pod that can't start still gets core's commands."""
    given = None
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            given = argv[i + 1]
        elif arg.startswith("--config="):
            given = arg.split("=", 1)[1]
    state = State(config_path(given))
    if not state.path.is_file():
        return
    try:
        pod = state.pod()
    except (click.ClickException, Exception):  # doctor and the rest report the problem themselves
        return
    pod.pm.hook.register_commands(cli=cli)


_add_core_commands()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    _add_plugin_commands(argv)
    cli.main(args=argv, prog_name="seedpod")
