import sqlalchemy as sa

from core.accounts.models import User
from core.testing import sign_up


def count_users(pod):
    with pod.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(User))


def test_sign_up_signs_in_and_lands_on_getting_started(app):
    response = sign_up(app, "alice")
    assert response.status_int == 303
    assert response.location.endswith("/getting_started")
    stream = response.follow()
    assert "Sign out (alice)" in stream.text
    assert "alice@pod.test" in stream.text  # the welcome names the diaspora ID


def test_sign_up_gives_guid_key_pair_and_diaspora_id(app, pod):
    sign_up(app, "Bob_2")
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User))
        assert user.username == "bob_2"  # lowercased, as diaspora* does
        assert user.diaspora_id == "bob_2@pod.test"
        assert len(user.guid) >= 16
        assert user.password_hash.startswith("$argon2id$")
        assert "BEGIN RSA PRIVATE KEY" in user.private_key_pem
        assert "BEGIN PUBLIC KEY" in user.person.public_key_pem


def test_taken_username_is_refused_and_changes_nothing(new_browser, pod):
    first = new_browser()
    sign_up(first, "alice")
    other = new_browser()
    response = sign_up(other, "ALICE", email="someone@example.org")
    assert response.status_int == 422
    assert "The username 'alice' is taken" in response.text
    assert count_users(pod) == 1


def test_taken_email_is_refused(new_browser, pod):
    sign_up(new_browser(), "alice", email="a@example.org")
    response = sign_up(new_browser(), "alicia", email="A@example.org")
    assert response.status_int == 422
    assert "An account with this email address exists" in response.text
    assert count_users(pod) == 1


def test_bad_usernames_are_explained(app, pod):
    for name, message in [("", "Choose a username."), ("a" * 33, "at most 32 characters"),
                          ("al ice", "may only contain"), ("élise", "may only contain")]:
        response = sign_up(app, name)
        assert response.status_int == 422, name
        assert message in response.text, name
    assert count_users(pod) == 0


def test_weak_password_is_refused(app, pod):
    response = sign_up(app, "alice", password="short")
    assert response.status_int == 422
    assert "Passwords need at least 8 characters." in response.text
    response = sign_up(app, "alice", password="alice")
    assert response.status_int == 422
    response = sign_up(app, "carol", password="aaaaaaaaaa")
    assert "too easy to guess" in response.text
    assert count_users(pod) == 0


def test_password_confirmation_must_match(app, pod):
    page = app.get("/users/sign_up")
    form = page.forms["sign-up"]
    form["username"], form["email"] = "alice", "alice@example.org"
    form["password"], form["password_confirmation"] = "correct horse battery", "correct horse batter"
    response = form.submit(status=422)
    assert "The password and its confirmation differ." in response.text
    assert count_users(pod) == 0


def test_bad_csrf_token_changes_nothing(app, pod):
    response = app.post("/users/sign_up", {"username": "alice", "email": "a@example.org",
                                           "password": "correct horse battery", "csrf_token": "forged"}, status=400)
    assert "This form has expired or was not sent from this pod" in response.text
    assert count_users(pod) == 0


def test_closed_registrations(make_app):
    app = make_app(**{"settings.enable_registrations": "false"})
    pod = app.pod
    page = app.get("/users/sign_up")
    assert "not accepting new accounts" in page.text
    assert "sign-up" not in page.forms
    token = app.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    response = app.post("/users/sign_up", {"username": "alice", "email": "a@example.org",
                                           "password": "correct horse battery", "csrf_token": token}, status=403)
    assert "This pod is not accepting new accounts." in response.text
    assert count_users(pod) == 0


def test_sign_up_is_rate_limited_per_address(make_app):
    app = make_app(**{"rate_limits.sign_up_per_address": "2 per hour"})
    pod = app.pod
    sign_up(app, "one")
    app.reset()
    sign_up(app, "two")
    app.reset()
    response = sign_up(app, "three")
    assert response.status_int == 429
    assert "Too many sign-ups from your address" in response.text
    assert count_users(pod) == 2


def test_default_key_size_is_4096(settings):
    from core.settings import CORE_SETTINGS

    assert {s.name: s.default for s in CORE_SETTINGS}["accounts.rsa_key_size"] == 4096


def test_reserved_usernames_are_refused(make_app):
    app = make_app(**{"accounts.reserved_usernames": "admin support podmin"})
    for name in ("admin", "Support", "podmin"):
        response = sign_up(app, name)
        assert response.status_int == 422
        assert f"The username '{name.lower()}' is reserved; choose another." in response.text
    assert count_users(app.pod) == 0
    assert sign_up(app, "root").status_int == 303  # only what the podmin listed


def test_registrations_closed_by_the_setting(make_app):
    app = make_app(settings__registrations="closed")
    assert "/users/sign_up" not in app.get("/users/sign_in").text
    page = app.get("/users/sign_up")
    assert "not accepting new accounts" in page.text
    assert "sign-up" not in page.forms
    token = app.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    response = app.post("/users/sign_up", {"username": "alice", "email": "a@example.org", "note": "please",
                                           "password": "correct horse battery", "csrf_token": token}, status=403)
    assert "This pod is not accepting new accounts." in response.text
    assert count_users(app.pod) == 0


def test_registrations_needing_approval_make_a_request_not_an_account(make_app):
    from core.accounts.models import SignUpRequest

    app = make_app(settings__registrations="approval")
    # Visitors are still pointed at the form.
    assert "/users/sign_up" in app.get("/users/sign_in").text
    response = sign_up(app, "alice")
    assert response.status_int == 303 and response.location.endswith("/users/sign_in")
    assert "waiting for an administrator's approval" in response.follow().text
    assert count_users(app.pod) == 0
    with app.pod.session_factory() as session:
        assert session.scalars(sa.select(SignUpRequest.username)).all() == ["alice"]


def test_an_unknown_registrations_mode_refuses_to_start(make_pod):
    import pytest

    from core.pod import StartupError

    with pytest.raises(StartupError, match="choose one of: open, closed, approval"):
        make_pod(settings__registrations="sometimes")
