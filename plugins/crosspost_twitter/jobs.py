"""Background jobs: send a tweet, delete one, and a sweep for what is due again.

Each job does its own short transactions (services.py) rather than the job's: the claim
of a row must be committed before X hears of it. Retrying is the sweep's work, at the time
the row says, so the jobs never raise for X's answers and dramatiq's retries stay for crashes.
"""
from __future__ import annotations

from core.jobs import Periodic, job

from . import oauth, services

SWEEP_EVERY = 60


@job(queue="crosspost_twitter", max_retries=3, time_limit=300)
def send_tweet(ctx, post_id: int) -> None:
    services.send(ctx.pod, post_id)


@job(queue="crosspost_twitter", max_retries=3, time_limit=120)
def delete_tweet(ctx, post_guid: str) -> None:
    services.delete(ctx.pod, post_guid)


@job(queue="crosspost_twitter", max_retries=0, time_limit=60)
def sweep_tweets(ctx) -> None:
    if not oauth.configured(ctx.pod):
        return
    to_send, to_delete = services.sweep(ctx.pod)
    for post_id in to_send:
        ctx.enqueue(send_tweet, post_id)
    for guid in to_delete:
        ctx.enqueue(delete_tweet, guid)


JOBS = [send_tweet, delete_tweet, sweep_tweets]
PERIODIC = [Periodic(sweep_tweets, every=SWEEP_EVERY)]
