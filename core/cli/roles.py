from __future__ import annotations

import click

from ..accounts.models import ROLES
from .context import pass_pod, unit_of_work


@click.group()
def roles():
    """Grant and revoke the roles admin, moderator and spotlight."""


def change(pod, role: str, name: str, grant: bool) -> bool:
    from ..accounts.services import AccountError, AccountService

    try:
        with unit_of_work(pod) as uow:
            service = AccountService(uow.dbsession, pod)
            return service.add_role(role, name) if grant else service.remove_role(role, name)
    except AccountError as exc:
        raise click.ClickException(exc.message) from None


@roles.command()
@click.argument("role", type=click.Choice(ROLES))
@click.argument("name")
@pass_pod
def add(pod, role, name):
    """Give user NAME the role ROLE."""
    changed = change(pod, role, name, True)
    click.echo(f"{name} is now {role}" if changed else f"{name} already was {role}")


@roles.command()
@click.argument("role", type=click.Choice(ROLES))
@click.argument("name")
@pass_pod
def remove(pod, role, name):
    """Take the role ROLE from user NAME."""
    changed = change(pod, role, name, False)
    click.echo(f"{name} is no longer {role}" if changed else f"{name} was not {role}")


@roles.command("list")
@pass_pod
def list_(pod):
    """Who holds which role."""
    from ..accounts.services import AccountService

    with unit_of_work(pod) as uow:
        holders = AccountService(uow.dbsession, pod).role_holders()
    for role, username in holders:
        click.echo(f"{role}\t{username}")
    if not holders:
        click.echo("nobody holds a role")
