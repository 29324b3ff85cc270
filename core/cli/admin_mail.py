"""`seedpod admin-mail`: mail every account, or the recently active ones, from a file."""
from __future__ import annotations

from pathlib import Path

import click

from .context import pass_pod, unit_of_work

AUDIENCE_CHOICES = ("all", "active_yearly", "active_halfyear", "active_monthly")


@click.command("admin-mail")
@click.option("--to", "audience", required=True, type=click.Choice(AUDIENCE_CHOICES),
              help="Who gets it: every open account, or those signed in during the last year, "
                   "six months or month.")
@click.option("--subject", required=True, help="The mail's subject.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_pod
def admin_mail(pod, audience, subject, file):
    """Mail FILE to the pod's users, in batches sent by the jobs.

    FILE ending in .html or .htm is sent as HTML (made safe: no scripts or styles), anything
    else as plain text; both come in the pod's standard mail layout. Locked and closed
    accounts get nothing. Progress shows on /admin/mail.
    """
    from ..admin.jobs import send_mailing_batch
    from ..admin.mailings import MailingError, MailingService, audience_label, read_body_file

    try:
        body, is_html = read_body_file(file)
        with unit_of_work(pod) as uow:
            mailing = MailingService(uow.dbsession, pod).create(audience, subject, body, is_html)
            uow.enqueue(send_mailing_batch, mailing.id, 0)
            mailing_id, total = mailing.id, mailing.total
    except MailingError as exc:
        raise click.ClickException(exc.message) from None
    kind = "HTML" if is_html else "text"
    click.echo(f"mailing {mailing_id}: {kind} mail to {total} recipient{'' if total == 1 else 's'} "
               f"({audience_label(audience).lower()})")
    if pod.jobs.in_process:
        # unit_of_work ran the queued batches: this pod has no separate worker.
        click.echo("sent by the jobs of this command")
    else:
        click.echo(f"the jobs send it in batches; progress: {pod.url}/admin/mail/{mailing_id}")


COMMANDS = [admin_mail]
