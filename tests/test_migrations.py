"""A plugin's migrations after the plugin is switched off: the database must stay usable."""
from pathlib import Path

import pytest

from core import migrations, plugins
from core.hookspecs import hookimpl

EXAMPLE_MIGRATIONS = Path(__file__).parent / "plugins" / "example_migrations"


class ExamplePlugin:
    @hookimpl
    def register_migrations(self, pod):
        return str(EXAMPLE_MIGRATIONS)


class FakeEntryPoint:
    """An installed plugin named `example`, as importlib.metadata would list it."""

    value = "example.hooks"
    dist = None

    def load(self):
        return ExamplePlugin()


@pytest.fixture
def example_installed(monkeypatch):
    real = plugins.installed_plugins
    monkeypatch.setattr(plugins, "installed_plugins", lambda: {**real(), "example": FakeEntryPoint()})


def test_disabling_a_plugin_keeps_its_revisions_readable(make_pod, example_installed):
    with_example = make_pod(extra_plugins={"example": ExamplePlugin()})
    migrations.upgrade(with_example)
    assert "ex0001" in migrations.current(with_example)
    try:
        without = make_pod()  # installed but switched off
        assert migrations.pending(without) == set()
        migrations.upgrade(without)  # upgrades core only, and does not trip over ex0001
        assert migrations.heads(without) == migrations.heads(make_pod()) - {"ex0001"}
        assert "ex0001" in migrations.current(without)
    finally:
        migrations.downgrade(with_example, "example@base")


def test_heads_and_upgrade_only_cover_enabled_branches(make_pod, example_installed):
    pod = make_pod()
    assert "ex0001" not in migrations.heads(pod)
    migrations.upgrade(pod)
    assert "ex0001" not in migrations.current(pod)
