"""Browser fixtures: fresh Chromium contexts, and a place for screenshots."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)  # a busy CI machine (pytest -n auto) can be slow to answer


@pytest.fixture
def open_page(chromium):
    """A page in a fresh browser context (own cookies): ``open_page(javascript=False)``."""
    contexts = []

    def open_(javascript: bool = True):
        context = chromium.new_context(java_script_enabled=javascript, viewport={"width": 1100, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request, tmp_path):
    """Save a full-page screenshot; to keep them, set SEEDPOD_TEST_SCREENSHOTS to a directory."""
    keep = os.environ.get("SEEDPOD_TEST_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")

    def take(page, name: str) -> Path:
        path = folder / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
