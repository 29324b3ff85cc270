"""`seedpod db upgrade|downgrade|current|history|revision`."""
from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from core import migrations


@pytest.fixture
def heads(pods, ini) -> list[str]:
    return sorted(migrations.heads(pods(ini)))


def tables(pods, ini) -> set[str]:
    return set(sa.inspect(pods(ini).engine).get_table_names()) - {"alembic_version"}


def test_upgrade_on_a_migrated_database_changes_nothing(seedpod, heads, pods, ini):
    for _ in range(2):
        ran = seedpod("db", "upgrade")
        assert ran.exit_code == 0, ran.output
        assert ran.stdout == "database is up to date\n"

    ran = seedpod("db", "current")
    assert ran.exit_code == 0, ran.output
    # The enabled branches' heads, and those of plugins migrated while enabled (the test
    # template migrates every bundled plugin); no "pending" line.
    assert set(heads) <= set(ran.lines)
    assert ran.lines == sorted(migrations.current(pods(ini)))


def test_history_lists_every_migration_newest_first(seedpod, ini, pods):
    script = ScriptDirectory.from_config(migrations.alembic_config(pods(ini)))
    revisions = list(script.walk_revisions())

    ran = seedpod("db", "history")

    assert ran.exit_code == 0, ran.output
    assert [line.split()[0] for line in ran.lines] == [r.revision for r in revisions]
    base = next(r for r in revisions if r.down_revision is None and "core" in r.branch_labels)
    assert f"{base.revision}  [core] {base.doc}" in ran.lines


def test_downgrade_to_base_then_upgrade_again(seedpod, ini, pods, heads, doctor_checks, remigrate_afterwards):
    created = seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse")
    assert created.exit_code == 0
    assert "users" in tables(pods, ini)

    ran = seedpod("db", "downgrade", "base")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "database downgraded; now at base\n"
    assert tables(pods, ini) == set()
    current = seedpod("db", "current")
    assert current.lines == ["(empty database)", f"pending: {', '.join(heads)} (run: seedpod db upgrade)"]
    doctor = seedpod("doctor")
    assert doctor.exit_code == 1
    assert doctor_checks(doctor.stdout)["migrations"][0] == "FAIL"
    refused = seedpod("user", "list")  # a command needing tables says what is wrong in one line
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: database error: ")
    assert refused.stderr.endswith("; check database.url (env SEEDPOD_DATABASE_URL) and run: seedpod doctor\n")
    assert "Traceback" not in refused.output

    ran = seedpod("db", "upgrade")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == f"database upgraded to {', '.join(heads)}\n"
    assert seedpod("db", "upgrade").stdout == "database is up to date\n"
    assert seedpod("db", "current").lines == heads
    assert seedpod("doctor").exit_code == 0
    assert seedpod("user", "list").stdout == ""  # the data went with the tables
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse"
                   ).exit_code == 0


def test_upgrade_creates_a_new_database(run_in, make_ini, tmp_path, pods):
    ini = make_ini(database__url=f"sqlite:///{tmp_path / 'new.sqlite'}")

    ran = run_in(ini, "db", "upgrade")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == f"database upgraded to {', '.join(sorted(migrations.heads(pods(ini))))}\n"
    assert {"users", "people", "roles", "plugin_states", "worker_heartbeats"} <= tables(pods, ini)


@pytest.fixture
def versions_copy(tmp_path, monkeypatch):
    """Core's migrations copied aside, so `db revision` writes there and not into the checkout."""
    copy = tmp_path / "versions"
    shutil.copytree(migrations.CORE_VERSIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "CORE_VERSIONS", copy)
    return copy


def new_files(directory, before: set) -> list:
    return sorted(p for p in directory.glob("*.py") if p.name not in before)


def test_revision_on_an_up_to_date_database_finds_no_difference(seedpod, versions_copy):
    """The models and core's migrations describe the same schema, on each backend."""
    before = {p.name for p in versions_copy.glob("*.py")}

    ran = seedpod("db", "revision", "-m", "nothing changed")

    assert ran.exit_code == 0, ran.output
    [written] = new_files(versions_copy, before)
    assert ran.lines[-1] == f"wrote {written}"
    text = written.read_text()
    assert '"""nothing changed' in text
    body = text.split("def upgrade() -> None:", 1)[1].split("def downgrade() -> None:", 1)[0]
    operations = [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert operations == ["pass"], f"the models differ from the migrations:\n{body}"


def test_revision_empty_extends_the_branch_head(seedpod, versions_copy, heads):
    before = {p.name for p in versions_copy.glob("*.py")}

    ran = seedpod("db", "revision", "-m", "add a thing", "--empty")

    assert ran.exit_code == 0, ran.output
    [written] = new_files(versions_copy, before)
    assert f"down_revision = {heads[0]!r}" in written.read_text()


def test_revision_on_an_unknown_branch_is_refused(seedpod, versions_copy):
    before = {p.name for p in versions_copy.glob("*.py")}

    ran = seedpod("db", "revision", "-m", "x", "--branch", "nosuchbranch")

    assert ran.exit_code == 1
    assert ran.stderr == "Error: Can't locate revision identified by 'nosuchbranch'\n"
    assert new_files(versions_copy, before) == []


def test_revision_needs_a_migrated_database(run_in, make_ini, tmp_path, versions_copy):
    before = {p.name for p in versions_copy.glob("*.py")}
    ini = make_ini(database__url=f"sqlite:///{tmp_path / 'new.sqlite'}")

    ran = run_in(ini, "db", "revision", "-m", "x")

    assert ran.exit_code == 1
    assert ran.stderr == "Error: Target database is not up to date.\n"
    assert new_files(versions_copy, before) == []
