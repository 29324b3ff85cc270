"""`seedpod backup DIR` and `seedpod restore DIR`: the database and the pod's files, consistent
and checked.

A backup folder holds:

- ``database.sqlite3`` (SQLite, written with SQLite's online backup API, so a running pod is
  copied consistently) or ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``);
- ``files.tar.gz``: what the pod keeps under ``data_dir`` besides the database: uploads, the
  OpenID Connect signing key, the generated secret, plugins' files; not the mail folder of the
  development mail backend nor the exports, which users make again;
- ``manifest.json``: Seedpod's version, the migrations the database is at, the database kind,
  when, and the SHA-256 of every file, so a restore can tell a damaged backup.
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

import click
import sqlalchemy as sa

from .context import pass_pod, quiet_logging

MANIFEST = "manifest.json"
FILES = "files.tar.gz"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
FORMAT = 1
# Left out of files.tar.gz: mail written by the development backend, users' exports (made again
# on request) and a SQLite database kept in data_dir (it is copied on its own).
SKIPPED = {"mail", "exports"}
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
CHUNK = 1 << 20


class BackupError(click.ClickException):
    """One line saying what went wrong."""


# --- helpers -------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def seedpod_version() -> str:
    try:
        return importlib.metadata.version("seedpod")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def database_kind(url: sa.engine.URL) -> str:
    backend = url.get_backend_name()
    if backend in ("sqlite", "postgresql"):
        return backend
    raise BackupError(f"database.url uses {backend}; backups handle SQLite and PostgreSQL")


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: [int(x) if x.isdigit() else x for x in Path(p).parts[-3].split(".")])
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found on PATH or under /usr/lib/postgresql/*/bin; install PostgreSQL's "
                      "client tools (Debian: apt-get install postgresql-client)")


def postgres_arguments(url: sa.engine.URL) -> tuple[list[str], dict]:
    """Connection options for pg_dump and pg_restore, and their environment: the password goes
    in PGPASSWORD, never on the command line."""
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def run_tool(command: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not run {command[0]}: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout or "").splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[0] if lines else f'exit status {done.returncode}'}")


def sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("database.url is an in-memory SQLite database; there is nothing to back up")
    return Path(url.database)


def sqlite_copy(source: Path, target: Path, plain: bool = False) -> None:
    """Copy a SQLite database page by page with SQLite's online backup API: consistent even
    while the pod writes to it."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            if plain:
                # A self-contained file, without -wal and -shm companions.
                dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copying the SQLite database {source} failed: {exc}") from None
    finally:
        src.close()


def data_files(data_dir: Path, exclude: set[Path]) -> list[tuple[Path, str]]:
    """(absolute path, path relative to data_dir) of each file to keep, sorted."""
    found = []
    for root, dirs, names in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in exclude
                         and not (here == data_dir and d in SKIPPED))
        for name in sorted(names):
            path = here / name
            if path.resolve() in exclude or path.is_symlink() or not path.is_file():
                continue
            found.append((path, path.relative_to(data_dir).as_posix()))
    return found


# --- backup --------------------------------------------------------------------------------------

