"""`seedpod tor status` and `seedpod tor publish`."""
from __future__ import annotations

import click

from core.cli.context import pass_pod

from . import control
from .onion import StoredKeyError, hidden_service_dir, key_path


@click.group("tor")
def tor():
    """The pod's Tor onion service (the tor_onion plugin)."""


@tor.command()
@pass_pod
def status(pod):
    """Show the onion address and whether Tor serves it now."""
    try:
        found = control.status(pod)
    except StoredKeyError as exc:
        raise click.ClickException(str(exc)) from None
    source = hidden_service_dir(pod) or key_path(pod)
    click.echo(f"address: {'http://' + found.address if found.address else 'none yet'}")
    click.echo(f"from: {source}")
    click.echo(f"forwards to: {control.target(pod)}")
    if found.tor_version:
        click.echo(f"tor: {found.tor_version} on {control.control_address(pod)}")
    click.echo(f"published: {'yes' if found.published else 'no'}" + (f" ({found.problem})" if found.problem else ""))
    if not found.published:
        raise SystemExit(1)


@tor.command()
@pass_pod
def publish(pod):
    """Publish the onion service now (the pod does it when it starts), making the key the first time."""
    try:
        address = control.publish(pod)
    except (control.TorUnavailable, StoredKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published http://{address} -> {control.target(pod)}")
