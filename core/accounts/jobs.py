from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..db import utcnow
from ..jobs import Periodic, job
from .models import EmailChange, PasswordResetToken
from .services import SessionService


@job()
def prune_expired_sign_ins(ctx) -> None:
    """Forget sessions unused for longer than `sessions.max_age_days`, old reset and email links."""
    SessionService(ctx.dbsession, ctx.pod).prune()
    day_ago = utcnow() - dt.timedelta(days=1)
    ctx.dbsession.execute(sa.delete(PasswordResetToken).where(PasswordResetToken.expires_at < day_ago))
    ctx.dbsession.execute(sa.delete(EmailChange).where(EmailChange.expires_at < day_ago))


PERIODIC = [Periodic(prune_expired_sign_ins, every=3600)]
