"""`seedpod user import`: a diaspora* archive into a new account, applied at once."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .context import pass_pod, unit_of_work


@click.command("import")
@click.argument("archive_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "new_name", required=True, metavar="NEWNAME", help="The username of the new account.")
@click.option("--email", required=True, help="The new account's email address.")
@click.option("--password", help="The password (visible in the process list: prefer --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@pass_pod
def import_(pod, archive_file, new_name, email, password, password_stdin):
    """Create the account NEWNAME from the archive FILE (.json or .json.gz, from diaspora* or
    Seedpod): profile, aspects, followed tags and contacts, then move the old identity here
    with an account_migration. Posts stay in the archive."""
    from ..accounts.services import AccountError, AccountService
    from ..portability import importing, reading
    from ..portability.models import FAILED, Import

    if bool(password) == bool(password_stdin):
        raise click.UsageError("give exactly one of --password or --password-stdin")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    if archive_file.stat().st_size > reading.MAX_ARCHIVE_BYTES:
        raise click.ClickException(f"{archive_file} is larger than {reading.MAX_ARCHIVE_BYTES // (1024 * 1024)} MB")
    raw = archive_file.read_bytes()
    try:
        with unit_of_work(pod) as uow:
            # The archive and the old identity's key are checked before the account exists.
            archive = reading.read_archive(raw)
            note = reading.check_identity(uow.dbsession, pod, archive)
            user = AccountService(uow.dbsession, pod).sign_up(new_name, email, password, allow_reserved=True)
            row = importing.start_import(uow.dbsession, pod, user, raw)
            import_id, diaspora_id = row.id, user.diaspora_id
    except reading.ArchiveError as exc:
        raise click.ClickException(exc.message) from None
    except (AccountError, importing.ImportRefused) as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {diaspora_id}; importing {archive.old_diaspora_id}")
    if note:
        click.echo(f"note: {note}")
    importing.run_all(lambda: unit_of_work(pod), pod, import_id)
    with unit_of_work(pod) as uow:
        row = uow.dbsession.get(Import, import_id)
        state, error, summary = row.state, row.error, importing.describe(row)
    if state == FAILED:
        raise click.ClickException(f"the import failed: {error} (the account {diaspora_id} was made; close it "
                                   f"or import into another one)")
    for line in summary_lines(summary):
        click.echo(line)


def summary_lines(summary: dict) -> list[str]:
    lines = [
        f"profile restored from {summary['old_diaspora_id']}",
        f"aspects: {', '.join(summary['aspects']) or 'none'}",
        f"followed tags: {summary['followed_tags']}",
        f"contacts shared with again: {len(summary['contacts_restored'])}",
    ]
    lines += [f"  {who}" for who in summary["contacts_restored"]]
    if summary["contacts_sharing_only"]:
        lines.append(f"contacts who shared with you (their pods follow the move): "
                     f"{len(summary['contacts_sharing_only'])}")
        lines += [f"  {who}" for who in summary["contacts_sharing_only"]]
    if summary["contacts_not_found"]:
        lines.append(f"contacts not found: {len(summary['contacts_not_found'])}")
        lines += [f"  {entry['diaspora_id']}: {entry['reason']}" for entry in summary["contacts_not_found"]]
    if summary["blocks_restored"] or summary["blocks_not_found"]:
        lines.append(f"people ignored again: {len(summary['blocks_restored'])}"
                     + (f" ({len(summary['blocks_not_found'])} not found)" if summary["blocks_not_found"] else ""))
    lines.append(f"posts in the archive (kept there, not published again): {summary['posts_in_archive']}")
    lines.append(f"account_migration sent to {summary['migration_pods'] or 0} pod(s)")
    return lines


USER_COMMANDS = [import_]
