"""Jobs of the admin panel: admin mail batches and moderation mail."""
from __future__ import annotations

from ..jobs import Periodic, job

# --- admin mail ------------------------------------------------------------------------------
# A mailing is sent by a chain of send_mailing_batch jobs (see core.admin.mailings); each batch
# queues one send_mailing_to per recipient after it commits, and the next batch.


@job(queue="mail")
def send_mailing_batch(ctx, mailing_id: int, expected_last_user_id: int) -> None:
    """Mail the mailing's next recipients, then queue the batch after them."""
    from .mailings import MailingService

    mailing, user_ids = MailingService(ctx.dbsession, ctx.pod).next_batch(mailing_id, expected_last_user_id)
    if mailing is None:
        return
    for user_id in user_ids:
        ctx.enqueue(send_mailing_to, mailing_id, user_id)
    if mailing.state != "done":
        ctx.enqueue(send_mailing_batch, mailing_id, mailing.last_user_id)


@job(queue="mail")
def send_mailing_to(ctx, mailing_id: int, user_id: int) -> None:
    """One recipient's copy of a mailing, in the standard mail layout."""
    from ..accounts.models import User
    from ..mail import send_email, standard_mail
    from .models import AdminMailing

    mailing = ctx.dbsession.get(AdminMailing, mailing_id)
    user = ctx.dbsession.get(User, user_id)
    if mailing is None or user is None or user.closed_at is not None or user.locked_at is not None:
        return
    text, page = standard_mail(ctx.pod, mailing.subject, mailing.body, is_html=mailing.is_html)
    send_email(ctx, user.email, mailing.subject, text, page)


@job(queue="mail")
def resume_mailings(ctx) -> None:
    """Periodic: pick up mailings whose chain of batches stopped (a lost message, a crash)."""
    from .mailings import MailingService

    for mailing in MailingService(ctx.dbsession, ctx.pod).unfinished():
        ctx.enqueue(send_mailing_batch, mailing.id, mailing.last_user_id)


# Every periodic job of the admin panel.
PERIODIC = [Periodic(resume_mailings, every=600)]


# --- other pods --------------------------------------------------------------------------------

@job()
def read_pod_software(ctx, after_id: int = 0) -> None:
    """Daily: the software name and version of every known pod (neither down nor blocked) from
    its NodeInfo, for the pods page; a chain of small batches."""
    from ..federation.sending import refresh_software

    more = refresh_software(ctx, int(after_id))
    if more is not None:
        ctx.enqueue(read_pod_software, more)


PERIODIC += [Periodic(read_pod_software, every=24 * 3600)]
