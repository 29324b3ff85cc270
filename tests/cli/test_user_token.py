"""`seedpod user token NAME --scopes ...`: a personal access token for scripts and benchmarks."""
from __future__ import annotations

import re

import pytest

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(seedpod):
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", PASSWORD).exit_code == 0


def test_prints_a_token_alone_that_works_on_the_api(seedpod, ini, sql, restart, alice):
    ran = seedpod("user", "token", "alice", "--scopes", "tags:read tags:modify")

    assert ran.exit_code == 0, ran.output
    assert re.fullmatch(r"[0-9a-f]{64}\n", ran.stdout)
    secret = ran.stdout.strip()
    assert sql(ini, "SELECT name, scopes, expires_at, authorization_id FROM api_tokens") == [
        ("cli", "public:read tags:modify tags:read", None, None)]

    app = restart(ini)
    bearer = {"Authorization": f"Bearer {secret}"}
    app.post("/api/v1/tag_followings", {"name": "cats"}, headers=bearer, status=204)
    assert app.get("/api/v1/tag_followings", headers=bearer).json == ["cats"]
    assert app.get("/api/v1/aspects", headers=bearer, expect_errors=True).json == {
        "code": 403, "message": "insufficient_scope"}


def test_the_token_can_be_named(seedpod, ini, sql, alice):
    ran = seedpod("user", "token", "Alice", "--scopes", "public:read", "--name", "benchmark")

    assert ran.exit_code == 0, ran.output
    assert sql(ini, "SELECT name, scopes FROM api_tokens") == [("benchmark", "public:read")]


@pytest.mark.parametrize("args, message", [
    (["nobody", "--scopes", "public:read"], "Error: No user named 'nobody' on this pod.\n"),
    (["alice", "--scopes", "public:read root"], "Error: Unknown scope: root\n"),
    (["alice", "--scopes", "private:read"], "Error: private:read and private:modify require contacts:read as well\n"),
    (["alice", "--scopes", "  "], "Error: Choose at least one scope.\n"),
    (["alice", "--scopes", "public:read", "--name", ""],
     "Error: Give the token a name, so you know later what uses it.\n"),
], ids=["unknown-user", "unknown-scope", "private-alone", "no-scope", "no-name"])
def test_bad_input_exits_non_zero_and_creates_nothing(seedpod, ini, count, alice, args, message):
    ran = seedpod("user", "token", *args)

    assert ran.exit_code == 1
    assert ran.stdout == ""
    assert ran.stderr == message
    assert count(ini, "api_tokens") == 0


def test_scopes_are_required(seedpod, ini, count, alice):
    ran = seedpod("user", "token", "alice")

    assert ran.exit_code == 2
    assert "Missing option '--scopes'" in ran.stderr
    assert count(ini, "api_tokens") == 0
