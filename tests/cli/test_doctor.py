"""`seedpod doctor`: one line per check, and a non-zero exit naming every check that failed."""
from __future__ import annotations

import time

from core.accounts.keys import generate_key_pair
from core.testing import free_port
from core.worker import RunningWorker, fresh_workers

CHECKS = ["configuration", "url", "database", "migrations", "broker", "workers", "keys"]


def heads_of(pod) -> str:
    from core import migrations

    return ", ".join(sorted(migrations.heads(pod)))


def revisions_in(pod) -> str:
    """The revisions the database holds: the enabled branches' heads, and those of bundled
    plugins migrated before (the test template migrates every one of them)."""
    from core import migrations

    assert migrations.heads(pod) <= migrations.current(pod)
    return ", ".join(sorted(migrations.current(pod)))


def test_healthy_embedded_pod_passes_every_check(seedpod, ini, doctor_checks, pods):
    ran = seedpod("doctor")

    assert ran.exit_code == 0, ran.output
    assert ran.stderr == ""
    assert len(ran.lines) == len(CHECKS)  # one line per check, nothing else
    checks = doctor_checks(ran.stdout)
    assert list(checks) == CHECKS
    assert all(status == "ok" for status, _ in checks.values()), ran.stdout
    assert checks["configuration"][1] == f"{ini} read; plugins: landing_page, terms"
    assert checks["url"][1] == ("http://pod.test; diaspora IDs end in @pod.test "
                                "(plain http: fine for development, not for federation)")
    assert "is reachable" in checks["database"][1]
    assert checks["migrations"][1] == f"up to date ({revisions_in(pods(ini))})"
    assert checks["broker"][1] == "no redis.url: jobs run inside the web process"
    assert checks["workers"][1] == "jobs run inside `seedpod serve` (not running now)"
    assert checks["keys"][1] == "secret set; key pairs of 0 newest account(s) load and match"


def test_keys_check_loads_each_account_key_pair(seedpod, ini, doctor_checks, sql):
    created = seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse")
    assert created.exit_code == 0, created.output

    ran = seedpod("doctor")
    assert ran.exit_code == 0, ran.output
    assert doctor_checks(ran.stdout)["keys"] == ("ok", "secret set; key pairs of 1 newest account(s) load and match")

    _, someone_elses = generate_key_pair(2048)
    sql(ini, "UPDATE people SET public_key_pem = :pem", pem=someone_elses)
    ran = seedpod("doctor")
    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout)["keys"] == ("FAIL", "unusable key pairs for: alice")
    assert ran.stderr.strip() == "1 check(s) failed: keys"


def test_short_secret_fails_the_keys_check(run_in, make_ini, database_url, doctor_checks):
    ini = make_ini(database__url=database_url, secret="too short")

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout)["keys"] == (
        "FAIL", "the secret is shorter than 32 characters; set secret (env SEEDPOD_SECRET)")


def test_unreachable_postgresql_fails_the_database_check(run_in, make_ini, doctor_checks):
    port = free_port()  # nothing listens there
    ini = make_ini(database__url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    checks = doctor_checks(ran.stdout)
    assert list(checks) == CHECKS
    status, message = checks["database"]
    assert status == "FAIL"
    assert message.startswith(f"cannot connect to postgresql+psycopg://postgres@127.0.0.1:{port}/test: ")
    assert str(port) in message  # psycopg's own reason, on the same line
    for name in ("migrations", "workers", "keys"):
        assert checks[name] == ("FAIL", "not checked: the database is unreachable")
    assert checks["configuration"][0] == checks["url"][0] == checks["broker"][0] == "ok"
    assert ran.stderr.strip().endswith("4 check(s) failed: database, migrations, workers, keys")


def test_database_url_from_the_environment_is_checked(run_in, ini, doctor_checks):
    port = free_port()

    ran = run_in(ini, "doctor", env={"SEEDPOD_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/x"})

    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout)["database"][1].startswith(f"cannot connect to postgresql+psycopg://postgres@"
                                                               f"127.0.0.1:{port}/x")


