"""The plugin's jobs: fetching one video's details, and the sweep that retries overdue ones."""
from __future__ import annotations

from core.jobs import job

from . import services

QUEUE = "youtube_embed"


# A failure is written down and retried by the sweep, never by dramatiq: the job only raises on
# a bug or a database error, and then the sweep sends it again once the row is overdue.
@job(queue=QUEUE, max_retries=0, time_limit=120)
def fetch_video(ctx, video_id: str) -> None:
    services.fetch(ctx.pod, ctx.dbsession, video_id)


@job(queue=QUEUE, max_retries=0, time_limit=60)
def retry_overdue(ctx) -> None:
    for video_id in services.overdue(ctx.dbsession):
        ctx.enqueue(fetch_video, video_id)
