"""The real `seedpod` executable in its own processes: `worker` with Redis, and the embedded default end to end."""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from core.testing import free_port

SEEDPOD = Path(sys.executable).with_name("seedpod")  # the console script installed next to this Python
REPO = Path(__file__).resolve().parents[2]


def environ() -> dict:
    """This environment without SEEDPOD_*: each process reads only its ini file."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SEEDPOD_")}


def seedpod(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    assert SEEDPOD.is_file(), f"the seedpod console script is not installed at {SEEDPOD}"
    return subprocess.run([str(SEEDPOD), *args], cwd=cwd, env=environ(), capture_output=True, text=True,
                          timeout=timeout)


def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    assert SEEDPOD.is_file(), f"the seedpod console script is not installed at {SEEDPOD}"
    with open(log, "wb") as out:
        return subprocess.Popen([str(SEEDPOD), *args], cwd=cwd, env=environ(), stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


def wait_for(condition, what: str, process: subprocess.Popen, log: Path, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}) before {what}:\n{log.read_text()}")
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.2)


# --- seedpod worker ------------------------------------------------------------------------------

def test_worker_process_consumes_jobs_and_reports_to_doctor(make_ini, database_url, redis_url, redis_namespace,
                                                            run_in, doctor_checks, pods, sql, tmp_path):
    from core import worker

    ini = make_ini(database__url=database_url, redis__url=redis_url, redis__namespace=redis_namespace)
    assert doctor_checks(run_in(ini, "doctor").stdout)["workers"][0] == "FAIL"
    log = tmp_path / "worker.log"
    process = start(["--config", str(ini), "worker", "--threads", "1"], tmp_path, log)
    try:
        def workers_ok():
            ran = run_in(ini, "doctor")
            return ran if ran.exit_code == 0 else None

        ran = wait_for(workers_ok, "doctor to see the worker", process, log)
        status, message = doctor_checks(ran.stdout)["workers"]
        assert status == "ok"
        assert re.fullmatch(r"1 worker\(s\) consuming .*default.*", message), message

        # A job sent through Redis from another process runs in the worker.
        long_ago = dt.datetime(2000, 1, 1)
        sql(ini, "INSERT INTO worker_heartbeats (id, mode, queues, started_at, seen_at) "
                 "VALUES ('gone:1:dead', 'worker', 'default', :t, :t)", t=long_ago)
        pods(ini).jobs.send(worker.forget_stale_workers)
        wait_for(lambda: not sql(ini, "SELECT id FROM worker_heartbeats WHERE id = 'gone:1:dead'"),
                 "the worker to run the job", process, log)
    finally:
        code = stop(process)

    assert code == 0, log.read_text()  # SIGTERM is a clean stop
    assert sql(ini, "SELECT id FROM worker_heartbeats") == []  # it said goodbye
    assert doctor_checks(run_in(ini, "doctor").stdout)["workers"][0] == "FAIL"


# --- the embedded default, as `make run` starts it --------------------------------------------------

def development_ini(port: int) -> str:
    """The shipped development.ini, served on `port`, with cheap password hashes and small keys."""
    text = (REPO / "development.ini").read_text()
    text, replaced = re.subn(r"(?m)^url = .*$", f"url = http://127.0.0.1:{port}", text)
    assert replaced == 1, "development.ini no longer has a `url = ` line"
    quick = "passwords.argon2_profile = CHEAPEST\naccounts.rsa_key_size = 2048"
    text, replaced = re.subn(r"(?m)^use = egg:seedpod$", f"use = egg:seedpod\n{quick}", text)
    assert replaced == 1, "development.ini no longer has `use = egg:seedpod`"
    assert "database.url" not in text and "redis.url" not in text, "the embedded default needs neither"
    return text


def test_embedded_default_migrates_serves_and_signs_up(tmp_path):
    port = free_port()
    (tmp_path / "development.ini").write_text(development_ini(port))
    base = f"http://127.0.0.1:{port}"

    # No --config: the file in the current directory is the default.
    upgraded = seedpod("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database upgraded to ")
    assert (tmp_path / "var" / "seedpod.sqlite").is_file()
    secret = tmp_path / "var" / "secret"
    assert secret.is_file() and len(secret.read_text().strip()) >= 32
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600

    log = tmp_path / "serve.log"
    server = start(["serve", "--port", str(port)], tmp_path, log)
    try:
        def answers():
            try:
                return requests.get(base + "/", timeout=2)
            except requests.ConnectionError:
                return None

        landing = wait_for(answers, f"{base} to answer", server, log)
        assert landing.status_code == 200
        assert "<h1>Seedpod</h1>" in landing.text
        assert "Create an account" in landing.text
        assert 'data-testid="terms-link"' in landing.text

        browser = requests.Session()
        form = browser.get(base + "/users/sign_up", timeout=10)
        assert form.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        signed_up = browser.post(base + "/users/sign_up", timeout=30, data={
            "csrf_token": token, "username": "alice", "email": "alice@example.org",
            "password": "correct horse battery", "password_confirmation": "correct horse battery"})
        assert [r.status_code for r in signed_up.history] == [303]
        assert signed_up.status_code == 200
        assert signed_up.url == base + "/getting_started"  # a new account starts with its first steps
        assert "Sign out (alice)" in signed_up.text
        stream = browser.get(base + "/", timeout=10)
        assert stream.url == base + "/stream"  # signed in, `/` is the stream
        assert f"alice@127.0.0.1:{port}" in stream.text

        doctor = seedpod("doctor", cwd=tmp_path)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "jobs run inside `seedpod serve` (running now)" in doctor.stdout
        assert "key pairs of 1 newest account(s) load and match" in doctor.stdout

        listed = seedpod("user", "list", cwd=tmp_path)
        assert listed.stdout == f"alice\talice@example.org\talice@127.0.0.1:{port}\t-\tactive\n"
    finally:
        stop(server)
    assert f"serving on http://127.0.0.1:{port}" in log.read_text()


def test_a_second_pod_runs_from_the_same_folder_with_a_few_variables(tmp_path):
    first_port, second_port = free_port(), free_port()
    (tmp_path / "development.ini").write_text(development_ini(first_port))
    second_env = {"SEEDPOD_URL": f"http://127.0.0.1:{second_port}", "SEEDPOD_DATA_DIR": str(tmp_path / "var2")}

    def run(*args, env=None):
        return subprocess.run([str(SEEDPOD), *args], cwd=tmp_path, env={**environ(), **(env or {})},
                              capture_output=True, text=True, timeout=120)

    assert run("db", "upgrade").returncode == 0
    assert run("db", "upgrade", env=second_env).returncode == 0
    assert run("user", "create", "alice", "--email", "a@example.org", "--password", "correct horse battery") \
        .stdout == f"created alice@127.0.0.1:{first_port}\n"
    assert run("user", "create", "alice", "--email", "a@example.org", "--password", "correct horse battery",
               env=second_env).stdout == f"created alice@127.0.0.1:{second_port}\n"

    logs = tmp_path / "first.log", tmp_path / "second.log"
    with open(logs[1], "wb") as out:
        second = subprocess.Popen([str(SEEDPOD), "serve", "--port", str(second_port)], cwd=tmp_path,
                                  env={**environ(), **second_env}, stdout=out, stderr=subprocess.STDOUT)
    first = start(["serve", "--port", str(first_port)], tmp_path, logs[0])
    try:
        for process, port, log in ((first, first_port, logs[0]), (second, second_port, logs[1])):
            def answers(port=port):
                try:
                    return requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                except requests.ConnectionError:
                    return None

            landing = wait_for(answers, f"port {port} to answer", process, log)
            assert 'data-testid="stat-users">1<' in landing.text  # each pod has its own one account
    finally:
        stop(first)
        stop(second)
    assert (tmp_path / "var" / "seedpod.sqlite").is_file() and (tmp_path / "var2" / "seedpod.sqlite").is_file()
    assert (tmp_path / "var" / "secret").read_text() != (tmp_path / "var2" / "secret").read_text()
