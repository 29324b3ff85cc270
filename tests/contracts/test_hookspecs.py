"""Every hook has a contract, a reference entry and a test; the reference has nothing else.

Adding a hook to core/hookspecs.py without a docstring, without a
``### name(args)`` section in docs/plugins.md, or without a ``test_hook_<name>``
test somewhere under tests/ fails here, naming the hook.
"""
from __future__ import annotations

import ast
import functools
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "plugins.md"
TESTS = ROOT / "tests"
HOOK_HEADING = re.compile(r"^### (\w+)\((.*)\)\s*$", re.MULTILINE)


def hookspec_functions() -> dict[str, object]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {name: fn for name, fn in vars(hookspecs).items() if callable(fn) and hasattr(fn, marker)}


HOOKS = hookspec_functions()


def heading(name: str) -> str:
    return f"### {name}{inspect.signature(HOOKS[name])}"


def reference_headings() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(0).strip()) for m in HOOK_HEADING.finditer(REFERENCE.read_text(encoding="utf-8"))]


@functools.cache
def defined_test_names() -> frozenset[str]:
    """Names of the functions defined in every Python file under tests/ (read, not imported)."""
    names = set()
    for path in TESTS.rglob("*.py"):
        module = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {node.name for node in ast.walk(module)
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")}
    return frozenset(names)


def test_the_hookspecs_are_found():
    assert {"register_settings", "register_routes", "on_startup"} <= set(HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_has_a_docstring(name):
    assert (inspect.getdoc(HOOKS[name]) or "").strip(), f"hook {name} in core/hookspecs.py has no docstring contract"


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_is_documented_under_its_exact_signature(name):
    expected = heading(name)
    found = dict(reference_headings())
    assert name in found, f"docs/plugins.md has no section for hook {name}; add one headed `{expected}`"
    assert found[name] == expected, (f"docs/plugins.md documents {name} as `{found[name]}`, "
                                     f"but the hookspec's signature is `{expected}`")


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_has_a_test(name):
    wanted = f"test_hook_{name}"
    assert wanted in defined_test_names(), (
        f"no test named {wanted} under tests/; add one showing what hook {name} does (see tests/plugins/test_hooks.py)")


def test_the_reference_documents_only_existing_hooks():
    names = [name for name, _ in reference_headings()]
    unknown = sorted(set(names) - set(HOOKS))
    assert not unknown, f"docs/plugins.md documents hooks that core/hookspecs.py does not define: {', '.join(unknown)}"
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"docs/plugins.md documents these hooks more than once: {', '.join(twice)}"
