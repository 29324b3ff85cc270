from __future__ import annotations

import sys

import click

from .context import pass_pod, unit_of_work


@click.group()
def user():
    """Create, list, lock and unlock local accounts."""


def account_error(exc) -> click.ClickException:
    return click.ClickException(exc.message)


@user.command()
@click.argument("name")
@click.option("--email", required=True, help="The account's email address.")
@click.option("--password", help="The password (visible in the process list: prefer --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@pass_pod
def create(pod, name, email, password, password_stdin):
    """Create the account NAME (registrations need not be open)."""
    from ..accounts.services import AccountError, AccountService

    if bool(password) == bool(password_stdin):
        raise click.UsageError("give exactly one of --password or --password-stdin")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with unit_of_work(pod) as uow:
            created = AccountService(uow.dbsession, pod).sign_up(name, email, password, allow_reserved=True)
            diaspora_id = created.diaspora_id
    except AccountError as exc:
        raise account_error(exc) from None
    click.echo(f"created {diaspora_id}")


@user.command("list")
@pass_pod
def list_(pod):
    """Every local account: username, email, diaspora ID, roles, state."""
    from ..accounts.services import AccountService

    with unit_of_work(pod) as uow:
        for account in AccountService(uow.dbsession, pod).list_users():
            roles = ",".join(sorted(account.role_names)) or "-"
            state = "locked" if account.locked_at else "active"
            click.echo(f"{account.username}\t{account.email}\t{account.diaspora_id}\t{roles}\t{state}")


def set_locked(pod, name: str, locked: bool) -> None:
    from ..accounts.services import AccountError, AccountService

    try:
        with unit_of_work(pod) as uow:
            AccountService(uow.dbsession, pod).set_locked(name, locked)
    except AccountError as exc:
        raise account_error(exc) from None


@user.command()
@click.argument("name")
@pass_pod
def lock(pod, name):
    """Lock NAME: signed out everywhere, can't sign in until unlocked."""
    set_locked(pod, name, True)
    click.echo(f"{name} locked")


@user.command()
@click.argument("name")
@pass_pod
def unlock(pod, name):
    """Unlock NAME."""
    set_locked(pod, name, False)
    click.echo(f"{name} unlocked")


@user.command()
@click.argument("name")
@click.option("--scopes", required=True, metavar="SCOPES",
              help='Space-separated scopes, e.g. "public:read private:read contacts:read".')
@click.option("--name", "token_name", default="cli", show_default=True, help="The token's name in NAME's settings.")
@pass_pod
def token(pod, name, scopes, token_name):
    """Print a new personal access token of NAME, alone on stdout; it works until revoked."""
    from ..accounts.services import AccountError, AccountService
    from ..api.tokens import TokenError, TokenService

    try:
        with unit_of_work(pod) as uow:
            account = AccountService(uow.dbsession, pod).get(name)
            _, secret = TokenService(uow.dbsession).create_personal(account, token_name, scopes.split())
    except AccountError as exc:
        raise account_error(exc) from None
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)
