"""`seedpod doctor`: one line per check, non-zero exit when any fails."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import click
import sqlalchemy as sa

from .context import hide_password, pass_state

KEY_SAMPLE = 200


@dataclass
class Result:
    name: str
    ok: bool
    message: str


def check_url(pod) -> Result:
    parts = urlsplit(pod.url)
    note = "" if parts.scheme == "https" else " (plain http: fine for development, not for federation)"
    return Result("url", True, f"{pod.url}; diaspora IDs end in @{pod.host}{note}")


def check_database(pod) -> Result:
    try:
        with pod.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Result("database", False, f"cannot connect to {pod.engine.url.render_as_string()}: {reason}")
    return Result("database", True, f"{pod.engine.dialect.name} at {pod.engine.url.render_as_string()} is reachable")


def check_migrations(pod) -> Result:
    from .. import migrations

    waiting = migrations.pending(pod)
    if waiting:
        return Result("migrations", False, f"{len(waiting)} pending ({', '.join(sorted(waiting))}); "
                                           "run: seedpod db upgrade")
    return Result("migrations", True, f"up to date ({', '.join(sorted(migrations.current(pod)))})")


def check_broker(pod) -> Result:
    if pod.jobs.in_process and pod.is_production:
        return Result("broker", False, "production without redis.url runs jobs inside each web process, where "
                                       "queued jobs die with it; set redis.url (env SEEDPOD_REDIS_URL)")
    if pod.jobs.in_process:
        return Result("broker", True, "no redis.url: jobs run inside the web process")
    import redis

    url = hide_password(pod.settings["redis.url"])
    try:
        redis.Redis.from_url(pod.settings["redis.url"], socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return Result("broker", False, f"cannot reach Redis at {url}: {exc}")
    return Result("broker", True, f"Redis at {url} answers")


def check_workers(pod) -> Result:
    from ..worker import fresh_workers

    alive = fresh_workers(pod.engine)
    if pod.jobs.in_process:
        running = "running now" if alive else "not running now"
        return Result("workers", True, f"jobs run inside `seedpod serve` ({running})")
    if not alive:
        return Result("workers", False, "no worker has reported in the last 45 s; start one: seedpod worker")
    queues = sorted({q for w in alive for q in w.queues.split()})
    missing = sorted(pod.jobs.queues - set(queues))
    if missing:
        return Result("workers", False, f"{len(alive)} worker(s) alive but none consumes: {', '.join(missing)}")
    return Result("workers", True, f"{len(alive)} worker(s) consuming {', '.join(queues)}")


def check_keys(pod) -> Result:
    from ..accounts.keys import check_key_pair
    from ..accounts.models import Person, User

    if len(pod.settings["secret"]) < 32:
        return Result("keys", False, "the secret is shorter than 32 characters; set secret (env SEEDPOD_SECRET)")
    with pod.engine.connect() as conn:
        rows = conn.execute(sa.select(User.username, User.private_key_pem, Person.public_key_pem)
                            .join(Person, Person.user_id == User.id).order_by(User.id.desc()).limit(KEY_SAMPLE)).all()
    broken = []
    for username, private_pem, public_pem in rows:
        try:
            check_key_pair(private_pem, public_pem)
        except ValueError:
            broken.append(username)
    if broken:
        return Result("keys", False, f"unusable key pairs for: {', '.join(broken)}")
    return Result("keys", True, f"secret set; key pairs of {len(rows)} newest account(s) load and match")


CHECKS = (check_url, check_database, check_migrations, check_broker, check_workers, check_keys)
NEEDS_DATABASE = {"migrations", "workers", "keys"}
NEEDS_TABLES = {"workers", "keys"}


def run_checks(state) -> list[Result]:
    from ..pod import DatabaseURLError, StartupError

    try:
        pod = state.pod_or_error()
    except DatabaseURLError as exc:
        return [Result("configuration", True, f"{state.path} read"), Result("database", False, str(exc))]
    except (StartupError, click.ClickException) as exc:
        return [Result("configuration", False, getattr(exc, "message", None) or str(exc))]
    results = [Result("configuration", True, f"{state.path} read; plugins: {', '.join(pod.enabled_plugins) or 'none'}")]
    database_ok = migrated = True
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        if name in NEEDS_DATABASE and not database_ok:
            results.append(Result(name, False, "not checked: the database is unreachable"))
            continue
        if name in NEEDS_TABLES and not migrated:
            results.append(Result(name, False, "not checked: migrate first (seedpod db upgrade)"))
            continue
        try:
            result = check(pod)
        except Exception as exc:  # a check that crashes is a failed check, reported with its reason
            reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
            result = Result(name, False, f"{type(exc).__name__}: {reason}")
        if name == "database":
            database_ok = result.ok
        elif name == "migrations":
            migrated = result.ok
        results.append(result)
    return results + plugin_checks(pod)


def plugin_checks(pod) -> list[Result]:
    """The checks enabled plugins register, after core's."""
    results = []
    for checks in pod.pm.hook.register_checks(pod=pod):
        for check in checks or []:
            try:
                results.append(check(pod))
            except Exception as exc:  # a crashing check is a failed check, named after the function
                name = f"{check.__module__.split('.')[-2] if '.' in check.__module__ else check.__module__}"
                results.append(Result(f"{name}.{check.__name__}", False, f"{type(exc).__name__}: {exc}"))
    return results


@click.command()
@pass_state
def doctor(state):
    """Check the pod's configuration, database, migrations, jobs and keys."""
    results = run_checks(state)
    width = max(len(r.name) for r in results)
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'}  {result.name.ljust(width)}  {result.message}")
    failed = [r.name for r in results if not r.ok]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}", err=True)
        raise SystemExit(1)
