"""Background jobs: dramatiq with Redis in production, in-process in the embedded pod.

A job is a plain function decorated with :func:`job`; plugins return theirs from
``register_jobs``. Each job runs in its own transaction with a
:class:`JobContext`. Messages are only sent after the sending transaction commits:
an aborted request or job sends nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import dramatiq
import transaction
from dramatiq.brokers.stub import StubBroker

from .admin.site import refresh as refresh_site_settings
from .db import tm_session

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class JobSpec:
    name: str
    queue: str
    max_retries: int
    time_limit_ms: int


@dataclass(frozen=True)
class Periodic:
    """Send ``job`` (with no arguments) once every ``every`` seconds across all workers."""

    job: Callable
    every: int


def job(queue: str = DEFAULT_QUEUE, max_retries: int = 10, time_limit: int = 600) -> Callable:
    """Mark a function as a job. Plugins use their own name as ``queue``."""

    def mark(fn: Callable) -> Callable:
        fn.seedpod_job = JobSpec(f"{fn.__module__}.{fn.__qualname__}", queue, max_retries, time_limit * 1000)
        return fn

    return mark


@dataclass
class JobContext:
    """What a job gets: the pod and a session in the job's own transaction."""

    pod: Any
    dbsession: Any
    tm: transaction.TransactionManager

    def enqueue(self, fn: Callable, *args: Any) -> None:
        self.pod.jobs.send_after_commit(self.tm, fn, *args)


class JobRegistry:
    """The pod's broker and the dramatiq actor of every registered job."""

    def __init__(self, pod, broker: dramatiq.Broker, in_process: bool):
        self.pod = pod
        self.broker = broker
        self.in_process = in_process
        self.actors: dict[str, dramatiq.Actor] = {}
        self.periodic: list[Periodic] = []

    def add(self, fn: Callable) -> None:
        spec = getattr(fn, "seedpod_job", None)
        if spec is None:
            raise TypeError(f"{fn!r} is not decorated with core.jobs.job")
        if spec.name in self.actors:
            return
        self.actors[spec.name] = dramatiq.Actor(
            self._runner(fn), broker=self.broker, actor_name=spec.name, queue_name=spec.queue, priority=0,
            options={"max_retries": spec.max_retries, "time_limit": spec.time_limit_ms},
        )

    def _runner(self, fn: Callable) -> Callable:
        pod = self.pod

        def run(*args):
            manager = transaction.TransactionManager(explicit=True)
            with manager:
                session = tm_session(pod.session_factory, manager)
                # Settings an admin changed from /admin (the pod's name, say) reach workers too.
                refresh_site_settings(pod, session)
                fn(JobContext(pod, session, manager), *args)

        run.__name__ = fn.__name__
        return run

    def actor(self, fn: Callable) -> dramatiq.Actor:
        spec = getattr(fn, "seedpod_job", None)
        if spec is None or spec.name not in self.actors:
            raise LookupError(f"{getattr(fn, '__name__', fn)!r} is not a registered job; return it from register_jobs")
        return self.actors[spec.name]

    def send(self, fn: Callable, *args: Any) -> None:
        self.actor(fn).send(*args)

    def send_after_commit(self, manager: transaction.TransactionManager, fn: Callable, *args: Any) -> None:
        actor = self.actor(fn)  # fail now, inside the transaction, on an unknown job

        def after_commit(committed: bool) -> None:
            if committed:
                actor.send(*args)

        manager.get().addAfterCommitHook(after_commit)

    @property
    def queues(self) -> set[str]:
        return {actor.queue_name for actor in self.actors.values()}

    def drain(self, timeout_ms: int = 30_000) -> None:
        """Run every queued message to the end; in-process broker only (commands, tests)."""
        if not isinstance(self.broker, StubBroker):
            raise RuntimeError("drain() runs the in-process broker; a Redis broker is drained by `seedpod worker`")
        worker = dramatiq.Worker(self.broker, worker_timeout=50, worker_threads=1)
        worker.start()
        try:
            for queue in [q for q in self.broker.queues if not q.endswith(".DQ")]:
                self.broker.join(queue, timeout=timeout_ms, fail_fast=True)
            worker.join()
        finally:
            worker.stop()


def make_broker(pod) -> dramatiq.Broker:
    url = pod.settings["redis.url"]
    if url:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, namespace=pod.settings["redis.namespace"])
    return StubBroker()


def setup(pod) -> JobRegistry:
    broker = make_broker(pod)
    registry = JobRegistry(pod, broker, in_process=not pod.settings["redis.url"])
    pod.jobs = registry
    for fns in pod.pm.hook.register_jobs(pod=pod):
        for fn in fns or []:
            registry.add(fn)
    for periodics in pod.pm.hook.register_periodic_jobs(pod=pod):
        for periodic in periodics or []:
            try:
                registry.actor(periodic.job)
            except LookupError as exc:
                from .pod import StartupError

                raise StartupError(f"periodic job: {exc}") from None
            registry.periodic.append(periodic)
    return registry


def includeme(config):
    def enqueue(request, fn: Callable, *args: Any) -> None:
        request.registry.pod.jobs.send_after_commit(request.tm, fn, *args)

    config.add_request_method(enqueue, "enqueue")
