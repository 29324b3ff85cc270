"""Seedpod pods in their own processes, for the federation tests (the fixtures are in conftest.py).

A ``PodProcess`` runs ``seedpod serve`` on a free loopback port with its own ini file, data
folder and database, its jobs in a thread of the web process as the embedded default runs them
(or in ``seedpod worker`` processes, given Redis). The test drives it over HTTP with WebTest
(``pod.browser()``), reads its database with ``pod.sql()`` and runs ``seedpod`` commands
against it with ``pod.seedpod()``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from core.testing import free_port, sign_in, sign_up

SEEDPOD = Path(sys.executable).with_name("seedpod")  # the console script next to this Python
PASSWORD = "correct horse battery"


def wait_until(condition, timeout: float = 30, interval: float = 0.2, what: str = "the condition"):
    """Poll ``condition`` until it returns something truthy, and return that; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def clean_environ() -> dict:
    """This environment without SEEDPOD_*: each pod reads only its own ini file."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SEEDPOD_")}


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> int | None:
    """Stop one process we started (SIGTERM is a clean stop, SIGKILL a crash); its exit code."""
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


INI = """\
[app:main]
use = egg:seedpod
{settings}

[loggers]
keys = root, core

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_core]
level = INFO
handlers =
qualname = core

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


class PodProcess:
    """One Seedpod pod served by `seedpod serve` in its own process."""

    def __init__(self, name: str, folder: Path, database_url: str, **settings):
        self.name = name
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.database_url = database_url
        self.log = folder / "pod.log"
        self.ini = folder / "pod.ini"
        self.process: subprocess.Popen | None = None
        self.others: list[subprocess.Popen] = []  # workers and the like, stopped with the pod
        self._engine = None
        values = {
            "environment": "development",
            "url": self.url,
            "pod.name": f"Pod {name.upper()}",
            "data_dir": str(folder / "var"),
            "database.url": database_url,
            "secret": name * 64,
            "plugins": "landing_page terms",
            "passwords.argon2_profile": "CHEAPEST",
            "accounts.rsa_key_size": "2048",
            "federation.allow_http": "true",
            "federation.allow_private_addresses": "true",
            "federation.timeout": "5",
            "jobs.in_process": "true",
            "mail.backend": "directory",
            "rate_limits.sign_up_per_address": "100 per hour",
            **{k.replace("__", "."): str(v) for k, v in settings.items()},
        }
        self.settings = values
        self.ini.write_text(INI.format(settings="\n".join(f"{k} = {v}" for k, v in values.items())))

    # --- the process --------------------------------------------------------------------

    def seedpod(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a `seedpod` command against this pod's ini file."""
        ran = subprocess.run([str(SEEDPOD), "--config", str(self.ini), *args], cwd=self.folder,
                             env=clean_environ(), capture_output=True, text=True, timeout=timeout)
        if check and ran.returncode != 0:
            pytest.fail(f"seedpod {' '.join(args)} failed on pod {self.name}:\n{ran.stdout}\n{ran.stderr}")
        return ran

    def spawn(self, *args: str) -> subprocess.Popen:
        """Another `seedpod` process of this pod (a worker, say), logging into the pod's log."""
        with open(self.log, "ab") as out:
            process = subprocess.Popen([str(SEEDPOD), "--config", str(self.ini), *args], cwd=self.folder,
                                       env=clean_environ(), stdout=out, stderr=subprocess.STDOUT)
        self.others.append(process)
        return process

    def start(self, timeout: float = 60) -> "PodProcess":
        assert SEEDPOD.is_file(), f"the seedpod console script is not installed at {SEEDPOD}"
        self.process = self.spawn("serve", "--port", str(self.port))
        self.others.remove(self.process)

        def answers():
            if self.process.poll() is not None:
                pytest.fail(f"pod {self.name} exited ({self.process.returncode}) while starting:\n{self.log_text()}")
            try:
                return requests.get(self.url + "/", timeout=5).status_code == 200
            except requests.RequestException:  # not listening yet, or still busy starting
                return False

        wait_until(answers, timeout, what=f"pod {self.name} to answer at {self.url}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop the web process (SIGTERM is a clean stop, SIGKILL a crash)."""
        process, self.process = self.process, None
        return stop_process(process, sig)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    # --- the database -------------------------------------------------------------------

    @property
    def engine(self):
        if self._engine is None:
            self._engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
        return self._engine

    def sql(self, statement: str, **params) -> list:
        """Run SQL on the pod's database (reads, or a nudge the test explains); rows as tuples."""
        with self.engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []

    def run_periodic_now(self, name_part: str) -> None:
        """Make the periodic jobs whose name contains ``name_part`` due: the pod's housekeeper
        (which ticks every few seconds) sends them next, instead of after their interval."""
        self.sql("UPDATE periodic_runs SET next_run_at = :t WHERE name LIKE :n",
                 t="2000-01-01 00:00:00", n=f"%{name_part}%")

    # --- people -------------------------------------------------------------------------

    def browser(self):
        """A WebTest client with its own cookies, talking to the pod over HTTP."""
        import webtest

        client = webtest.TestApp(f"{self.url}#requests",
                                 extra_environ={"HTTP_HOST": self.host, "REMOTE_ADDR": "127.0.0.1"})
        client.pod = self
        return client

    def sign_up(self, username: str):
        """A new user and their signed-in browser (``.username``, ``.diaspora_id``)."""
        browser = self.browser()
        response = sign_up(browser, username, PASSWORD)
        assert response.status_int == 303, f"sign-up of {username} on pod {self.name}: {response.status}"
        browser.username = username
        browser.diaspora_id = f"{username}@{self.host}"
        return browser

    def sign_in(self, username: str):
        browser = self.browser()
        response = sign_in(browser, username, PASSWORD)
        assert response.status_int == 303, f"sign-in of {username} on pod {self.name}: {response.status}"
        browser.username = username
        browser.diaspora_id = f"{username}@{self.host}"
        return browser

    def close(self) -> None:
        self.stop()
        for process in self.others:
            stop_process(process)
        if self._engine is not None:
            self._engine.dispose()
