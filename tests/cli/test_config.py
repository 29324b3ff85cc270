"""`seedpod config show|docs`, production's refusals, and the commands that refuse to start."""
from __future__ import annotations

import pytest

from core.settings import CORE_SETTINGS

STRONG_SECRET = "0123456789abcdef" * 4


def shown(output: str) -> dict[str, str]:
    values = {}
    for line in output.splitlines():
        if line.startswith("  "):
            name, _, value = line[2:].partition(" = ")
            values[name] = value
    return values


def test_show_prints_every_setting_grouped_with_secrets_hidden(run_in, make_ini, database_url):
    ini = make_ini(database__url=database_url, mail__password="hunter2-mail", pod__name="Lindenpod",
                   redis__url="redis://:hunter2-redis@127.0.0.1:6379/3")

    ran = run_in(ini, "config", "show")

    assert ran.exit_code == 0, ran.output
    assert "s" * 64 not in ran.stdout
    assert "hunter2" not in ran.stdout
    groups = [line for line in ran.lines if not line.startswith(" ")]
    assert groups == ["[core]", "[landing_page]", "[terms]"]
    values = shown(ran.stdout)
    assert {s.name for s in CORE_SETTINGS} <= set(values)
    assert values["secret"] == "(set)"
    assert values["mail.password"] == "(set)"
    assert values["redis.url"] == "redis://:***@127.0.0.1:6379/3"
    assert values["pod.name"] == "Lindenpod"
    assert values["database.url"].split("://")[0] == database_url.split("://")[0]
    assert values["terms.minimum_age"] == "13"


def test_show_hides_a_database_password(run_in, make_ini):
    ini = make_ini(database__url="postgresql+psycopg://seedpod:hunter2@127.0.0.1:1/seedpod")

    ran = run_in(ini, "config", "show")

    assert ran.exit_code == 0, ran.output
    assert "hunter2" not in ran.output
    assert shown(ran.stdout)["database.url"] == "postgresql+psycopg://seedpod:***@127.0.0.1:1/seedpod"


def test_show_reflects_environment_overrides(seedpod):
    ran = seedpod("config", "show", env={"SEEDPOD_POD_NAME": "From the environment", "SEEDPOD_SERVER_PORT": "7000"})

    values = shown(ran.stdout)
    assert values["pod.name"] == "From the environment"
    assert values["server.port"] == "7000"


def test_docs_prints_the_configuration_reference(seedpod):
    ran = seedpod("config", "docs")

    assert ran.exit_code == 0, ran.output
    text = ran.stdout
    assert text.startswith("# Configuration\n")
    assert "## Core" in text and "## Plugin `landing_page`" in text and "## Plugin `terms`" in text
    for setting in CORE_SETTINGS:
        assert f"| `{setting.name}` | `{setting.env_name}` |" in text, setting.name
    assert "| `database.url` | `SEEDPOD_DATABASE_URL` | (empty) |" in text
    assert "| `terms.minimum_age` | `SEEDPOD_TERMS_MINIMUM_AGE` | `13` |" in text


def test_worker_without_redis_points_to_serve(seedpod):
    ran = seedpod("worker")

    assert ran.exit_code == 1
    assert ran.stderr == ("Error: redis.url is not set, so jobs run inside `seedpod serve`; "
                          "set redis.url (env SEEDPOD_REDIS_URL) to run separate workers\n")


def test_serve_refuses_a_database_with_pending_migrations(run_in, make_ini, tmp_path, monkeypatch):
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda *a, **k: pytest.fail("served an unmigrated database"))
    ini = make_ini(database__url=f"sqlite:///{tmp_path / 'new.sqlite'}")

    ran = run_in(ini, "serve")

    assert ran.exit_code == 1
    assert ran.stderr.startswith("Error: the database needs migrating (")
    assert ran.stderr.endswith(" pending); run: seedpod db upgrade\n")


def test_shell_has_the_pod_and_a_session(seedpod):
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse"
                   ).exit_code == 0

    ran = seedpod("shell", input="print(pod.url, session.query(accounts.User).one().diaspora_id)\n")

    assert ran.exit_code == 0, ran.output
    assert "Seedpod shell for http://pod.test" in ran.output
    assert "http://pod.test alice@pod.test" in ran.output


