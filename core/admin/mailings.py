"""Admin mail: one message from the podmins to a group of local accounts, sent in batches.

A mailing is an :class:`AdminMailing` row. Creating it counts its recipients (``total``);
jobs then mail them in user-id order, ``batch_size`` at a time. Each batch reads the
mailing's cursor (``last_user_id``), queues one mail per recipient after the batch's
transaction commits, and moves the cursor and ``sent`` in that same transaction, so a batch
that is retried or runs twice mails nobody twice. A batch is sent with the cursor it expects
to find: a copy that finds the cursor already moved does nothing, so the sweep that resumes
stalled mailings never starts a second chain of batches.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db import utcnow
from ..text import sanitize
from .models import AdminMailing

# audience -> (days since the last sign-in, or None for everyone; what the podmin reads)
AUDIENCES = {
    "all": (None, "Every account"),
    "active_yearly": (365, "Signed in during the last year"),
    "active_halfyear": (180, "Signed in during the last six months"),
    "active_monthly": (30, "Signed in during the last month"),
}
PENDING, SENDING, DONE = "pending", "sending", "done"
BATCH_SIZE = 100
MAX_SUBJECT = 255
MAX_BODY = 200_000
HTML_SUFFIXES = (".html", ".htm")


class MailingError(ValueError):
    """Bad input for a mailing; ``message`` is for the podmin, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def audience_label(audience: str) -> str:
    return AUDIENCES.get(audience, (None, audience))[1]


def recipients(audience: str, as_of: dt.datetime) -> sa.Select:
    """Ids of the accounts ``audience`` meant at ``as_of``: open (neither closed nor locked)
    accounts that existed then, the active ones signed in within the audience's days."""
    days = AUDIENCES[audience][0]
    query = sa.select(User.id).where(User.closed_at.is_(None), User.locked_at.is_(None), User.created_at <= as_of)
    if days is not None:
        query = query.where(User.last_sign_in_at >= as_of - dt.timedelta(days=days))
    return query


def count(dbsession: Session, audience: str, as_of: dt.datetime) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(recipients(audience, as_of).subquery()))


def check_subject(raw) -> str:
    subject = (raw or "").strip()
    if not subject:
        raise MailingError("Give the mail a subject.", "subject")
    if "\x00" in subject:
        raise MailingError("The subject contains a NUL character.", "subject")
    if "\n" in subject or "\r" in subject:
        raise MailingError("The subject must be a single line.", "subject")
    if len(subject) > MAX_SUBJECT:
        raise MailingError(f"The subject is longer than {MAX_SUBJECT} characters.", "subject")
    return subject


def check_body(raw, is_html: bool) -> str:
    """The body as stored: text with its line endings normalised, or sanitised HTML."""
    body = (raw or "").replace("\r\n", "\n")
    if "\x00" in body:
        raise MailingError("The message contains a NUL character.", "body")
    if not body.strip():
        raise MailingError("The message is empty.", "body")
    if len(body) > MAX_BODY:
        raise MailingError(f"The message is longer than {MAX_BODY:,} characters.", "body")
    if is_html:
        body = sanitize(body)
        if not body.strip():
            raise MailingError("Nothing is left of the HTML once unsafe parts (scripts, styles) are removed.", "body")
    return body.strip("\n")


def check_audience(raw) -> str:
    if raw not in AUDIENCES:
        raise MailingError(f"Choose who gets the mail: one of {', '.join(AUDIENCES)}.", "audience")
    return raw


def read_body_file(path: Path) -> tuple[str, bool]:
    """A mail body from a file: (its text, whether it is HTML by its .html/.htm name)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailingError(f"can't read {path}: {exc.strerror or exc}", "file") from None
    if b"\x00" in data:
        raise MailingError(f"{path} contains NUL bytes; give a text or HTML file", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MailingError(f"{path} is not UTF-8 text", "file") from None
    if not text.strip():
        raise MailingError(f"{path} is empty", "file")
    return text, path.suffix.lower() in HTML_SUFFIXES


@dataclass
class MailingService:
    dbsession: Session
    pod: object
    batch_size: int | None = None  # BATCH_SIZE when not given

    def create(self, audience, subject, body, is_html: bool, created_by_id: int | None = None) -> AdminMailing:
        """Check the input, store the mailing with its number of recipients; nothing is sent
        yet (the caller enqueues ``core.admin.jobs.send_mailing_batch(id, 0)`` after commit)."""
        audience = check_audience(audience)
        subject = check_subject(subject)
        body = check_body(body, bool(is_html))
        now = utcnow()
        total = count(self.dbsession, audience, now)
        mailing = AdminMailing(created_by_id=created_by_id, audience=audience, subject=subject, body=body,
                               is_html=bool(is_html), state=PENDING, total=total, sent=0, last_user_id=0,
                               created_at=now)
        self.dbsession.add(mailing)
        self.dbsession.flush()
        return mailing

    def audience_sizes(self) -> dict[str, int]:
        """How many accounts each audience reaches right now."""
        now = utcnow()
        return {audience: count(self.dbsession, audience, now) for audience in AUDIENCES}

    def get(self, mailing_id: int) -> AdminMailing | None:
        return self.dbsession.get(AdminMailing, mailing_id)

    def recent(self, limit: int = 100) -> list[AdminMailing]:
        return list(self.dbsession.scalars(
            sa.select(AdminMailing).order_by(AdminMailing.created_at.desc(), AdminMailing.id.desc()).limit(limit)))

    def unfinished(self) -> list[AdminMailing]:
        return list(self.dbsession.scalars(
            sa.select(AdminMailing).where(AdminMailing.state.in_((PENDING, SENDING))).order_by(AdminMailing.id)))

    def next_batch(self, mailing_id: int, expected_last_user_id: int) -> tuple[AdminMailing | None, list[int]]:
        """Move the mailing's cursor over its next recipients and return their ids (to be mailed
        once this transaction commits). Nothing happens, and no ids come back, when the mailing
        is gone or done, or its cursor is not at ``expected_last_user_id`` (another copy of this
        batch ran). The last (short or empty) batch marks the mailing done."""
        size = self.batch_size or BATCH_SIZE
        mailing = self.dbsession.scalar(
            sa.select(AdminMailing).where(AdminMailing.id == mailing_id).with_for_update())
        if mailing is None or mailing.state == DONE or mailing.last_user_id != expected_last_user_id:
            return None, []
        ids = list(self.dbsession.scalars(
            recipients(mailing.audience, mailing.created_at).where(User.id > mailing.last_user_id)
            .order_by(User.id).limit(size)))
        if ids:
            mailing.last_user_id = ids[-1]
            mailing.sent += len(ids)
        if len(ids) < size:
            mailing.state = DONE
            mailing.finished_at = utcnow()
        else:
            mailing.state = SENDING
        return mailing, ids