def test_malformed_database_url_fails_the_database_check(run_in, make_ini, doctor_checks):
    for url, reason in [("not a database url", "Could not parse SQLAlchemy URL"),
                        ("nosuchdb://localhost/pod", "Can't load plugin: sqlalchemy.dialects:nosuchdb")]:
        ran = run_in(make_ini(database__url=url), "doctor")

        assert ran.exit_code == 1, url
        checks = doctor_checks(ran.stdout)
        assert checks["configuration"][0] == "ok"
        status, message = checks["database"]
        assert status == "FAIL"
        assert message.startswith(f"setting database.url (env SEEDPOD_DATABASE_URL) cannot be used: {reason}"), message
        assert ran.stderr.strip() == "1 check(s) failed: database"


def test_pending_migrations_fail_the_migrations_check(run_in, make_ini, tmp_path, doctor_checks, pods):
    ini = make_ini(database__url=f"sqlite:///{tmp_path / 'new.sqlite'}")
    heads = heads_of(pods(ini))

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    checks = doctor_checks(ran.stdout)
    assert checks["database"][0] == "ok"
    assert checks["migrations"] == ("FAIL", f"{len(heads.split(', '))} pending ({heads}); run: seedpod db upgrade")
    for name in ("workers", "keys"):  # their tables do not exist yet: said plainly, not as an SQL error
        assert checks[name] == ("FAIL", "not checked: migrate first (seedpod db upgrade)")
    assert ran.stderr.strip() == "3 check(s) failed: migrations, workers, keys"

    assert run_in(ini, "db", "upgrade").exit_code == 0
    ran = run_in(ini, "doctor")
    assert ran.exit_code == 0, ran.output


def test_redis_without_a_worker_fails_the_workers_check(run_in, make_ini, database_url, redis_url, redis_namespace,
                                                         doctor_checks):
    ini = make_ini(database__url=database_url, redis__url=redis_url, redis__namespace=redis_namespace)

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    checks = doctor_checks(ran.stdout)
    assert checks["broker"] == ("ok", f"Redis at {redis_url} answers")
    assert checks["workers"] == ("FAIL", "no worker has reported in the last 45 s; start one: seedpod worker")
    assert ran.stderr.strip() == "1 check(s) failed: workers"


def test_a_running_worker_passes_the_workers_check(run_in, make_ini, database_url, redis_url, redis_namespace,
                                                    doctor_checks, pods):
    ini = make_ini(database__url=database_url, redis__url=redis_url, redis__namespace=redis_namespace)
    pod = pods(ini)
    running = RunningWorker(pod, "worker", 1).start()
    try:
        deadline = time.monotonic() + 20
        while not fresh_workers(pod.engine):
            assert time.monotonic() < deadline, "the worker never reported in"
            time.sleep(0.1)

        ran = run_in(ini, "doctor")

        assert ran.exit_code == 0, ran.output
        assert doctor_checks(ran.stdout)["workers"] == (
            "ok", f"1 worker(s) consuming {', '.join(sorted(pod.jobs.queues))}")
    finally:
        running.stop()

    ran = run_in(ini, "doctor")  # a worker that stops says goodbye: doctor notices at once
    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout)["workers"][0] == "FAIL"


def test_unreachable_redis_fails_the_broker_check(run_in, make_ini, database_url, doctor_checks):
    url = f"redis://127.0.0.1:{free_port()}/0"
    ini = make_ini(database__url=database_url, redis__url=url)

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    status, message = doctor_checks(ran.stdout)["broker"]
    assert status == "FAIL"
    assert message.startswith(f"cannot reach Redis at {url}: ")
    assert ran.stderr.strip() == "2 check(s) failed: broker, workers"


def test_passwords_in_urls_are_not_printed(run_in, make_ini, database_url, doctor_checks):
    ini = make_ini(database__url=database_url, redis__url=f"redis://:hunter2@127.0.0.1:{free_port()}/0")

    ran = run_in(ini, "doctor")

    assert "hunter2" not in ran.output
    assert doctor_checks(ran.stdout)["broker"][1].startswith("cannot reach Redis at redis://:***@127.0.0.1:")


def test_production_without_redis_fails_the_broker_check(run_in, make_ini, database_url, doctor_checks):
    ini = make_ini(database__url=database_url, environment="production", url="https://pod.example.org",
                   secret="s" * 64)

    ran = run_in(ini, "doctor")

    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout)["broker"] == (
        "FAIL", "production without redis.url runs jobs inside each web process, where queued jobs die with it; "
                "set redis.url (env SEEDPOD_REDIS_URL)")
