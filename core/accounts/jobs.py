from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..db import utcnow
from ..jobs import job
from .models import PasswordResetToken
from .services import SessionService


@job()
def prune_expired_sign_ins(ctx) -> None:
    """Forget sessions unused for longer than `sessions.max_age_days` and old reset links."""
    SessionService(ctx.dbsession, ctx.pod).prune()
    ctx.dbsession.execute(
        sa.delete(PasswordResetToken).where(PasswordResetToken.expires_at < utcnow() - dt.timedelta(days=1)))
