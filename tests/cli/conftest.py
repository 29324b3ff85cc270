"""Fixtures for the `seedpod` command: a pod's ini file and a way to run commands on it.

Commands run in this process through click's CliRunner, each as a fresh command line: the
pods the CLI caches per config path are dropped before and after every invocation, and no
SEEDPOD_* variable of the surrounding environment leaks in (a podmin's shell or `make test`
may set SEEDPOD_DATABASE_URL; these tests say exactly which database they use).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.cli import cli
from core.cli.context import State, read_settings

# Cheap password hashes and 2048-bit keys keep the tests quick; the rest is what a podmin writes.
BASE_SETTINGS = {
    "url": "http://pod.test",
    "secret": "s" * 64,
    "plugins": "landing_page terms",
    "passwords.argon2_profile": "CHEAPEST",
    "accounts.rsa_key_size": "2048",
}


def forget_pods() -> None:
    """What a new `seedpod` process would start from: no pod built yet."""
    for pod in State._pods.values():
        pod.engine.dispose()
    State._pods.clear()


def write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:seedpod", "data_dir = %(here)s/var"]
    lines += [f"{name} = {value}" for name, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def no_seedpod_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("SEEDPOD_")]:
        monkeypatch.delenv(name)
    forget_pods()
    yield
    forget_pods()


@pytest.fixture
def make_ini(tmp_path):
    """Write an ini file into tmp_path: BASE_SETTINGS plus overrides (None drops a setting)."""
    numbers = iter(range(1, 1000))

    def make(name: str | None = None, **overrides) -> Path:
        settings = dict(BASE_SETTINGS)
        for key, value in overrides.items():
            key = key.replace("__", ".")
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        return write_ini(tmp_path / (name or f"pod-{next(numbers)}.ini"), settings)

    return make


@pytest.fixture
def ini(make_ini, database_url) -> Path:
    """The pod's ini file on a migrated, empty database (SQLite and PostgreSQL)."""
    return make_ini("pod.ini", database__url=database_url)


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr as a terminal shows them

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


@pytest.fixture
def run_in():
    """run_in(ini, *args, input=None, env=None): one `seedpod --config INI ARGS...` and its result."""

    def run(config: Path, *args: str, input: str | None = None, env: dict | None = None) -> Ran:
        forget_pods()
        try:
            result = CliRunner().invoke(cli, ["--config", str(config), *args], input=input, env=env,
                                        prog_name="seedpod", catch_exceptions=False)
        finally:
            forget_pods()
        return Ran(result.exit_code, result.stdout, result.stderr, result.output)

    return run


@pytest.fixture
def seedpod(run_in, ini):
    """seedpod(*args): run a command on the `ini` pod."""
    return lambda *args, **kwargs: run_in(ini, *args, **kwargs)


def pod_of(config: Path):
    """A pod built from the ini file as the web app and the worker build it, ignoring os.environ."""
    from core.pod import build_pod

    return build_pod(read_settings(config), environ={})


@pytest.fixture
def pods():
    """pods(ini) -> a pod of that file; engines are closed after the test."""
    built = []

    def make(config: Path):
        pod = pod_of(config)
        built.append(pod)
        return pod

    yield make
    for pod in built:
        pod.engine.dispose()


@pytest.fixture
def remigrate_afterwards(ini, pods):
    """The PostgreSQL test database is shared by a worker's tests: leave it migrated, whatever
    happens, with every bundled plugin's branch too, as the template was."""
    from core import migrations
    from core.pod import build_pod
    from core.testing import bundled_plugins

    yield
    pod = pods(ini)
    every = build_pod({**pod.raw_settings, "plugins": " ".join(bundled_plugins())}, environ={})
    try:
        if migrations.pending(every):
            migrations.upgrade(every)
    finally:
        every.engine.dispose()


@pytest.fixture
def restart(pods):
    """restart(ini) -> a WebTest app of a freshly started pod: what a podmin gets after a restart."""
    from core.config import configure
    from core.testing import browse

    def start(config: Path):
        pod = pods(config)
        return browse(configure({}, pod=pod).make_wsgi_app(), pod)

    return start


@pytest.fixture
def sql():
    """sql(ini, STATEMENT, **params): run it on the ini file's database directly, not through a pod.

    Returns the rows of a SELECT; anything else is committed."""

    def run(config: Path, statement: str, **params):
        engine = sa.create_engine(read_settings(config)["database.url"])
        try:
            with engine.begin() as conn:
                result = conn.execute(sa.text(statement), params)
                return result.all() if result.returns_rows else result.rowcount
        finally:
            engine.dispose()

    return run


@pytest.fixture
def count(sql):
    """count(ini, table) -> rows in that table."""
    return lambda config, table: sql(config, f"SELECT count(*) FROM {table}")[0][0]


@pytest.fixture
def doctor_checks():
    """doctor_checks(output) -> {check: (status, message)} in the order doctor printed them."""

    def parse(output: str) -> dict[str, tuple[str, str]]:
        found = {}
        for line in output.splitlines():
            match = re.match(r"^(ok|FAIL)\s+(\S+)\s+(.*)$", line)
            if match:
                found[match.group(2)] = (match.group(1), match.group(3))
        return found

    return parse
