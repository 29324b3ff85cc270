"""Plugins widen the Content-Security-Policy only where it is safe (core/security.py)."""
from __future__ import annotations

import pytest

from core.hookspecs import hookimpl
from core.security import CONTENT_SECURITY_POLICY


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


class Player:
    def __init__(self, answer):
        self.answer = answer

    @hookimpl
    def extra_csp_sources(self, request):
        return self.answer


@pytest.mark.plugins("none")
def test_a_plugin_adds_frame_and_image_sources(make_app):
    app = make_app(extra_plugins={
        "player": Player({"frame-src": ["https://player.test"], "img-src": ["https://img.test"]}),
        "other": Player({"frame-src": ["https://other.test", "https://player.test"]}),
    })

    found = directives(app.get("/users/sign_in"))

    assert sorted(found["frame-src"]) == sorted(["'self'", "https://player.test", "https://other.test"])
    assert found["img-src"] == ["'self'", "data:", "https://img.test"]
    assert found["script-src"] == ["'self'"] and found["default-src"] == ["'self'"]


@pytest.mark.plugins("none")
def test_scripts_styles_and_smuggled_directives_are_never_widened(make_app):
    app = make_app(extra_plugins={"player": Player({
        "script-src": ["https://evil.test"], "style-src": ["'unsafe-inline'"],
        "frame-src": ["https://a.test; script-src *", "https://b.test, c"],
    })})

    response = app.get("/users/sign_in")

    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.plugins("none")
def test_without_plugins_the_policy_is_cores(make_app):
    app = make_app(extra_plugins={"quiet": Player(None)})
    assert app.get("/users/sign_in").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
