"""docs/configuration.md is exactly what `seedpod config docs` writes today."""
from __future__ import annotations

import difflib
from pathlib import Path

from core.cli.config import configuration_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_doc_is_up_to_date(pod):
    expected = configuration_markdown(pod)
    written = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if written != expected:
        diff = "".join(difflib.unified_diff(written.splitlines(keepends=True), expected.splitlines(keepends=True),
                                            "docs/configuration.md (committed)", "seedpod config docs (now)"))
        raise AssertionError(f"docs/configuration.md is out of date with the settings; run `make docs` "
                             f"and commit the result.\n{diff}")
