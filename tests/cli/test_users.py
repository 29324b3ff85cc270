"""`seedpod user create|list|lock|unlock`: accounts without a Python console."""
from __future__ import annotations

import pytest

from core.testing import sign_in

PASSWORD = "correct horse battery"


def users(sql, ini) -> list[tuple]:
    return sql(ini, "SELECT u.username, u.email, p.diaspora_id FROM users u JOIN people p ON p.user_id = u.id "
                    "ORDER BY u.username")


def test_create_with_password_makes_an_account_that_signs_in(seedpod, ini, sql, restart):
    ran = seedpod("user", "create", "Alice", "--email", "Alice@Example.org", "--password", PASSWORD)

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "created alice@pod.test\n"
    assert users(sql, ini) == [("alice", "alice@example.org", "alice@pod.test")]
    [(password_hash, private_key)] = sql(ini, "SELECT password_hash, private_key_pem FROM users")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert "BEGIN RSA PRIVATE KEY" in private_key

    app = restart(ini)
    response = sign_in(app, "alice", PASSWORD)
    assert response.status_int == 303
    assert response.location.endswith("/stream")
    assert "Sign out (alice)" in response.follow().text


def test_create_reads_the_password_from_stdin(seedpod, ini, sql, restart):
    ran = seedpod("user", "create", "bob", "--email", "bob@example.org", "--password-stdin", input=PASSWORD + "\n")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "created bob@pod.test\n"
    assert PASSWORD not in ran.output
    assert sign_in(restart(ini), "bob@example.org", PASSWORD).status_int == 303


def test_create_works_with_registrations_closed(run_in, make_ini, database_url):
    ini = make_ini(database__url=database_url, settings__enable_registrations="false")

    ran = run_in(ini, "user", "create", "carol", "--email", "carol@example.org", "--password", PASSWORD)

    assert ran.exit_code == 0, ran.output


@pytest.mark.parametrize("options", [[], ["--password", PASSWORD, "--password-stdin"]], ids=["neither", "both"])
def test_exactly_one_password_option_is_required(seedpod, ini, count, options):
    ran = seedpod("user", "create", "alice", "--email", "alice@example.org", *options, input=PASSWORD + "\n")

    assert ran.exit_code == 2  # a usage error
    assert ran.stderr.startswith("Usage: seedpod user create [OPTIONS] NAME\n")
    assert ran.stderr.endswith("Error: give exactly one of --password or --password-stdin\n")
    assert count(ini, "users") == 0


def test_email_is_required(seedpod, ini, count):
    ran = seedpod("user", "create", "alice", "--password", PASSWORD)

    assert ran.exit_code == 2
    assert "Error: Missing option '--email'." in ran.stderr
    assert count(ini, "users") == 0


@pytest.mark.parametrize("name, email, password, message", [
    ("ALICE", "other@example.org", PASSWORD, "The username 'alice' is taken; choose another."),
    ("alicia", "alice@example.org", PASSWORD,
     "An account with this email address exists; sign in or reset its password."),
    ("bob", "not-an-email", PASSWORD, "Enter a valid email address, like name@example.org."),
    ("bob", "bob@example.org", "short", "Passwords need at least 8 characters."),
    ("bob", "bob@example.org", "aaaaaaaaaaaa", "That password is too easy to guess; mix more different characters."),
    ("bob", "bob@example.org", "bob@example.org", "Your password can't be your username or email address."),
    ("b o b", "bob@example.org", PASSWORD, "Usernames may only contain letters a-z, digits, '_', '.' and '-'."),
    ("b" * 33, "bob@example.org", PASSWORD, "Usernames are at most 32 characters long."),
], ids=["taken username", "taken email", "bad email", "short password", "weak password", "password is email",
        "bad username", "long username"])
def test_bad_input_is_refused_with_the_services_message_and_writes_nothing(seedpod, ini, sql, count,
                                                                           name, email, password, message):
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", PASSWORD).exit_code == 0
    before = users(sql, ini)

    ran = seedpod("user", "create", name, "--email", email, "--password", password)

    assert ran.exit_code == 1
    assert ran.stdout == ""
    assert ran.stderr == f"Error: {message}\n"
    assert users(sql, ini) == before
    assert count(ini, "people") == 1


def test_list_shows_every_account_with_roles_and_state(seedpod):
    assert seedpod("user", "list").stdout == ""
    for name in ("zoe", "alice"):
        assert seedpod("user", "create", name, "--email", f"{name}@example.org", "--password", PASSWORD).exit_code == 0
    assert seedpod("roles", "add", "admin", "zoe").exit_code == 0
    assert seedpod("roles", "add", "spotlight", "zoe").exit_code == 0
    assert seedpod("user", "lock", "alice").exit_code == 0

    ran = seedpod("user", "list")

    assert ran.exit_code == 0, ran.output
    assert ran.lines == [
        "alice\talice@example.org\talice@pod.test\t-\tlocked",
        "zoe\tzoe@example.org\tzoe@pod.test\tadmin,spotlight\tactive",
    ]


def test_lock_stops_sign_in_and_ends_sessions_and_unlock_restores_it(seedpod, ini, restart, count):
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", PASSWORD).exit_code == 0
    browser = restart(ini)
    assert sign_in(browser, "alice", PASSWORD).status_int == 303
    assert browser.get("/stream").status_int == 200
    assert count(ini, "user_sessions") == 1

    ran = seedpod("user", "lock", "alice")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "alice locked\n"
    assert count(ini, "user_sessions") == 0
    signed_out = browser.get("/stream")  # the browser that was signed in is signed out
    assert signed_out.status_int == 302
    assert "/users/sign_in" in signed_out.location
    stranger = restart(ini)
    refused = sign_in(stranger, "alice", PASSWORD)
    assert refused.status_int == 401
    assert "This account is locked. Contact the pod&#39;s administrator." in refused.text \
        or "This account is locked. Contact the pod's administrator." in refused.text
    assert count(ini, "user_sessions") == 0

    ran = seedpod("user", "unlock", "alice")

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "alice unlocked\n"
    welcomed = sign_in(restart(ini), "alice", PASSWORD)
    assert welcomed.status_int == 303
    assert welcomed.location.endswith("/stream")


def test_lock_and_unlock_name_an_unknown_user(seedpod):
    for action in ("lock", "unlock"):
        ran = seedpod("user", action, "nobody")

        assert ran.exit_code == 1
        assert ran.stderr == "Error: No user named 'nobody' on this pod.\n"


def test_a_wrong_password_is_still_wrong_on_a_locked_account(seedpod, ini, restart):
    """Locking tells only someone who knows the password that the account is locked."""
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", PASSWORD).exit_code == 0
    assert seedpod("user", "lock", "alice").exit_code == 0

    refused = sign_in(restart(ini), "alice", "not the password")

    assert refused.status_int == 401
    assert "Wrong username or password." in refused.text
    assert "locked" not in refused.text


def test_a_podmin_may_create_a_reserved_username(seedpod):
    ran = seedpod("user", "create", "admin", "--email", "admin@example.org", "--password", "correct horse battery")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.startswith("created admin@")
