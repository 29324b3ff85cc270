import time

import pytest
import sqlalchemy as sa
import transaction

from core.admin.models import PluginState
from core.jobs import job

# Jobs that leave a visible trace: a plugin switch row named after their argument.


@job(queue="testing")
def record(ctx, name: str) -> None:
    ctx.dbsession.add(PluginState(name=name, enabled=True))


@job(queue="testing", max_retries=0)
def record_then_fail(ctx, name: str) -> None:
    ctx.dbsession.add(PluginState(name=name, enabled=True))
    ctx.dbsession.flush()
    raise RuntimeError("boom")


@job(queue="testing")
def record_and_chain(ctx, name: str) -> None:
    ctx.dbsession.add(PluginState(name=name, enabled=True))
    ctx.enqueue(record, name + "-next")


def recorded(pod) -> set[str]:
    with pod.engine.connect() as conn:
        return set(conn.scalars(sa.select(PluginState.name)))


@pytest.fixture
def jobs(pod):
    for fn in (record, record_then_fail, record_and_chain):
        pod.jobs.add(fn)
    return pod.jobs


def queued(jobs) -> int:
    return sum(q.qsize() for q in jobs.broker.queues.values())


def test_messages_are_sent_only_after_commit(jobs):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        jobs.send_after_commit(manager, record, "a")
        assert queued(jobs) == 0
    assert queued(jobs) == 1


def test_an_aborted_transaction_sends_nothing(jobs):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    jobs.send_after_commit(manager, record, "a")
    manager.abort()
    assert queued(jobs) == 0
    with pytest.raises(ZeroDivisionError):
        with manager:
            jobs.send_after_commit(manager, record, "b")
            1 / 0
    assert queued(jobs) == 0


def test_an_unknown_job_fails_inside_the_transaction(pod):
    manager = transaction.TransactionManager(explicit=True)
    with pytest.raises(LookupError, match="not a registered job"):
        with manager:
            pod.jobs.send_after_commit(manager, record, "a")


def test_each_job_commits_its_own_transaction_and_its_own_messages(jobs, pod):
    jobs.send(record_and_chain, "first")
    jobs.drain()
    assert recorded(pod) == {"first", "first-next"}


def test_a_failing_job_writes_nothing(jobs, pod):
    from dramatiq.brokers.stub import StubBroker

    jobs.send(record_then_fail, "doomed")
    with pytest.raises(Exception):
        jobs.drain()
    assert recorded(pod) == set()
    assert isinstance(jobs.broker, StubBroker) and jobs.broker.dead_letters


def test_the_embedded_worker_runs_jobs_inside_the_process(jobs, pod):
    from core.worker import start_embedded

    running = start_embedded(pod)
    try:
        jobs.send(record, "embedded")
        deadline = time.monotonic() + 10
        while "embedded" not in recorded(pod) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        running.stop()
    assert "embedded" in recorded(pod)


def test_redis_worker_consumes_messages_sent_after_commit(make_pod, redis_url, redis_namespace):
    from core.worker import RunningWorker, fresh_workers

    pod = make_pod(**{"redis.url": redis_url, "redis.namespace": redis_namespace})
    assert not pod.jobs.in_process
    pod.jobs.add(record)
    running = RunningWorker(pod, "worker", 2).start()
    try:
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            pod.jobs.send_after_commit(manager, record, "via-redis")
        deadline = time.monotonic() + 15
        while "via-redis" not in recorded(pod) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "via-redis" in recorded(pod)
        alive = fresh_workers(pod.engine)
        assert [w.mode for w in alive] == ["worker"]
        assert "testing" in alive[0].queues.split()
    finally:
        running.stop()
        pod.jobs.broker.close()
    assert fresh_workers(pod.engine) == []  # a stopped worker says goodbye
