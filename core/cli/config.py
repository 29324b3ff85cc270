from __future__ import annotations

import click

from .context import hide_password, pass_pod


@click.group()
def config():
    """Show the pod's settings."""


@config.command()
@pass_pod
def show(pod):
    """Every setting's effective value (secrets hidden)."""
    for group, specs in pod.all_settings():
        click.echo(f"[{group}]")
        for spec in specs:
            value = pod.settings[spec.name]
            if spec.secret and value:
                value = "(set)"
            value = hide_password(value)  # database.url and redis.url may hold a password
            click.echo(f"  {spec.name} = {value}")


@config.command()
@pass_pod
def docs(pod):
    """docs/configuration.md: every setting of core and the bundled plugins."""
    click.echo(configuration_markdown(pod), nl=False)


def configuration_markdown(pod) -> str:
    from ..plugins import installed_plugins
    from ..settings import CORE_SETTINGS, render_markdown

    groups = [("Core", CORE_SETTINGS)]
    for name, entry_point in sorted(installed_plugins().items()):
        if not entry_point.value.startswith("plugins."):
            continue  # third-party plugins document their own settings
        register = getattr(entry_point.load(), "register_settings", None)
        if register is not None:
            groups.append((f"Plugin `{name}`", register(pod=pod)))
    return render_markdown(groups)