@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into DIRECTORY even if it holds files (they are replaced).")
@pass_pod
def backup(pod, directory: Path, force: bool):
    """Write a consistent copy of the database and the pod's files into DIRECTORY."""
    from .. import migrations

    quiet_logging()
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} is not a folder")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise BackupError(f"{directory} is not empty; use an empty folder, or --force to replace what is there")
    directory.mkdir(parents=True, exist_ok=True)
    for name in (MANIFEST, FILES, SQLITE_FILE, POSTGRES_FILE):
        (directory / name).unlink(missing_ok=True)

    url = sa.engine.make_url(pod.settings["database.url"])
    kind = database_kind(url)
    data_dir = Path(pod.data_dir).resolve()
    revisions = sorted(migrations.current(pod))
    exclude = {directory}
    # The database first: every file a row names is then in files.tar.gz, made after it.
    if kind == "sqlite":
        source = sqlite_path(url).resolve()
        exclude |= {Path(f"{source}{suffix}") for suffix in SQLITE_SUFFIXES}
        database_file = directory / SQLITE_FILE
        sqlite_copy(source, database_file, plain=True)
    else:
        database_file = directory / POSTGRES_FILE
        args, env = postgres_arguments(url)
        run_tool([find_tool("pg_dump"), "--format=custom", "--file", str(database_file), *args], env, "pg_dump")

    files = []
    with tarfile.open(directory / FILES, "w:gz") as archive:
        for path, name in data_files(data_dir, exclude):
            digest = sha256_of(path)
            archive.add(path, arcname=name, recursive=False)
            files.append({"path": name, "size": path.stat().st_size, "sha256": digest})

    manifest = {
        "format": FORMAT,
        "seedpod_version": seedpod_version(),
        "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": {"kind": kind, "file": database_file.name, "revisions": revisions},
        "artifacts": {name: {"size": (directory / name).stat().st_size, "sha256": sha256_of(directory / name)}
                      for name in (database_file.name, FILES)},
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    click.echo(f"backed up the {kind} database ({', '.join(revisions) or 'no migrations'}) and {len(files)} "
               f"file(s) to {directory}")


# --- restore -------------------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a folder")
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: it is not a Seedpod backup, or an incomplete one")
    try:
        manifest = json.loads(path.read_text())
        kind = manifest["database"]["kind"]
        database_name = manifest["database"]["file"]
        artifacts = manifest["artifacts"]
        files = manifest["files"]
        assert isinstance(artifacts, dict) and isinstance(files, list) and kind in ("sqlite", "postgresql")
        assert database_name in (SQLITE_FILE, POSTGRES_FILE) and database_name in artifacts and FILES in artifacts
    except (ValueError, KeyError, TypeError, AssertionError):
        raise BackupError(f"{path} is damaged: it is not the manifest a backup writes") from None
    return manifest


def verify(directory: Path, manifest: dict) -> None:
    """Every file of the backup is there and has the checksum the manifest gives it."""
    for name, expected in manifest["artifacts"].items():
        path = directory / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from {directory}")
        if sha256_of(path) != expected.get("sha256"):
            raise BackupError(f"{name} does not match its checksum in {MANIFEST}: the backup is damaged or was changed")
    wanted = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    seen = set()
    try:
        with tarfile.open(directory / FILES, "r:gz") as archive:
            for member in archive:
                if not member.isfile():
                    raise BackupError(f"{FILES} holds {member.name}, which is not a plain file")
                name = safe_name(member.name)
                if name not in wanted:
                    raise BackupError(f"{FILES} holds {name}, which {MANIFEST} does not list")
                digest = hashlib.sha256()
                handle = archive.extractfile(member)
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
                if digest.hexdigest() != wanted[name]:
                    raise BackupError(f"{name} in {FILES} does not match its checksum in {MANIFEST}")
                seen.add(name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{FILES} can't be read: {exc}") from None
    missing = sorted(set(wanted) - seen)
    if missing:
        raise BackupError(f"{FILES} lacks {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))


def safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"{FILES} holds {name!r}, a path outside the data folder")
    return path.as_posix()


def users_in(engine) -> int:
    if not sa.inspect(engine).has_table("users"):
        return 0
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM users")).scalar() or 0


def restore_files(directory: Path, data_dir: Path) -> int:
    count = 0
    with tarfile.open(directory / FILES, "r:gz") as archive:
        for member in archive:
            target = data_dir / safe_name(member.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = archive.extractfile(member)
            partial = target.with_name(target.name + ".restoring")
            with open(partial, "wb") as out:
                shutil.copyfileobj(handle, out, CHUNK)
            os.chmod(partial, member.mode & 0o777 or 0o600)
            os.replace(partial, target)
            count += 1
    return count


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the pod's database even if it already has users.")
@pass_pod
def restore(pod, directory: Path, force: bool):
    """Bring this pod back to the state saved in DIRECTORY by `seedpod backup`."""
    from .. import migrations

    quiet_logging()
    directory = directory.resolve()
    manifest = read_manifest(directory)
    url = sa.engine.make_url(pod.settings["database.url"])
    kind = database_kind(url)
    if manifest["database"]["kind"] != kind:
        raise BackupError(f"this backup holds a {manifest['database']['kind']} database but the pod's database.url "
                          f"is {kind}; restore it into a pod configured with a {manifest['database']['kind']} database")
    verify(directory, manifest)
    existing = users_in(pod.engine)
    if existing and not force:
        raise BackupError(f"the pod's database already has {existing} user(s); restoring replaces it entirely: "
                          "pass --force to do so")

    database_file = directory / manifest["database"]["file"]
    pod.engine.dispose()
    if kind == "sqlite":
        sqlite_copy(database_file, sqlite_path(url))
    else:
        args, env = postgres_arguments(url)
        run_tool([find_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  "--exit-on-error", *args, str(database_file)], env, "pg_restore")
    pod.engine.dispose()
    count = restore_files(directory, Path(pod.data_dir))

    click.echo(f"restored the {kind} database and {count} file(s) from the backup of {manifest.get('created_at')} "
               f"(Seedpod {manifest.get('seedpod_version')})")
    known = set(migrations.heads(pod))
    try:
        waiting = migrations.pending(pod)
    except Exception:  # a revision this version doesn't know: the backup is from a newer Seedpod
        waiting = None
    if waiting is None:
        click.echo("next: this backup was made by a newer Seedpod than this one; install that version "
                   f"({manifest.get('seedpod_version')}) or newer, then start the pod")
    elif waiting:
        click.echo("next: the backup is older than this Seedpod; run `seedpod db upgrade`, then start the pod "
                   "and its workers")
    else:
        click.echo(f"next: start (or restart) the pod and its workers; the database is at {', '.join(sorted(known))}")


COMMANDS: list = [backup, restore]

__all__ = ["COMMANDS", "backup", "restore"]
