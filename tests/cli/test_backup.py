"""`seedpod backup DIR` and `seedpod restore DIR`: a fresh pod (another data folder, another
database) restored from a backup has the same users, posts and photos, on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from core.accounts.models import User
from core.accounts.services import AccountService
from core.cli.backup import POSTGRES_FILE, SQLITE_FILE
from core.portability.archive import build_archive
from core.posts.interactions import InteractionService
from core.posts.photos import uploads_dir
from core.posts.services import Draft, PostService
from core.testing import postgres_admin, postgres_url, sign_in

PASSWORD = "correct horse battery"


def png(color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buffer, format="PNG")
    return buffer.getvalue()


def files_of(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def archives(pod) -> dict[str, dict]:
    with pod.session_factory() as s:
        return {user.username: build_archive(s, pod, user)
                for user in s.scalars(sa.select(User).order_by(User.username))}


def rows(pod) -> dict[str, list]:
    with pod.session_factory() as s:
        return {table: [tuple(r) for r in s.execute(sa.text(query))] for table, query in {
            "users": "SELECT id, username, email, password_hash FROM users ORDER BY id",
            "posts": "SELECT id, guid, author_id, text, public FROM posts ORDER BY id",
            "photos": "SELECT id, guid, post_id, file_name FROM photos ORDER BY id",
            "comments": "SELECT id, guid, post_id, text FROM comments ORDER BY id",
        }.items()}


@pytest.fixture
def fresh(make_ini, database_url, tmp_path):
    """fresh() -> the ini of a new pod: its own data folder and a new, empty database of the
    same kind as the test's."""
    made = []

    def make() -> Path:
        number = len(made) + 1
        folder = tmp_path / f"fresh{number}"
        folder.mkdir()
        if database_url.startswith("sqlite"):
            made.append(None)
            url = f"sqlite:///{folder / 'restored.sqlite'}"
        else:
            name = f"seedpod_restore_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}_{number}"
            with postgres_admin() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            made.append(name)
            url = postgres_url(name)
        return make_ini(f"fresh{number}/pod.ini", database__url=url)

    yield make
    for name in made:
        if name:
            with postgres_admin() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def busy_pod(ini, pods):
    """The `ini` pod with two users, posts, a comment, a like and photos; returns (pod, guids)."""
    pod = pods(ini)
    with pod.session_factory() as s:
        accounts = AccountService(s, pod)
        alice = accounts.sign_up("alice", "alice@example.org", PASSWORD)
        bob = accounts.sign_up("bob", "bob@example.org", PASSWORD)
        posts = PostService(s, pod)
        first = posts.create(alice, Draft(text="Sunset at the lake #photo", visibility="public",
                                          photos=[(png((250, 120, 0)), "sunset"), (png((0, 60, 200)), "lake")]))
        second = posts.create(bob, Draft(text="Tea or coffee?", visibility="public", poll_question="Which?",
                                         poll_answers="Tea\nCoffee"))
        InteractionService(s, pod).comment(bob, first, "Lovely colours")
        InteractionService(s, pod).like_post(alice, second)
        guids = [first.guid, second.guid]
        s.commit()
    return pod, guids


def test_backup_then_restore_into_a_fresh_pod_gives_the_same_pod(busy_pod, seedpod, run_in, fresh, pods, restart,
                                                                   tmp_path):
    pod, guids = busy_pod
    before_archives, before_rows = archives(pod), rows(pod)
    before_photos = files_of(uploads_dir(pod))
    assert len(before_photos) >= 2 and before_rows["photos"]

    ran = seedpod("backup", str(tmp_path / "backup"))
    assert ran.exit_code == 0, ran.output
    assert "backed up" in ran.stdout
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    kind = manifest["database"]["kind"]
    assert kind in ("sqlite", "postgresql") and manifest["seedpod_version"]
    assert manifest["database"]["revisions"] and manifest["created_at"].endswith("Z")
    assert (tmp_path / "backup" / (SQLITE_FILE if kind == "sqlite" else POSTGRES_FILE)).is_file()
    listed = {entry["path"] for entry in manifest["files"]}
    assert {f"uploads/images/{name}" for name in before_photos} <= listed
    assert "secret" in listed or pod.settings["secret"]
    assert not any(name.startswith(("mail/", "exports/")) or name.endswith(".sqlite") for name in listed)

    target = fresh()
    ran = run_in(target, "restore", str(tmp_path / "backup"))
    assert ran.exit_code == 0, ran.output
    assert "restored" in ran.stdout and "next:" in ran.stdout

    restored = pods(target)
    assert restored.data_dir != pod.data_dir
    assert rows(restored) == before_rows
    assert archives(restored) == before_archives
    assert files_of(uploads_dir(restored)) == before_photos
    app = restart(target)
    page = app.get(f"/posts/{guids[0]}")  # as a visitor
    assert "Sunset at the lake" in page.text and "Lovely colours" in page.text
    assert page.html.select_one("img[src*='/uploads/images/']") is not None
    assert sign_in(app, "alice", PASSWORD).status_int == 303
    assert "Tea or coffee?" in app.get(f"/posts/{guids[1]}").text


