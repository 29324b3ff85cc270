import datetime as dt
import threading

import sqlalchemy as sa

from core.db import utcnow
from core.jobs import Periodic, job
from core.worker import Housekeeper, PeriodicRun, claim


def test_a_periodic_job_is_claimed_once_per_interval(pod):
    now = utcnow()
    assert claim(pod.engine, "sweep", 60, now) is True
    assert claim(pod.engine, "sweep", 60, now) is False
    assert claim(pod.engine, "sweep", 60, now + dt.timedelta(seconds=59)) is False
    assert claim(pod.engine, "sweep", 60, now + dt.timedelta(seconds=61)) is True


def race(contenders: int, attempt) -> list:
    """Run ``attempt`` in that many threads released at the same instant; their results."""
    results = []
    barrier = threading.Barrier(contenders)

    def contender():
        barrier.wait()
        results.append(attempt())

    threads = [threading.Thread(target=contender) for _ in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_workers_claim_a_due_job_once(pod):
    claim(pod.engine, "sweep", 60)
    due = utcnow() + dt.timedelta(seconds=120)
    assert race(6, lambda: claim(pod.engine, "sweep", 60, due)).count(True) == 1


def test_first_claims_race_on_insert_and_one_wins(pod):
    assert race(4, lambda: claim(pod.engine, "fresh", 30)).count(True) == 1
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(PeriodicRun)) == 1


sent = []


@job(queue="testing")
def tick(ctx) -> None:
    sent.append(1)


def test_housekeepers_of_two_workers_send_a_periodic_job_once(pod):
    pod.jobs.add(tick)
    pod.jobs.periodic.append(Periodic(tick, every=3600))
    first, second = Housekeeper(pod, "worker"), Housekeeper(pod, "worker")
    first.tick()
    second.tick()
    assert pod.jobs.broker.queues["testing"].qsize() == 1
    with pod.engine.connect() as conn:
        beats = conn.execute(sa.text("SELECT count(*) FROM worker_heartbeats")).scalar()
    assert beats == 2


def test_core_registers_its_housekeeping_jobs(pod):
    names = {p.job.seedpod_job.name for p in pod.jobs.periodic}
    assert "core.accounts.jobs.prune_expired_sign_ins" in names
    assert "core.mail.send_email" in pod.jobs.actors


def test_a_worker_runs_on_startup_and_refuses_to_start_when_a_plugin_says_so(make_pod):
    import pytest

    from core.hookspecs import hookimpl
    from core.pod import StartupError
    from core.worker import run_worker

    class Refuses:
        @hookimpl
        def on_startup(self, pod):
            raise StartupError("example needs example.key")

    pod = make_pod(extra_plugins={"example": Refuses()})
    with pytest.raises(StartupError, match="example needs example.key"):
        run_worker(pod)
    from core.worker import fresh_workers

    assert fresh_workers(pod.engine) == []  # nothing started
