from __future__ import annotations

import click

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
    from ..admin.models import PluginState
    from ..db import utcnow
    from ..plugins import PluginError, installed_plugins, load_plugins, new_manager
    from .context import unit_of_work

    available = installed_plugins()
    if name not in available:
        raise click.ClickException(f"no plugin named {name!r} is installed; installed: {', '.join(sorted(available))}")
    if enabled:
        try:  # a plugin that cannot load is never switched on: the pod would not start
            load_plugins(new_manager(), [name])
        except PluginError as exc:
            raise click.ClickException(str(exc)) from None
    pod = state.pod()
    from .. import migrations

    migrations.upgrade(pod)  # the switch lives in the database, so it must be migrated
    with unit_of_work(pod) as uow:
        row = uow.dbsession.get(PluginState, name)
        if row is None:
            uow.dbsession.add(PluginState(name=name, enabled=enabled, changed_at=utcnow()))
        else:
            row.enabled, row.changed_at = enabled, utcnow()
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