def test_restore_refuses_a_pod_with_users_unless_forced(busy_pod, seedpod, sql, ini, tmp_path):
    assert seedpod("backup", str(tmp_path / "backup")).exit_code == 0
    sql(ini, "DELETE FROM comments")

    ran = seedpod("restore", str(tmp_path / "backup"))
    assert ran.exit_code == 1
    assert "already has 2 user(s)" in ran.output and "--force" in ran.output
    assert sql(ini, "SELECT count(*) FROM comments")[0][0] == 0

    ran = seedpod("restore", "--force", str(tmp_path / "backup"))
    assert ran.exit_code == 0, ran.output
    assert sql(ini, "SELECT text FROM comments") == [("Lovely colours",)]


def test_restore_refuses_a_changed_file(busy_pod, seedpod, run_in, fresh, sql, tmp_path):
    backup = tmp_path / "backup"
    assert seedpod("backup", str(backup)).exit_code == 0
    target = fresh()
    manifest = json.loads((backup / "manifest.json").read_text())
    database = backup / manifest["database"]["file"]
    data = bytearray(database.read_bytes())
    data[-10] ^= 0xFF
    database.write_bytes(bytes(data))

    ran = run_in(target, "restore", str(backup))
    assert ran.exit_code == 1
    assert f"{database.name} does not match its checksum" in ran.output
    assert len(ran.output.strip().splitlines()) == 1


def test_restore_refuses_a_photo_changed_inside_the_archive(busy_pod, seedpod, run_in, fresh, tmp_path):
    backup = tmp_path / "backup"
    assert seedpod("backup", str(backup)).exit_code == 0
    # Re-pack files.tar.gz with one photo changed, and give the archive its new checksum:
    # only the per-file checksum can tell.
    original = backup / "files.tar.gz"
    members = []
    with tarfile.open(original, "r:gz") as archive:
        for member in archive:
            members.append((member, archive.extractfile(member).read()))
    changed = next(m.name for m, _ in members if m.name.startswith("uploads/"))
    with tarfile.open(original, "w:gz") as archive:
        for member, data in members:
            if member.name == changed:
                data = data + b"tampered"
                member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["artifacts"]["files.tar.gz"]["sha256"] = hashlib.sha256(original.read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = fresh()

    ran = run_in(target, "restore", str(backup))
    assert ran.exit_code == 1
    assert f"{changed} in files.tar.gz does not match its checksum" in ran.output
    assert not (target.parent / "var" / changed).exists()


def test_restore_refuses_a_folder_without_manifest(run_in, fresh, tmp_path):
    (tmp_path / "nothing").mkdir()
    ran = run_in(fresh(), "restore", str(tmp_path / "nothing"))
    assert ran.exit_code == 1
    assert "has no manifest.json" in ran.output
    assert len(ran.output.strip().splitlines()) == 1


def test_backup_refuses_a_folder_with_files_unless_forced(busy_pod, seedpod, tmp_path):
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")

    ran = seedpod("backup", str(folder))
    assert ran.exit_code == 1
    assert "is not empty" in ran.output and "--force" in ran.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]

    ran = seedpod("backup", "--force", str(folder))
    assert ran.exit_code == 0, ran.output
    assert (folder / "manifest.json").is_file() and (folder / "files.tar.gz").is_file()


def test_a_missing_pg_dump_is_one_clear_line(monkeypatch):
    from core.cli import backup as backup_module

    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_module.glob, "glob", lambda pattern: [])
    with pytest.raises(backup_module.BackupError) as raised:
        backup_module.find_tool("pg_dump")
    assert "pg_dump was not found" in raised.value.message
    assert "apt-get install postgresql-client" in raised.value.message


def test_the_password_is_passed_in_the_environment():
    from core.cli.backup import postgres_arguments

    args, env = postgres_arguments(sa.engine.make_url("postgresql://pod:s3cret@db.example:5433/seedpod"))
    assert args == ["--host", "db.example", "--port", "5433", "--username", "pod", "--dbname", "seedpod"]
    assert "s3cret" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret"


def test_restoring_an_older_backup_says_to_upgrade(seedpod, run_in, fresh, tmp_path, remigrate_afterwards):
    assert seedpod("db", "downgrade", "core@-1").exit_code == 0
    assert seedpod("backup", str(tmp_path / "old")).exit_code == 0
    target = fresh()

    ran = run_in(target, "restore", str(tmp_path / "old"))
    assert ran.exit_code == 0, ran.output
    assert "run `seedpod db upgrade`" in ran.stdout
    assert run_in(target, "db", "upgrade").exit_code == 0
    assert "database is up to date" not in run_in(target, "db", "current").stdout
    assert "pending" not in run_in(target, "db", "current").stdout


def test_restore_refuses_a_backup_of_another_database_kind(busy_pod, seedpod, tmp_path):
    assert seedpod("backup", str(tmp_path / "backup")).exit_code == 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    other = "postgresql" if manifest["database"]["kind"] == "sqlite" else "sqlite"
    manifest["database"]["kind"] = other
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(manifest))

    ran = seedpod("restore", "--force", str(tmp_path / "backup"))
    assert ran.exit_code == 1
    assert f"this backup holds a {other} database" in ran.output
