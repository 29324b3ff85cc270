from __future__ import annotations

import click

from .context import pass_pod


@click.command()
@click.option("--threads", type=int, help="Worker threads (default: the jobs.worker_threads setting).")
@pass_pod
def worker(pod, threads):
    """Run background jobs from Redis until stopped (SIGINT or SIGTERM)."""
    from ..worker import run_worker

    if pod.jobs.in_process:
        raise click.ClickException("redis.url is not set, so jobs run inside `seedpod serve`; "
                                   "set redis.url (env SEEDPOD_REDIS_URL) to run separate workers")
    from ..pod import StartupError

    try:
        run_worker(pod, threads)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
