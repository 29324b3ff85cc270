"""Migrations: one head per alembic branch, and models that match what the migrations build.

A second head on core's branch means two migrations were written from the same
parent and one of them will never run after the other; models that differ from
the migrated schema mean someone changed a model without writing its migration
(`seedpod db revision -m "..."` writes it).
"""
from __future__ import annotations

import uuid
from pprint import pformat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core import migrations
from core.db import Base
from core.plugins import installed_plugins
from core.pod import build_pod
from core.testing import BACKENDS, POSTGRES_SERVER, base_settings, postgres_admin, postgres_url, unavailable

ALL_PLUGINS = " ".join(sorted(installed_plugins()))


def core_script() -> ScriptDirectory:
    """Core's revisions alone, without any plugin's."""
    config = Config()
    config.set_main_option("script_location", str(migrations.CORE_VERSIONS.parent))
    config.set_main_option("version_locations", str(migrations.CORE_VERSIONS))
    config.set_main_option("path_separator", "space")
    return ScriptDirectory.from_config(config)


def test_core_branch_has_exactly_one_head():
    script = core_script()
    heads = script.get_heads()
    assert len(heads) == 1, (f"core's migrations have {len(heads)} heads ({', '.join(sorted(heads))}); "
                             "make one revise the other, or write a merge revision")
    bases = script.get_bases()
    assert len(bases) == 1, f"core's migrations have several first revisions: {', '.join(sorted(bases))}"
    assert migrations.CORE_BRANCH in script.get_revision(bases[0]).branch_labels
    assert script.get_revisions(f"{migrations.CORE_BRANCH}@head")[0].revision == heads[0]


def test_every_branch_has_exactly_one_head(make_pod):
    """Core and every installed plugin with migrations: one head each, no stray heads."""
    pod = make_pod(plugins=ALL_PLUGINS)
    script = ScriptDirectory.from_config(migrations.alembic_config(pod))
    labels = set()
    for base in script.get_bases():
        revision = script.get_revision(base)
        assert revision.branch_labels, f"migration {base} starts a branch without a branch label"
        labels |= set(revision.branch_labels)
    for label in sorted(labels):
        script.get_revisions(f"{label}@head")  # raises MultipleHeads when a branch has two
    assert len(script.get_heads()) == len(script.get_bases()), (
        f"heads {sorted(script.get_heads())} do not match branches {sorted(labels)}")


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """A database with no tables at all, for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"seedpod_empty_{uuid.uuid4().hex[:12]}"
    try:
        with postgres_admin() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc.orig}")
    yield postgres_url(name)
    with postgres_admin() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def models_metadata() -> sa.MetaData:
    """The metadata of core's and the bundled plugins' models, without tables a test declares."""
    migrations.import_models()
    foreign = {mapper.local_table.name for mapper in Base.registry.mappers
               if not mapper.class_.__module__.startswith(("core.", "plugins."))}
    if not foreign:
        return Base.metadata
    metadata = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name not in foreign:
            table.to_metadata(metadata)
    return metadata


def test_models_match_the_migrations(empty_database, tmp_path):
    pod = build_pod({**base_settings(tmp_path, empty_database), "plugins": ALL_PLUGINS}, environ={})
    try:
        assert sa.inspect(pod.engine).get_table_names() == []
        migrations.upgrade(pod)
        assert migrations.pending(pod) == set()
        with pod.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, models_metadata())
        assert differences == [], (
            f"the models differ from the migrated {pod.engine.dialect.name} database; write a migration "
            f"(seedpod db revision -m '...') for:\n{pformat(differences)}")
    finally:
        pod.engine.dispose()
