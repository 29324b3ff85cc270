"""`seedpod roles add|remove|list`: admin, moderator and spotlight without a Python console."""
from __future__ import annotations

import pytest


@pytest.fixture
def alice(seedpod):
    ran = seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", "correct horse battery")
    assert ran.exit_code == 0, ran.output
    return "alice"


def roles_in_database(sql, ini) -> list[tuple]:
    return sql(ini, "SELECT r.name, u.username FROM roles r JOIN users u ON u.id = r.user_id ORDER BY r.name")


def test_list_says_when_nobody_holds_a_role(seedpod):
    ran = seedpod("roles", "list")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "nobody holds a role\n"


@pytest.mark.parametrize("role", ["admin", "moderator", "spotlight"])
def test_add_and_remove_each_role(seedpod, ini, sql, alice, role):
    ran = seedpod("roles", "add", role, alice)
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == f"alice is now {role}\n"
    assert roles_in_database(sql, ini) == [(role, "alice")]
    assert seedpod("roles", "list").stdout == f"{role}\talice\n"

    again = seedpod("roles", "add", role, alice)
    assert again.exit_code == 0
    assert again.stdout == f"alice already was {role}\n"
    assert roles_in_database(sql, ini) == [(role, "alice")]

    ran = seedpod("roles", "remove", role, alice)
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == f"alice is no longer {role}\n"
    assert roles_in_database(sql, ini) == []

    again = seedpod("roles", "remove", role, alice)
    assert again.exit_code == 0
    assert again.stdout == f"alice was not {role}\n"


def test_list_shows_every_holder_by_role(seedpod, alice):
    assert seedpod("user", "create", "bob", "--email", "bob@example.org", "--password", "correct horse battery"
                   ).exit_code == 0
    for role, name in [("spotlight", "bob"), ("admin", "alice"), ("moderator", "bob"), ("moderator", "alice")]:
        assert seedpod("roles", "add", role, name).exit_code == 0

    ran = seedpod("roles", "list")

    assert ran.lines == ["admin\talice", "moderator\talice", "moderator\tbob", "spotlight\tbob"]


def test_username_is_matched_case_insensitively(seedpod, alice):
    assert seedpod("roles", "add", "admin", "ALICE").exit_code == 0
    assert seedpod("roles", "list").stdout == "admin\talice\n"


@pytest.mark.parametrize("command", ["add", "remove"])
def test_unknown_role_is_a_usage_error(seedpod, ini, sql, alice, command):
    ran = seedpod("roles", command, "king", alice)

    assert ran.exit_code == 2
    assert ran.stderr.endswith("Error: Invalid value for '{admin|moderator|spotlight}': "
                               "'king' is not one of 'admin', 'moderator', 'spotlight'.\n")
    assert roles_in_database(sql, ini) == []


@pytest.mark.parametrize("command", ["add", "remove"])
def test_unknown_user_is_an_error(seedpod, ini, sql, command):
    ran = seedpod("roles", command, "admin", "nobody")

    assert ran.exit_code == 1
    assert ran.stderr == "Error: No user named 'nobody' on this pod.\n"
    assert roles_in_database(sql, ini) == []
