"""`seedpod plugins list|enable|disable`, and what a restarted pod serves afterwards."""
from __future__ import annotations

import sqlite3
from importlib import metadata

import pytest

from core.pod import StartupError, build_pod

VERSION = metadata.version("seedpod")  # the built-ins ship with seedpod itself


def plugin_blocks(output: str) -> dict[str, list[str]]:
    """`plugins list` output as {first line's plugin name: its lines}."""
    blocks: dict[str, list[str]] = {}
    for line in output.splitlines():
        if not line.startswith(" "):
            blocks[line.split(" ", 1)[0]] = [line]
        else:
            blocks[list(blocks)[-1]].append(line.strip())
    return blocks


def test_list_shows_each_built_in_with_version_state_and_hooks(seedpod):
    ran = seedpod("plugins", "list")

    assert ran.exit_code == 0, ran.output
    blocks = plugin_blocks(ran.stdout)
    assert {"landing_page", "terms"} <= set(blocks)
    assert blocks["terms"] == [
        f"terms {VERSION}: enabled (in the config)",
        "module:   plugins.terms.hooks",
        "hooks:    on_startup, register_settings, render_slot, terms_of_service",
        "settings: terms.jurisdiction, terms.minimum_age, terms.file",
    ]
    assert blocks["landing_page"] == [
        f"landing_page {VERSION}: enabled (in the config)",
        "module:   plugins.landing_page.hooks",
        "hooks:    landing_page, on_startup, register_settings",
        "settings: landing_page.file, landing_page.show_statistics",
    ]


def test_list_shows_a_plugin_the_config_leaves_off(run_in, make_ini, database_url):
    ran = run_in(make_ini(database__url=database_url, plugins="landing_page"), "plugins", "list")

    assert ran.exit_code == 0, ran.output
    blocks = plugin_blocks(ran.stdout)
    assert blocks["terms"][0] == f"terms {VERSION}: disabled (in the config)"
    assert blocks["terms"][2] == "hooks:    on_startup, register_settings, render_slot, terms_of_service"


def assert_terms_shown(app):
    assert app.get("/terms").status_int == 200
    assert 'data-testid="terms-link"' in app.get("/").text
    assert "By creating an account you accept the" in app.get("/users/sign_up").text


def assert_terms_gone(app):
    response = app.get("/terms", status=404)
    assert "There is nothing at this address." in response.text
    assert 'data-testid="terms-link"' not in app.get("/").text
    assert "/terms" not in app.get("/").text
    assert "By creating an account you accept the" not in app.get("/users/sign_up").text


def test_disable_then_restart_removes_terms_and_enable_brings_them_back(seedpod, ini, restart, sql):
    assert_terms_shown(restart(ini))

    ran = seedpod("plugins", "disable", "terms")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "terms disabled; restart the pod and its workers to apply\n"
    assert sql(ini, "SELECT name, enabled FROM plugin_states") == [("terms", False)]
    assert plugin_blocks(seedpod("plugins", "list").stdout)["terms"][0] == (
        f"terms {VERSION}: disabled (by `seedpod plugins`)")
    assert_terms_gone(restart(ini))

    ran = seedpod("plugins", "enable", "terms")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "terms enabled; restart the pod and its workers to apply\n"
    assert sql(ini, "SELECT name, enabled FROM plugin_states") == [("terms", True)]
    assert plugin_blocks(seedpod("plugins", "list").stdout)["terms"][0] == (
        f"terms {VERSION}: enabled (by `seedpod plugins`)")
    assert_terms_shown(restart(ini))


def test_enable_turns_on_a_plugin_the_config_leaves_off(run_in, make_ini, database_url, restart):
    ini = make_ini(database__url=database_url, plugins="landing_page")
    assert_terms_gone(restart(ini))

    ran = run_in(ini, "plugins", "enable", "terms")

    assert ran.exit_code == 0, ran.output
    assert_terms_shown(restart(ini))


def test_enabling_an_unknown_plugin_fails_and_changes_nothing(seedpod, ini, count):
    before = seedpod("plugins", "list").stdout

    ran = seedpod("plugins", "enable", "nosuchplugin")

    assert ran.exit_code == 1
    assert ran.stderr == ("Error: no plugin named 'nosuchplugin' is installed; "
                          f"installed: {INSTALLED}\n")
    assert count(ini, "plugin_states") == 0
    assert seedpod("plugins", "list").stdout == before

    ran = seedpod("plugins", "disable", "nosuchplugin")
    assert ran.exit_code == 1
    assert "no plugin named 'nosuchplugin' is installed" in ran.stderr
    assert count(ini, "plugin_states") == 0


