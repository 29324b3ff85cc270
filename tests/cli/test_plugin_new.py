"""`seedpod plugin new`: a package that installs, is enabled on a pod and passes its own tests.

The package is installed into a folder of its own (setuptools' `egg_info` and `build_py`,
which read its setup.cfg like any installer, with no network), never into the shared
virtualenv; the processes that use it get that folder on PYTHONPATH, so its entry point is
found as it would be after `pip install`.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyflakes.api
import pytest
from click.testing import CliRunner

from core.cli import cli

NAME = "seedling_notes"  # scaffolded with --migrations, used by every test of the pipeline
PLAIN = "seedling_plain"  # scaffolded without
FILES = [".gitignore", "README.md", "pyproject.toml", "setup.cfg", f"{NAME}/__init__.py", f"{NAME}/hooks.py",
         f"{NAME}/migrations/{NAME}_0001_notes.py", f"{NAME}/templates/page.pt", "tests/conftest.py",
         f"tests/test_{NAME}.py"]


def environment(site: Path | None = None, **extra: str) -> dict:
    """This process's environment (CI included) without SEEDPOD_* settings, plus the installed plugin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDPOD_") and k != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return {**env, **extra}


def run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def seedpod(*args: str, cwd: Path, site: Path | None = None) -> subprocess.CompletedProcess:
    """`seedpod ARGS` as a new process, through core.cli.main as the console script runs it."""
    return run([sys.executable, "-c", "from core.cli import main; main()", *args], cwd, environment(site))


def install(package: Path, site: Path) -> Path:
    site.mkdir()
    ran = run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
               "egg_info", "--egg-base", str(site), "build_py", "--build-lib", str(site)], package, environment())
    assert ran.returncode == 0, ran.stderr
    return site


def run_its_tests(package: Path, site: Path, basetemp: Path) -> subprocess.CompletedProcess:
    """The package's own tests, with pytest in a new process, on SQLite (with a template of its own)."""
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={basetemp}"],
               package, environment(site, SEEDPOD_TEST_DATABASES="sqlite"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plugin_new")


@pytest.fixture(scope="module")
def scaffolded(workspace) -> tuple[Path, subprocess.CompletedProcess]:
    """Written by a developer with no pod: no config file in the folder, no SEEDPOD_CONFIG."""
    ran = seedpod("plugin", "new", NAME, "--migrations", "--description", "Notes for gardeners", cwd=workspace)
    return workspace / f"seedpod-{NAME}", ran


@pytest.fixture(scope="module")
def site(scaffolded, workspace) -> Path:
    return install(scaffolded[0], workspace / "site")


def test_new_writes_the_package_without_any_pod(scaffolded, workspace):
    package, ran = scaffolded
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == f"wrote {package}"
    assert f"seedpod plugins enable {NAME}" in ran.stdout
    assert not (workspace / "development.ini").exists()
    assert sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()) == sorted(FILES)
    for path in package.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "{{" not in text and "PACKAGE" not in text, path
            if path.suffix == ".py":
                assert pyflakes_warnings(text, path) == [], path
    setup_cfg = (package / "setup.cfg").read_text()
    assert f"name = seedpod-{NAME}\n" in setup_cfg
    assert "description = Notes for gardeners\n" in setup_cfg
    assert f"    {NAME} = {NAME}.hooks\n" in setup_cfg
    assert 'build-backend = "setuptools.build_meta"' in (package / "pyproject.toml").read_text()
    revision = (package / NAME / "migrations" / f"{NAME}_0001_notes.py").read_text()
    assert f'branch_labels = ("{NAME}",)' in revision and 'depends_on = "core"' in revision
    readme = (package / "README.md").read_text()
    for step in (f"seedpod plugins enable {NAME}", "python -m build", "twine upload dist/*", "Choose a licence",
                 f"`SEEDPOD_{NAME.upper()}_MESSAGE`"):
        assert step in readme
    assert (package / "tests" / "conftest.py").read_text().endswith('pytest_plugins = ["core.testing"]\n')


def pyflakes_warnings(source: str, path: Path) -> list[str]:
    warnings = []

    class Collect:
        def unexpectedError(self, filename, message):
            warnings.append(message)

        def syntaxError(self, filename, message, lineno, offset, text):
            warnings.append(f"{lineno}: {message}")

        def flake(self, message):
            warnings.append(str(message))

    pyflakes.api.check(source, str(path), Collect())
    return warnings


def test_new_works_beside_a_pod_that_cannot_start(tmp_path):
    # A developer's folder may hold the ini of a broken pod: plugin commands are then left out,
    # and core's, `plugin new` among them, still run.
    (tmp_path / "development.ini").write_text("[app:main]\nuse = egg:seedpod\nplugins = no_such_plugin\n")
    ran = seedpod("plugin", "new", "sprout", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "seedpod-sprout" / "sprout" / "hooks.py").is_file()


def test_the_installed_package_has_its_entry_point_templates_and_migrations(site):
    assert (site / NAME / "templates" / "page.pt").is_file()
    assert (site / NAME / "migrations" / f"{NAME}_0001_notes.py").is_file()
    entry_points = (site / f"seedpod_{NAME}.egg-info" / "entry_points.txt").read_text()
    assert f"[seedpod.plugins]\n{NAME} = {NAME}.hooks" in entry_points


