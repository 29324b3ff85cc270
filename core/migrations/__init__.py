"""Alembic, driven from the pod: core's branch `core` plus one branch per enabled plugin."""
from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

CORE_BRANCH = "core"
CORE_VERSIONS = Path(__file__).resolve().parent / "versions"
MODEL_MODULES = ("core.accounts.models", "core.admin.models", "core.worker")


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def version_locations(pod) -> list[str]:
    locations = [str(CORE_VERSIONS)]
    for impl in pod.pm.hook.register_migrations.get_hookimpls():
        path = impl.function(pod=pod)
        if path:
            locations.append(str(Path(path).resolve()))
    return locations


def alembic_config(pod) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    config.set_main_option("version_locations", " ".join(version_locations(pod)))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", pod.settings["database.url"].replace("%", "%%"))
    config.attributes["pod"] = pod
    return config


def upgrade(pod, target: str = "heads") -> None:
    command.upgrade(alembic_config(pod), target)


def downgrade(pod, target: str) -> None:
    command.downgrade(alembic_config(pod), target)


def heads(pod) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(pod)).get_heads())


def current(pod) -> set[str]:
    with pod.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(pod) -> set[str]:
    """Heads of enabled branches that the database has not reached."""
    script = ScriptDirectory.from_config(alembic_config(pod))
    applied = current(pod)
    reached = set()
    for rev in applied:
        reached |= {r.revision for r in script.iterate_revisions(rev, "base")}
    return {head for head in script.get_heads() if head not in reached}
