"""Worker processes: consuming queues, periodic jobs, and the heartbeats doctor reads.

``seedpod worker`` runs :func:`run_worker`; the embedded pod runs the same thing
in threads of the web process (:func:`start_embedded`). Each worker beats into
``worker_heartbeats`` and claims periodic jobs through ``periodic_runs``, so any
number of workers on any number of hosts send each periodic job once.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid

import dramatiq
import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime, utcnow
from .jobs import Periodic, job

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
TICK_SECONDS = 5


class WorkerHeartbeat(Base):
    """A running worker (process or in-process thread) and when it was last alive."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # "worker" or "embedded"
    queues: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class PeriodicRun(Base):
    """When a periodic job is next due; a worker claims it by moving the date."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def claim(engine, name: str, every: int, now: dt.datetime | None = None) -> bool:
    """True for exactly one caller per interval, whichever worker asks."""
    now = now or utcnow()
    table = PeriodicRun.__table__
    with engine.begin() as conn:
        moved = conn.execute(
            table.update()
            .where(table.c.name == name, table.c.next_run_at <= now)
            .values(next_run_at=now + dt.timedelta(seconds=every))
        ).rowcount
        if moved:
            return True
        exists = conn.execute(sa.select(table.c.name).where(table.c.name == name)).first()
    if exists:
        return False
    try:
        with engine.begin() as conn:
            conn.execute(table.insert().values(name=name, next_run_at=now + dt.timedelta(seconds=every)))
        return True
    except sa.exc.IntegrityError:  # another worker inserted it first and owns this run
        return False


class Housekeeper(threading.Thread):
    """Beats and sends due periodic jobs until stopped."""

    def __init__(self, pod, mode: str):
        super().__init__(name=f"seedpod-{mode}-housekeeper", daemon=True)
        self.pod = pod
        self.mode = mode
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started_at = utcnow()
        self.stopping = threading.Event()

    def beat(self) -> None:
        table = WorkerHeartbeat.__table__
        now = utcnow()
        with self.pod.engine.begin() as conn:
            updated = conn.execute(table.update().where(table.c.id == self.id).values(seen_at=now)).rowcount
            if not updated:
                conn.execute(table.insert().values(
                    id=self.id, mode=self.mode, queues=" ".join(sorted(self.pod.jobs.queues)),
                    started_at=self.started_at, seen_at=now))

    def send_due(self) -> None:
        for periodic in self.pod.jobs.periodic:
            spec = periodic.job.seedpod_job
            if claim(self.pod.engine, spec.name, periodic.every):
                self.pod.jobs.send(periodic.job)

    def tick(self) -> None:
        self.beat()
        self.send_due()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # a database hiccup must not kill the worker; try again next tick
                log.exception("worker housekeeping failed")
            self.stopping.wait(TICK_SECONDS)
        try:
            with self.pod.engine.begin() as conn:
                conn.execute(WorkerHeartbeat.__table__.delete().where(WorkerHeartbeat.id == self.id))
        except Exception:
            log.warning("could not remove the heartbeat of %s", self.id)

    def stop(self) -> None:
        self.stopping.set()


@job()
def forget_stale_workers(ctx) -> None:
    """Drop heartbeats of workers that died without saying goodbye."""
    cutoff = utcnow() - dt.timedelta(hours=1)
    ctx.dbsession.execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < cutoff))


PERIODIC = [Periodic(forget_stale_workers, every=3600)]


class RunningWorker:
    def __init__(self, pod, mode: str, threads: int):
        self.worker = dramatiq.Worker(pod.jobs.broker, queues=pod.jobs.queues, worker_threads=threads,
                                      worker_timeout=500)
        self.housekeeper = Housekeeper(pod, mode)

    def start(self) -> "RunningWorker":
        self.worker.start()
        self.housekeeper.start()
        return self

    def stop(self) -> None:
        self.housekeeper.stop()
        self.worker.stop()
        self.housekeeper.join(timeout=10)


def start_embedded(pod) -> RunningWorker:
    """Jobs inside the web process, for the embedded pod with no Redis."""
    log.info("running jobs inside the web process (queues: %s)", ", ".join(sorted(pod.jobs.queues)))
    return RunningWorker(pod, "embedded", pod.settings["jobs.worker_threads"]).start()


def run_worker(pod, threads: int | None = None) -> None:
    """`seedpod worker`: consume every queue until SIGINT or SIGTERM."""
    import signal

    pod.pm.hook.on_startup(pod=pod)
    running = RunningWorker(pod, "worker", threads or pod.settings["jobs.worker_threads"]).start()
    log.info("worker %s consuming %s", running.housekeeper.id, ", ".join(sorted(pod.jobs.queues)))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    log.info("worker %s stopping", running.housekeeper.id)
    running.stop()


def fresh_workers(engine, within_seconds: int = 3 * HEARTBEAT_SECONDS) -> list[WorkerHeartbeat]:
    cutoff = utcnow() - dt.timedelta(seconds=within_seconds)
    with engine.connect() as conn:
        return list(conn.execute(sa.select(WorkerHeartbeat.__table__).where(WorkerHeartbeat.seen_at >= cutoff)))
