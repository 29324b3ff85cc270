"""The job that runs an import, and the sweep that sends again the runs whose job was lost."""

from ..jobs import Periodic, job


@job(max_retries=3, time_limit=6 * 3600)
def run_content_import(ctx, run_id):
    """Run one import to the end (core.importers.services.run_import). When the source could
    not be reached, the run is sent again a while later, where it skips what it imported."""
    from .services import RETRY, run_import

    outcome = run_import(ctx.pod, run_id)
    if outcome.state == RETRY:
        ctx.pod.jobs.actor(run_content_import).send_with_options(args=(run_id,), delay=outcome.delay * 1000)


@job()
def sweep_content_imports(ctx):
    """Send again the runs whose worker died: a run started again skips what it did."""
    from .services import lost_runs

    for run_id in lost_runs(ctx.dbsession):
        ctx.enqueue(run_content_import, run_id)


PERIODIC = [Periodic(sweep_content_imports, every=600)]