def test_the_packages_own_tests_pass(scaffolded, site, tmp_path):
    ran = run_its_tests(scaffolded[0], site, tmp_path / "pytest")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "6 passed" in ran.stdout.splitlines()[-1]


def plugin_block(listing: str, name: str) -> list[str]:
    lines = listing.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name} "))
    return [lines[start]] + [line.strip() for line in lines[start + 1:start + 4]]


def test_a_pod_enables_lists_and_migrates_it(site, make_ini, database_url, sql, tmp_path):
    ini = make_ini(database__url=database_url)
    enabled = seedpod("--config", str(ini), "plugins", "enable", NAME, cwd=tmp_path, site=site)
    try:
        assert enabled.returncode == 0, enabled.stderr
        assert enabled.stdout == f"{NAME} enabled; restart the pod and its workers to apply\n"
        listing = seedpod("--config", str(ini), "plugins", "list", cwd=tmp_path, site=site)
        assert listing.returncode == 0, listing.stderr
        assert plugin_block(listing.stdout, NAME) == [
            f"{NAME} 0.1.0: enabled (by `seedpod plugins`)",
            f"module:   {NAME}.hooks",
            "hooks:    register_migrations, register_routes, register_settings, render_slot",
            f"settings: {NAME}.message",
        ]
        assert (f"{NAME}_0001",) in sql(ini, "SELECT version_num FROM alembic_version")
        assert sql(ini, f"SELECT count(*) FROM {NAME}_notes") == [(0,)]
    finally:  # the PostgreSQL test database is shared: take the plugin's branch out again
        downgraded = seedpod("--config", str(ini), "db", "downgrade", f"{NAME}@base", cwd=tmp_path, site=site)
        assert downgraded.returncode == 0, downgraded.stderr
    assert (f"{NAME}_0001",) not in sql(ini, "SELECT version_num FROM alembic_version")


def test_without_migrations_the_package_has_none_and_passes_its_tests(tmp_path):
    ran = CliRunner().invoke(cli, ["plugin", "new", PLAIN, "--directory", str(tmp_path)], catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    package = tmp_path / f"seedpod-{PLAIN}"
    assert not (package / PLAIN / "migrations").exists()
    hooks = (package / PLAIN / "hooks.py").read_text()
    assert "register_migrations" not in hooks and "from pathlib" not in hooks
    assert "migrations" not in (package / "tests" / f"test_{PLAIN}.py").read_text()
    assert f"description = {PLAIN.replace('_', ' ').capitalize()}: a Seedpod plugin\n" in (
        package / "setup.cfg").read_text()

    tested = run_its_tests(package, install(package, tmp_path / "site"), tmp_path / "pytest")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "5 passed" in tested.stdout.splitlines()[-1]


def new_in(directory: Path, *args: str):
    return CliRunner().invoke(cli, ["plugin", "new", *args, "--directory", str(directory)])


@pytest.mark.parametrize("name, reason", [
    ("Hello", "must be a Python identifier in lower case"),
    ("hello-world", "must be a Python identifier in lower case"),
    ("1hello", "must be a Python identifier in lower case"),
    ("_hello", "must be a Python identifier in lower case"),
    ("hello world", "must be a Python identifier in lower case"),
    ("", "must be a Python identifier in lower case"),
    ("h" * 41, "is longer than 40 characters"),
    ("class", "is a Python keyword"),
    ("json", "already the name of an importable module"),
    ("pytest", "already the name of an importable module"),
    ("core", "already the name of an importable module"),
    ("terms", "a plugin named 'terms' is already installed"),
])
def test_a_bad_name_is_refused_and_nothing_is_written(tmp_path, name, reason):
    ran = new_in(tmp_path, name)
    assert ran.exit_code == 1
    assert reason in ran.output
    assert ran.output.startswith(f"Error: plugin name {name!r}") or "already installed" in ran.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_left_alone(tmp_path):
    existing = tmp_path / "seedpod-hello"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    ran = new_in(tmp_path, "hello")
    assert ran.exit_code == 1
    assert f"Error: {existing} already exists; remove it or choose another --directory" in ran.output
    assert [p.name for p in tmp_path.iterdir()] == ["seedpod-hello"]
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("description, reason", [
    ("two\nlines", "must be one line of printable text"),
    ("   ", "the description is empty"),
    ("x" * 201, "longer than 200 characters"),
])
def test_a_bad_description_is_refused_and_nothing_is_written(tmp_path, description, reason):
    ran = new_in(tmp_path, "hello", "--description", description)
    assert ran.exit_code == 1
    assert reason in ran.output
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_refused(tmp_path):
    ran = new_in(tmp_path / "nowhere", "hello")
    assert ran.exit_code == 1
    assert f"directory {tmp_path / 'nowhere'} does not exist" in ran.output
    assert list(tmp_path.iterdir()) == []



def test_a_directory_it_cannot_write_into_is_refused(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("core.scaffold.tempfile.mkdtemp", refuse)  # as a folder of another user would
    ran = new_in(tmp_path, "hello")
    assert ran.exit_code == 1
    assert f"Error: cannot write into {tmp_path}: Permission denied" in ran.output
    assert list(tmp_path.iterdir()) == []
