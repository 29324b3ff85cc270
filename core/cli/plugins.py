from __future__ import annotations

import os

import click
import sqlalchemy as sa

from .context import pass_pod, pass_state


@click.group()
def plugins():
    """List, enable and disable plugins for this pod."""


@plugins.command("list")
@pass_pod
def list_(pod):
    """Each installed plugin with its version, state, hooks and settings."""
    from ..plugins import describe

    for info in describe(pod):
        state = "enabled" if info.enabled else "disabled"
        source = "by `seedpod plugins`" if info.state_source == "command" else "in the config"
        click.echo(f"{info.name} {info.version}: {state} ({source})")
        click.echo(f"  module:   {info.module}")
        click.echo(f"  hooks:    {', '.join(info.hooks) or '-'}")
        click.echo(f"  settings: {', '.join(info.settings) or '-'}")


def switch(state, name: str, enabled: bool) -> None:
    from .. import migrations
    from ..admin.models import PluginState
    from ..db import utcnow
    from ..plugins import PluginError, installed_plugins, load_plugins, new_manager
    from ..pod import open_database, read_plugin_overrides, resolve_core

    available = installed_plugins()
    if enabled:
        if name not in available:
            raise click.ClickException(f"no plugin named {name!r} is installed; "
                                       f"installed: {', '.join(sorted(available))}")
        try:  # a plugin that cannot load is never switched on: the pod would not start
            load_plugins(new_manager(), [name])
        except PluginError as exc:
            raise click.ClickException(str(exc)) from None
    settings, _, _ = resolve_core(state.settings(), os.environ)
    engine = open_database(settings)
    try:
        try:
            migrations.upgrade(state.pod())  # the switch lives in the database, so it must be migrated
        except click.ClickException:
            # A pod that cannot start (perhaps because of this very plugin) can still have a plugin
            # switched off, when its database already holds the switches.
            if enabled or not sa.inspect(engine).has_table(PluginState.__tablename__):
                raise
        if not enabled and name not in available and name not in read_plugin_overrides(engine):
            raise click.ClickException(f"no plugin named {name!r} is installed or switched on; "
                                       f"installed: {', '.join(sorted(available))}")
        table = PluginState.__table__
        with engine.begin() as conn:
            if conn.execute(table.update().where(table.c.name == name)
                            .values(enabled=enabled, changed_at=utcnow())).rowcount == 0:
                conn.execute(table.insert().values(name=name, enabled=enabled, changed_at=utcnow()))
    finally:
        engine.dispose()
    state.forget()
    if enabled:
        migrations.upgrade(state.pod())  # the plugin's own tables, if it has any


@plugins.command()
@click.argument("name")
@pass_state
def enable(state, name):
    """Enable plugin NAME on this pod (restart the pod and workers to apply)."""
    switch(state, name, True)
    click.echo(f"{name} enabled; restart the pod and its workers to apply")


@plugins.command()
@click.argument("name")
@pass_state
def disable(state, name):
    """Disable plugin NAME on this pod (restart the pod and workers to apply)."""
    switch(state, name, False)
    click.echo(f"{name} disabled; restart the pod and its workers to apply")
