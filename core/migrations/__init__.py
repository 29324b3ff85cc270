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
MODEL_MODULES = (
    "core.accounts.models", "core.aspects.models", "core.posts.models", "core.notifications.models",
    "core.conversations.models", "core.admin.models", "core.worker",
    "core.events.models", "core.federation.models", "core.api.models", "core.portability.models",
    "core.importers.models",
)


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def enabled_branches(pod) -> dict[str, Path]:
    """core and every enabled plugin that has migrations, by branch label (the plugin's name)."""
    found = {CORE_BRANCH: CORE_VERSIONS}
    for impl in pod.pm.hook.register_migrations.get_hookimpls():
        path = impl.function(pod=pod)
        if path:
            found[impl.plugin_name] = Path(path).resolve()
    return found


def dormant_branches(pod, enabled: dict[str, Path]) -> dict[str, Path]:
    """Branches of installed plugins that are off: their revisions stay readable, so a database
    that ran them before the plugin was disabled still makes sense to alembic."""
    from ..plugins import installed_plugins

    found = {}
    for name, entry_point in installed_plugins().items():
        if name in enabled or name in pod.enabled_plugins:
            continue
        try:
            register = getattr(entry_point.load(), "register_migrations", None)
        except Exception:  # a broken plugin that is off is reported by `seedpod plugins list`, not here
            continue
        path = register(pod=pod) if register is not None else None
        if path:
            found[name] = Path(path).resolve()
    return found


def version_locations(pod) -> list[str]:
    enabled = enabled_branches(pod)
    return [str(p) for p in {**enabled, **dormant_branches(pod, enabled)}.values()]


def alembic_config(pod) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    config.set_main_option("version_locations", " ".join(version_locations(pod)))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", pod.settings["database.url"].replace("%", "%%"))
    config.attributes["pod"] = pod
    return config


def upgrade(pod, target: str = "heads") -> None:
    """Upgrade to ``target``; "heads" means the head of core and of each enabled plugin only."""
    config = alembic_config(pod)
    targets = [f"{label}@head" for label in enabled_branches(pod)] if target == "heads" else [target]
    for each in targets:
        command.upgrade(config, each)


def downgrade(pod, target: str) -> None:
    command.downgrade(alembic_config(pod), target)


def heads(pod) -> set[str]:
    """The head revision of core and of each enabled plugin."""
    script = ScriptDirectory.from_config(alembic_config(pod))
    return {script.get_revision(f"{label}@head").revision for label in enabled_branches(pod)}


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
    return {head for head in heads(pod) if head not in reached}