INSTALLED = ", ".join(sorted(ep.name for ep in metadata.entry_points(group="seedpod.plugins")))
UNKNOWN_PLUGIN = (f"plugin 'nosuchplugin' is enabled but not installed (installed plugins: {INSTALLED}); "
                  "install it or remove it from the `plugins` setting")

EVERY_COMMAND = [
    ["serve"], ["worker"], ["shell"], ["config", "show"], ["config", "docs"],
    ["db", "upgrade"], ["db", "downgrade", "base"], ["db", "current"], ["db", "history"],
    ["db", "revision", "-m", "nothing"],
    ["plugins", "list"], ["plugins", "enable", "terms"], ["plugins", "disable", "terms"],
    ["user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse"],
    ["user", "list"], ["user", "lock", "alice"], ["user", "unlock", "alice"],
    ["roles", "add", "admin", "alice"], ["roles", "remove", "admin", "alice"], ["roles", "list"],
]


@pytest.fixture
def misspelt_plugin(make_ini, tmp_path, monkeypatch):
    import waitress

    def never(*args, **kwargs):
        raise AssertionError("a pod with an unknown plugin must not serve")

    monkeypatch.setattr(waitress, "serve", never)
    return make_ini(plugins="landing_page nosuchplugin terms", database__url=f"sqlite:///{tmp_path / 'pod.sqlite'}")


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_an_unknown_plugin_in_the_config_stops_every_command(run_in, misspelt_plugin, command, tmp_path):
    ran = run_in(misspelt_plugin, *command)

    assert ran.exit_code == 1, ran.output
    assert ran.stderr == f"Error: {UNKNOWN_PLUGIN}\n"
    with sqlite3.connect(tmp_path / "pod.sqlite") as conn:  # not even migrated: the pod never started
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_doctor_names_the_unknown_plugin(run_in, misspelt_plugin, doctor_checks):
    ran = run_in(misspelt_plugin, "doctor")

    assert ran.exit_code == 1
    assert doctor_checks(ran.stdout) == {"configuration": ("FAIL", UNKNOWN_PLUGIN)}
    assert ran.stderr.strip() == "1 check(s) failed: configuration"


def test_an_unknown_plugin_from_the_environment_stops_the_pod(seedpod):
    ran = seedpod("user", "list", env={"SEEDPOD_PLUGINS": "terms nosuchplugin"})

    assert ran.exit_code == 1
    assert ran.stderr == f"Error: {UNKNOWN_PLUGIN}\n"


def test_build_pod_refuses_an_unknown_plugin(tmp_path):
    settings = {"here": str(tmp_path), "data_dir": str(tmp_path / "var"), "plugins": "landing_page nosuchplugin"}

    with pytest.raises(StartupError) as raised:
        build_pod(settings, environ={})

    assert str(raised.value) == UNKNOWN_PLUGIN


def test_a_switched_on_plugin_that_was_uninstalled_can_be_switched_off(seedpod, ini, sql, restart):
    # `seedpod plugins enable vanished` once worked; then its package was removed.
    sql(ini, "INSERT INTO plugin_states (name, enabled, changed_at) VALUES ('vanished', true, CURRENT_TIMESTAMP)")

    stopped = seedpod("user", "list")
    assert stopped.exit_code == 1
    assert "plugin 'vanished' is enabled but not installed" in stopped.stderr
    assert "switch it off with `seedpod plugins disable vanished`" in stopped.stderr

    ran = seedpod("plugins", "disable", "vanished")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "vanished disabled; restart the pod and its workers to apply\n"
    assert restart(ini).get("/terms").status_int == 200


def test_disabling_a_name_that_was_never_there_is_refused(seedpod, ini, sql):
    ran = seedpod("plugins", "disable", "nosuchplugin")
    assert ran.exit_code == 1
    assert "no plugin named 'nosuchplugin' is installed or switched on" in ran.stderr
    assert sql(ini, "SELECT count(*) FROM plugin_states")[0][0] == 0