def test_missing_config_file_is_named(run_in, tmp_path):
    missing = tmp_path / "nowhere.ini"

    ran = run_in(missing, "user", "list")

    assert ran.exit_code == 1
    assert ran.stderr == f"Error: config file {missing} not found; pass --config FILE or set SEEDPOD_CONFIG\n"


def test_config_file_from_seedpod_config(ini, monkeypatch):
    from click.testing import CliRunner

    from core.cli import cli

    monkeypatch.setenv("SEEDPOD_CONFIG", str(ini))
    ran = CliRunner().invoke(cli, ["doctor"], catch_exceptions=False)

    assert ran.exit_code == 0, ran.output
    assert f"{ini} read" in ran.stdout


# --- production refuses unsafe settings -------------------------------------------------------

SECRET_MESSAGE = ("production needs its own secret: set secret (env SEEDPOD_SECRET) to at least 32 random "
                  "characters, e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'")


@pytest.fixture
def production(make_ini, database_url):
    def make(**overrides):
        settings = {"database__url": database_url, "environment": "production", "url": "https://pod.example.org",
                    "secret": STRONG_SECRET, **overrides}
        return make_ini(**settings)

    return make


def test_production_with_safe_settings_runs(run_in, production):
    ran = run_in(production(), "user", "list")

    assert ran.exit_code == 0, ran.output


@pytest.mark.parametrize("secret", [None, "change-me", "seedpod", "x" * 31], ids=["unset", "example", "name", "short"])
@pytest.mark.parametrize("command", [["user", "list"], ["serve"], ["worker"], ["db", "upgrade"]], ids=" ".join)
def test_production_refuses_a_default_or_short_secret(run_in, production, secret, command, monkeypatch):
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda *a, **k: pytest.fail("production served with a weak secret"))

    ran = run_in(production(secret=secret), *command)

    assert ran.exit_code == 1
    assert ran.stderr == f"Error: {SECRET_MESSAGE}\n"


def test_production_takes_its_secret_from_the_environment(run_in, production):
    ini = production(secret=None)

    assert run_in(ini, "user", "list").exit_code == 1
    ran = run_in(ini, "user", "list", env={"SEEDPOD_SECRET": STRONG_SECRET})
    assert ran.exit_code == 0, ran.output


def test_production_refuses_an_http_url(run_in, production, doctor_checks):
    message = ("production needs an https public URL, but url is 'http://pod.example.org': set url (env SEEDPOD_URL) "
               "to https://..., or set url.allow_http = true (env SEEDPOD_URL_ALLOW_HTTP) for a private network")
    ini = production(url="http://pod.example.org")

    ran = run_in(ini, "user", "list")

    assert ran.exit_code == 1
    assert ran.stderr == f"Error: {message}\n"
    doctor = run_in(ini, "doctor")
    assert doctor.exit_code == 1
    assert doctor_checks(doctor.stdout) == {"configuration": ("FAIL", message)}


def test_production_allows_http_when_told_to(run_in, production):
    ini = production(url="http://pod.internal", url__allow_http="true")

    ran = run_in(ini, "user", "list")

    assert ran.exit_code == 0, ran.output
    assert run_in(production(url="http://pod.internal"), "user", "list",
                  env={"SEEDPOD_URL_ALLOW_HTTP": "true"}).exit_code == 0


@pytest.mark.parametrize("url, problem", [
    ("pod.example.org", "must be an absolute http(s) URL"),
    ("https://pod.example.org/diaspora", "must be the pod's root, without a path"),
])
def test_a_url_that_cannot_be_a_pod_names_the_setting(run_in, production, url, problem):
    ran = run_in(production(url=url), "user", "list")

    assert ran.exit_code == 1
    assert ran.stderr.startswith(f"Error: setting url (env SEEDPOD_URL) {problem}")


def test_a_setting_with_a_bad_value_names_it(run_in, make_ini, database_url):
    ran = run_in(make_ini(database__url=database_url, server__port="many"), "user", "list")

    assert ran.exit_code == 1
    assert ran.stderr.startswith("Error: setting server.port (env SEEDPOD_SERVER_PORT): cannot read 'many'")
