"""Outgoing mail, always sent by a job after the transaction commits.

`mail.backend = directory` (the embedded default) writes each message as a file
under `data_dir`/mail and logs it; `smtp` sends it.
"""
from __future__ import annotations

import logging
from pathlib import Path

from pyramid_mailer.mailer import DebugMailer, Mailer
from pyramid_mailer.message import Message

from .jobs import job

log = logging.getLogger(__name__)


def sender(pod) -> str:
    return pod.settings["mail.from"] or f"no-reply@{pod.host.split(':')[0]}"


def mailer_for(pod):
    s = pod.settings
    if s["mail.backend"] == "directory":
        return DebugMailer(str(mail_dir(pod)))
    return Mailer(host=s["mail.host"], port=s["mail.port"], username=s["mail.username"] or None,
                  password=s["mail.password"] or None, tls=s["mail.tls"], ssl=s["mail.ssl"])


def mail_dir(pod) -> Path:
    path = Path(pod.data_dir) / "mail"
    path.mkdir(parents=True, exist_ok=True)
    return path


@job(queue="mail")
def send_email(ctx, to: str, subject: str, body: str) -> None:
    message = Message(subject=subject, sender=sender(ctx.pod), recipients=[to], body=body)
    mailer_for(ctx.pod).send_immediately(message, fail_silently=False)
    if ctx.pod.settings["mail.backend"] == "directory":
        log.info("mail to %s: %r written to %s", to, subject, mail_dir(ctx.pod))


def queue_email(request_or_ctx, to: str, subject: str, body: str) -> None:
    """Send a plain-text mail once the current transaction commits."""
    request_or_ctx.enqueue(send_email, to, subject, body)
