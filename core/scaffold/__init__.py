"""A new plugin package, written from the template files under ``files/``.

The files are Seedpod's own package data, so writing a plugin needs no network and no pod.
In their text ``{{name}}`` is the plugin's name, ``{{NAME}}`` the same in capitals,
``{{title}}`` it as words and ``{{description}}`` the one-line description;
``{{#migrations}}...{{/migrations}}`` is kept only for a plugin with migrations. In paths,
``PACKAGE`` is the plugin's name, ``gitignore`` becomes ``.gitignore`` and ``.tmpl`` goes.
"""
from __future__ import annotations

import importlib.util
import keyword
import re
import shutil
import sys
import tempfile
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME = 40  # leaves room for table names (`<name>_notes`) within PostgreSQL's 63 characters
MAX_DESCRIPTION = 200
# A block of lines of its own (markers alone on their lines), then a block inside a line.
BLOCK_LINES = re.compile(r"^\{\{#(\w+)\}\}\n(.*?)^\{\{/\1\}\}\n", re.MULTILINE | re.DOTALL)
BLOCK_INLINE = re.compile(r"\{\{#(\w+)\}\}(.*?)\{\{/\1\}\}", re.DOTALL)


class ScaffoldError(ValueError):
    """The plugin cannot be written; the message says why and what to do."""


def check_name(name: str) -> None:
    """Refuse a name that is not a usable plugin, package and settings prefix."""
    if not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(f"plugin name {name!r} must be a Python identifier in lower case: a letter, "
                            "then letters a-z, digits or underscores (e.g. hello_world)")
    if len(name) > MAX_NAME:
        raise ScaffoldError(f"plugin name {name!r} is longer than {MAX_NAME} characters")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"plugin name {name!r} is a Python keyword; choose another name")
    # The package is importable as `name`: it must not hide a module that exists already.
    if name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None:
        raise ScaffoldError(f"plugin name {name!r} is already the name of an importable module; "
                            "choose another name")
    from ..plugins import installed_plugins

    if name in installed_plugins():
        raise ScaffoldError(f"a plugin named {name!r} is already installed; choose another name")


def check_description(description: str) -> str:
    text = description.strip()
    if not text:
        raise ScaffoldError("the description is empty; say in a few words what the plugin does")
    if any(ch in text for ch in "\r\n") or not text.isprintable():
        raise ScaffoldError("the description must be one line of printable text")
    if len(text) > MAX_DESCRIPTION:
        raise ScaffoldError(f"the description is longer than {MAX_DESCRIPTION} characters")
    return text


def fill(text: str, values: dict[str, str], flags: dict[str, bool]) -> str:
    def block(match: re.Match) -> str:
        return match.group(2) if flags[match.group(1)] else ""

    text = BLOCK_INLINE.sub(block, BLOCK_LINES.sub(block, text))
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def target_path(source: Path, name: str) -> Path:
    parts = [part.replace("PACKAGE", name) for part in source.relative_to(FILES).parts]
    parts[-1] = parts[-1].removesuffix(".tmpl")
    if parts[-1] == "gitignore":
        parts[-1] = ".gitignore"
    return Path(*parts)


def template_files(migrations: bool) -> list[Path]:
    files = sorted(p for p in FILES.rglob("*.tmpl") if p.is_file())
    if not migrations:
        files = [p for p in files if "migrations" not in p.relative_to(FILES).parts]
    return files


def write_plugin(name: str, directory: Path, migrations: bool = False, description: str | None = None) -> Path:
    """Write the package ``seedpod-<name>/`` into ``directory`` and return its path.

    Everything is written into a temporary folder first and moved into place at the end,
    so a refusal or a failure leaves nothing behind."""
    check_name(name)
    title = name.replace("_", " ").capitalize()
    description = check_description(description if description is not None else f"{title}: a Seedpod plugin")
    if not directory.is_dir():
        raise ScaffoldError(f"directory {directory} does not exist")
    target = directory / f"seedpod-{name}"
    if target.exists():
        raise ScaffoldError(f"{target} already exists; remove it or choose another --directory")
    values = {"name": name, "NAME": name.upper(), "title": title, "description": description}
    flags = {"migrations": migrations}
    try:
        building = Path(tempfile.mkdtemp(prefix=f".seedpod-{name}-", dir=directory))
    except OSError as exc:
        raise ScaffoldError(f"cannot write into {directory}: {exc.strerror or exc}") from None
    try:
        for source in template_files(migrations):
            path = building / target_path(source, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(fill(source.read_text(encoding="utf-8"), values, flags), encoding="utf-8")
        building.chmod(0o755)  # mkdtemp's folder is private; the package is not
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return target
