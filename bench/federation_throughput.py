"""The two federation budgets of DESIGN.md §8: receiving a public post, and fanning one out.

Receiving: N signed public status messages from a known remote person (4096-bit key, as
diaspora* uses) are stored as inbox items, then each is processed in its own job transaction
as a worker would (``core.federation.inbox.process`` through a ``JobContext``). The CPU time of
each (``time.process_time``, commit included) is set against the CPU time of the RSA work
alone: verifying the same envelope, and signing a participation like the one this pod sends
back to the author's pod for every public post it stores. Budget: under 5 ms of CPU on top of
that at p99. The database server's own CPU (PostgreSQL) is not in these numbers; SQLite's is.

Fan-out: 1,000 remote pods with 3 followers each share with a local author, who publishes one
public post through the real path (``PostService.create`` records ``post_published``; the
event's job plans the deliveries; one ``deliver_to_pod`` job per pod sends them). A dramatiq
worker with two threads runs all of it against the in-process broker; every pod is a port of
a local fake receiver on 127.0.0.1 answering 202. Budget: exactly 1,000 deliveries, done in
seconds (read here as under 10 s).

Nothing reaches the network: the remote person of the first part lives on a closed loopback
port and its participations are only planned. Runs on a throwaway PostgreSQL database when
the server answers (``SEEDPOD_BENCH_POSTGRES``), else on a temporary SQLite file.

    .venv/bin/python bench/federation_throughput.py [--database postgresql|sqlite] [--posts 500]
                                                    [--pods 1000] [--followers 3] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

SERVER = os.environ.get("SEEDPOD_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/")
DATABASE = "seedpod_bench_federation"
RECEIVE_BUDGET_MS = 5.0
FAN_OUT_BUDGET_S = 10.0
WORKER_THREADS = 2
WARM_UP = 20
KEY_BITS = 4096
TEXT = ("Back from the allotment: the first broad beans are up, and the blackbird that nests in the "
        "hedge has found the strawberries again. Photos tomorrow if the light holds. #gardening")


# --- databases -----------------------------------------------------------------------------

def admin_engine():
    return sa.create_engine(SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def postgres_reachable() -> bool:
    try:
        with admin_engine().connect():
            return True
    except sa.exc.OperationalError:
        return False


def postgres_database(create: bool) -> str:
    engine = admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        if create:
            conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return sa.engine.make_url(SERVER).set(database=DATABASE).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- measuring helpers ---------------------------------------------------------------------

class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * fraction) - 1))]


def job_context(pod):
    """A fresh job transaction, as core.jobs runs every job."""
    import transaction

    from core.db import tm_session
    from core.jobs import JobContext

    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    return JobContext(pod, tm_session(pod.session_factory, manager), manager)


# --- part 1: receiving ---------------------------------------------------------------------

def seed_remote_sender(pod, private_pem: str, public_pem: str) -> str:
    """A remote person already known (fresh profile, so no lookup), on a pod at a closed port."""
    from core.accounts.keys import new_guid
    from core.accounts.models import Person, Profile
    from core.db import utcnow
    from core.federation.models import POD_UP, Pod

    host = f"127.0.0.1:{free_port()}"
    ctx = job_context(pod)
    remote = Pod(host=host, https=False, status=POD_UP, failures=0)
    ctx.dbsession.add(remote)
    ctx.dbsession.flush()
    diaspora_id = f"alice@{host}"
    ctx.dbsession.add(Person(guid=new_guid(), diaspora_id=diaspora_id, public_key_pem=public_pem,
                             pod_id=remote.id, fetched_at=utcnow(),
                             profile=Profile(first_name="Alice", searchable=True)))
    ctx.tm.commit()
    return diaspora_id


def signed_posts(sender: str, private_pem: str, count: int) -> list[bytes]:
    from core.accounts.keys import new_guid
    from core.federation.entities import make_entity
    from core.federation.envelope import build_envelope

    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
    bodies = []
    for i in range(count):
        entity = make_entity("status_message", author=sender, guid=new_guid(), text=f"{TEXT} ({i})",
                             public=True, created_at=start + dt.timedelta(seconds=i))
        bodies.append(build_envelope(entity.to_xml(), sender, private_pem))
    return bodies


def accept_all(pod, bodies: list[bytes]) -> list[int]:
    from core.federation.inbox import PUBLIC, accept

    ctx = job_context(pod)
    ids = [accept(ctx.dbsession, pod, body, PUBLIC).id for body in bodies]
    ctx.tm.commit()
    return ids


def process_timed(pod, counter: StatementCounter, item_id: int) -> tuple[float, float, int]:
    """(CPU ms, wall ms, SQL statements) of processing one item, commit included."""
    from core.federation import inbox

    counter.count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    ctx = job_context(pod)
    inbox.process(ctx, item_id)
    ctx.tm.commit()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu * 1000, wall * 1000, counter.count


def rsa_verify_ms(body: bytes, public_pem: str) -> float:
    from core.federation.envelope import read_envelope, verify_envelope

    envelope = read_envelope(body)
    cpu = time.process_time()
    verify_envelope(envelope, public_pem)
    return (time.process_time() - cpu) * 1000


def rsa_sign_ms(sender: str, private_pem: str) -> float:
    """CPU of signing the participation sent back for one received post (a payload of the same
    size, signed with the local user's key as participate_back does)."""
    from core.accounts.keys import new_guid
    from core.federation.entities import make_entity
    from core.federation.envelope import rsa_sign, signature_subject

    payload = make_entity("participation", author=sender, guid=new_guid(), parent_guid=new_guid(),
                          parent_type="Post").to_xml()
    subject = signature_subject(payload)
    cpu = time.process_time()
    rsa_sign(private_pem, subject)
    return (time.process_time() - cpu) * 1000


def receiving(pod, user, posts: int) -> dict:
    import sqlalchemy as sa

    from core.accounts.keys import generate_key_pair
    from core.federation.models import DONE, Delivery, InboxItem

    private_pem, public_pem = generate_key_pair(KEY_BITS)
    sender = seed_remote_sender(pod, private_pem, public_pem)
    print(f"signing {posts + WARM_UP} public posts of {sender} with a {KEY_BITS}-bit key", flush=True)
    bodies = signed_posts(sender, private_pem, posts + WARM_UP)
    ids = accept_all(pod, bodies)
    counter = StatementCounter(pod.engine)
    for item_id in ids[:WARM_UP]:
        process_timed(pod, counter, item_id)
    print(f"processing {posts} inbox items, one job transaction each", flush=True)
    measured = [process_timed(pod, counter, item_id) for item_id in ids[WARM_UP:]]
    verify = [rsa_verify_ms(body, public_pem) for body in bodies[WARM_UP:]]
    sign = [rsa_sign_ms(user.person.diaspora_id, user.private_key_pem) for _ in range(posts)]
    pod.jobs.broker.flush_all()  # the participations' deliver_to_pod messages: nobody listens there

    ctx = job_context(pod)
    states = dict(ctx.dbsession.execute(sa.select(InboxItem.state, sa.func.count()).group_by(InboxItem.state)).all())
    participations = ctx.dbsession.scalar(sa.select(sa.func.count()).select_from(Delivery)
                                          .where(Delivery.entity_type == "participation"))
    ctx.tm.abort()
    if states.get(DONE) != len(ids) or participations != len(ids):
        raise SystemExit(f"receiving went wrong: inbox states {states}, {participations} participations planned")

    cpu = [m[0] for m in measured]
    over_verify = sorted(c - v for c, v in zip(cpu, verify))
    over_rsa = sorted(c - v - s for c, v, s in zip(cpu, verify, sign))
    return {
        "posts": posts,
        "cpu": sorted(cpu), "wall": sorted(m[1] for m in measured), "statements": statistics.median(m[2] for m in measured),
        "verify": sorted(verify), "sign": sorted(sign), "over_verify": over_verify, "over_rsa": over_rsa,
    }


# --- part 2: fan-out -----------------------------------------------------------------------

class Receivers:
    """One asyncio loop in a thread listening on ``count`` loopback ports, answering every POST
    with 202 and counting what each port got: a stand-in for ``count`` remote pods."""

    def __init__(self, count: int):
        self.count = count
        self.ports: list[int] = []
        self.received: dict[int, int] = {}
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        for _ in range(self.count):
            server = self._loop.run_until_complete(asyncio.start_server(self._answer, "127.0.0.1", 0))
            self.ports.append(server.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()

    async def _answer(self, reader, writer):
        port = writer.get_extra_info("sockname")[1]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            self.received[port] = self.received.get(port, 0) + 1
            writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def seed_followers(pod, user, ports: list[int], followers: int) -> None:
    """One Pod row per receiver port, ``followers`` remote people on each, all sharing with the author."""
    from core.accounts.keys import new_guid
    from core.accounts.models import Person
    from core.aspects.models import Contact
    from core.db import utcnow
    from core.federation.models import POD_UP, Pod

    now = utcnow()
    ctx = job_context(pod)
    session = ctx.dbsession
    session.execute(sa.insert(Pod), [{"host": f"127.0.0.1:{port}", "https": False, "status": POD_UP, "failures": 0,
                                      "created_at": now} for port in ports])
    pod_ids = dict(session.execute(sa.select(Pod.host, Pod.id).where(Pod.host.in_([f"127.0.0.1:{p}" for p in ports]))).all())
    session.execute(sa.insert(Person), [{"guid": new_guid(), "diaspora_id": f"follower{k}@127.0.0.1:{port}",
                                         "public_key_pem": "unused", "pod_id": pod_ids[f"127.0.0.1:{port}"],
                                         "fetched_at": now, "created_at": now}
                                        for port in ports for k in range(followers)])
    people = session.scalars(sa.select(Person.id).where(Person.diaspora_id.like("follower%"))).all()
    session.execute(sa.insert(Contact), [{"user_id": user.id, "person_id": person_id, "sharing": True,
                                          "receiving": False, "created_at": now} for person_id in people])
    ctx.tm.commit()


def fan_out(pod, user_id: int, pods: int, followers: int) -> dict:
    import dramatiq

    from core.accounts.models import User
    from core.federation import delivery
    from core.federation.models import DONE, Delivery
    from core.posts.services import Draft, PostService

    timings = {"planning_wall": 0.0, "planning_cpu": 0.0, "recipients": 0}
    real_recipients, real_deliver = delivery.post_recipients, delivery.deliver

    def timed(fn, counts_recipients=False):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            result = fn(*args, **kwargs)
            timings["planning_wall"] += time.perf_counter() - wall
            timings["planning_cpu"] += time.process_time() - cpu
            if counts_recipients:
                timings["recipients"] = len(result)
            return result
        return wrapper

    with Receivers(pods) as receivers:
        print(f"seeding {pods:,} remote pods with {followers} followers each", flush=True)
        ctx = job_context(pod)
        user = ctx.dbsession.get(User, user_id)
        seed_followers(pod, user, receivers.ports, followers)
        ctx.tm.abort()

        delivery.post_recipients = timed(real_recipients, counts_recipients=True)
        delivery.deliver = timed(real_deliver)
        worker = dramatiq.Worker(pod.jobs.broker, worker_timeout=50, worker_threads=WORKER_THREADS)
        worker.start()
        try:
            print(f"publishing one public post; a worker with {WORKER_THREADS} threads delivers it", flush=True)
            ctx = job_context(pod)
            post = PostService(ctx.dbsession, pod).create(ctx.dbsession.get(User, user_id),
                                                          Draft(text=TEXT, visibility="public"), ctx.enqueue)
            guid = post.guid
            started, cpu = time.perf_counter(), time.process_time()
            ctx.tm.commit()
            for queue in [q for q in pod.jobs.broker.queues if not q.endswith(".DQ")]:
                pod.jobs.broker.join(queue, timeout=600_000, fail_fast=True)
            worker.join()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            worker.stop()
            delivery.post_recipients, delivery.deliver = real_recipients, real_deliver

        ctx = job_context(pod)
        states = dict(ctx.dbsession.execute(sa.select(Delivery.state, sa.func.count())
                                            .where(Delivery.entity_guid == guid).group_by(Delivery.state)).all())
        pods_hit = ctx.dbsession.scalar(sa.select(sa.func.count(sa.distinct(Delivery.pod_id)))
                                        .where(Delivery.entity_guid == guid))
        ctx.tm.abort()
    deliveries = sum(states.values())
    return {"pods": pods, "followers": followers, "recipients": timings["recipients"], "deliveries": deliveries,
            "done": states.get(DONE, 0), "pods_hit": pods_hit, "ports_hit": len(receivers.received),
            "posts_received": sum(receivers.received.values()), "elapsed": elapsed, "cpu": cpu,
            "planning_wall": timings["planning_wall"], "planning_cpu": timings["planning_cpu"]}


# --- main ----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"),
                        help="default: PostgreSQL when the server answers, else SQLite")
    parser.add_argument("--posts", type=int, default=500, help="received public posts to time")
    parser.add_argument("--pods", type=int, default=1000, help="remote pods following the author")
    parser.add_argument("--followers", type=int, default=3, help="followers on each remote pod")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} PostgreSQL database afterwards")
    args = parser.parse_args()
    backend = args.database or ("postgresql" if postgres_reachable() else "sqlite")

    import logging

    from core import migrations
    from core.accounts.services import AccountService
    from core.pod import build_pod
    from core.testing import base_settings

    logging.disable(logging.INFO)  # one log line per item and delivery would be timed too
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        url = postgres_database(create=True) if backend == "postgresql" else f"sqlite:///{folder}/bench.sqlite"
        try:
            settings = base_settings(Path(folder), url) | {"accounts.rsa_key_size": str(KEY_BITS)}
            pod = build_pod(settings, environ={})
            migrations.upgrade(pod)
            ctx = job_context(pod)
            user = AccountService(ctx.dbsession, pod).sign_up("author", "author@example.org",
                                                             "benchmark passphrase")
            user_id = user.id
            ctx.tm.commit()
            ctx = job_context(pod)
            user = ctx.dbsession.get(type(user), user_id)
            user.person.diaspora_id  # loaded before the session goes
            ctx.dbsession.expunge(user.person)
            ctx.dbsession.expunge(user)
            ctx.tm.abort()

            received = receiving(pod, user, args.posts)
            spread = fan_out(pod, user_id, args.pods, args.followers)
            pod.engine.dispose()
        finally:
            if backend == "postgresql" and not args.keep:
                postgres_database(create=False)

    r, f = received, spread
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{backend}; ran in {time.monotonic() - began:.0f} s")
    print(f"\nreceiving {r['posts']} public posts ({KEY_BITS}-bit keys), CPU per item:")
    print(f"{'':44} {'p50':>9} {'p99':>9} {'max':>9}")
    rows = [("processing (verify, parse, store, commit)", r["cpu"]), ("  wall time of the same", r["wall"]),
            ("RSA: verifying the envelope", r["verify"]), ("RSA: signing the participation back", r["sign"]),
            ("processing minus verifying", r["over_verify"]), ("processing minus both RSA operations", r["over_rsa"])]
    for label, values in rows:
        print(f"{label:44} {percentile(values, 0.5):7.2f}ms {percentile(values, 0.99):7.2f}ms {values[-1]:7.2f}ms")
    print(f"SQL statements per item (median): {r['statements']:.0f}")
    print(f"\nfan-out to {f['pods']:,} pods x {f['followers']} followers: {f['recipients']:,} recipients, "
          f"{f['deliveries']:,} deliveries ({f['done']:,} done) to {f['pods_hit']:,} pods; "
          f"the receivers got {f['posts_received']:,} POSTs on {f['ports_hit']:,} ports")
    print(f"planning {f['planning_wall'] * 1000:.0f} ms wall ({f['planning_cpu'] * 1000:.0f} ms CPU); "
          f"publish to last delivery {f['elapsed']:.2f} s with {WORKER_THREADS} worker threads, "
          f"{f['deliveries'] / f['elapsed']:.0f} deliveries/s; {f['cpu']:.1f} s of CPU in this process "
          f"(workers and receivers)")

    failures = []
    non_rsa_p99 = percentile(r["over_rsa"], 0.99)
    if non_rsa_p99 > RECEIVE_BUDGET_MS:
        failures.append(f"receiving costs {non_rsa_p99:.2f} ms of CPU beyond RSA at p99 (budget {RECEIVE_BUDGET_MS} ms)")
    if f["deliveries"] != f["pods"] or f["done"] != f["pods"] or f["posts_received"] != f["pods"]:
        failures.append(f"fan-out made {f['deliveries']} deliveries ({f['done']} done, {f['posts_received']} received) "
                        f"for {f['pods']} pods")
    if f["elapsed"] > FAN_OUT_BUDGET_S:
        failures.append(f"fan-out took {f['elapsed']:.1f} s (budget {FAN_OUT_BUDGET_S:.0f} s)")
    for failure in failures:
        print(f"over budget: {failure}")
    if not failures:
        print(f"both federation budgets are met: under {RECEIVE_BUDGET_MS:.0f} ms of CPU beyond RSA per received post, "
              f"one delivery per pod done in under {FAN_OUT_BUDGET_S:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
