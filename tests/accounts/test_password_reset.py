import email
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.accounts.models import PasswordResetToken
from core.testing import sign_in, sign_up

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much better passphrase"


def mails(pod) -> list[email.message.Message]:
    folder = Path(pod.data_dir) / "mail"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*"))] if folder.exists() else []


def ask_for_reset(app, address):
    form = app.get("/users/password/new").forms[0]
    form["email"] = address
    return form.submit(status="*")


def reset_link(pod) -> str:
    (message,) = mails(pod)
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode()
    return re.search(r"http://pod\.test(/users/password/edit\?reset_password_token=\S+)", body).group(1)


@pytest.fixture
def alices_link(app, pod) -> str:
    """alice has an account, is signed out, and asked for a reset link."""
    sign_up(app, "alice")
    app.reset()
    ask_for_reset(app, "alice@example.org")
    pod.jobs.drain()
    return reset_link(pod)


def test_reset_by_mail_changes_the_password_and_ends_other_sign_ins(new_browser, pod):
    other_browser = new_browser()
    sign_up(other_browser, "alice")
    app = new_browser()
    response = ask_for_reset(app, "Alice@Example.org")
    assert "a mail with a link to choose a new password is on its way" in response.text
    assert mails(pod) == []  # sent by a job, only after the request committed
    pod.jobs.drain()
    (message,) = mails(pod)
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Reset your password on Seedpod"

    form = app.get(reset_link(pod)).forms[0]
    form["password"] = form["password_confirmation"] = NEW_PASSWORD
    assert form.submit().location.endswith("/stream")
    assert other_browser.get("/stream").status_int == 302  # signed out there
    app.reset()
    assert sign_in(app, "alice", PASSWORD).status_int == 401
    assert sign_in(app, "alice", NEW_PASSWORD).status_int == 303


def test_a_reset_link_works_once(app, alices_link):
    link = alices_link
    form = app.get(link).forms[0]
    form["password"] = form["password_confirmation"] = NEW_PASSWORD
    form.submit()
    app.reset()
    response = app.get(link, status=400)
    assert "not valid or was already used" in response.text


def test_bad_and_expired_tokens_are_explained_and_change_nothing(app, pod, alices_link):
    import datetime as dt

    response = app.get("/users/password/edit", {"reset_password_token": "made-up"}, status=400)
    assert "This password-reset link is not valid" in response.text

    link = alices_link
    with pod.engine.begin() as conn:
        conn.execute(sa.update(PasswordResetToken).values(
            expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    assert "has expired" in app.get(link, status=400).text
    token = app.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    response = app.post("/users/password/edit", {"reset_password_token": link.split("=", 1)[1], "csrf_token": token,
                                                 "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
                        status=400)
    assert "has expired" in response.text
    assert sign_in(app, "alice", PASSWORD).status_int == 303


def test_weak_new_password_keeps_the_link_usable(app, alices_link):
    link = alices_link
    form = app.get(link).forms[0]
    form["password"] = form["password_confirmation"] = "short"
    assert "Passwords need at least 8 characters." in form.submit(status=422).text
    form = app.get(link).forms[0]
    form["password"], form["password_confirmation"] = NEW_PASSWORD, NEW_PASSWORD + "!"
    assert "differ" in form.submit(status=422).text
    assert app.get(link).status_int == 200


def test_unknown_address_gets_the_same_answer_and_no_mail(app, pod):
    response = ask_for_reset(app, "nobody@example.org")
    assert "is on its way" in response.text
    pod.jobs.drain()
    assert mails(pod) == []
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0


def test_malformed_address_is_explained(app):
    response = ask_for_reset(app, "not-an-address")
    assert response.status_int == 422
    assert "Enter a valid email address" in response.text
