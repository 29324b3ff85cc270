import datetime as dt
import email
import re
from pathlib import Path

import sqlalchemy as sa

from core.accounts.models import EmailChange, User, UserSession
from core.testing import sign_in, sign_up

PASSWORD = "correct horse battery"


def settings_form(app, action):
    page = app.get("/user/edit")
    return next(f for f in page.forms.values() if f.action.endswith(action))


def test_settings_need_sign_in(app):
    response = app.get("/user/edit")
    assert response.status_int == 302
    assert "/users/sign_in" in response.location


def mail_to(pod, address: str) -> str:
    """The body of the only mail written to ``address``."""
    folder = Path(pod.data_dir) / "mail"
    found = [m for m in (email.message_from_bytes(p.read_bytes()) for p in folder.glob("*")) if m["To"] == address]
    assert len(found) == 1, f"{len(found)} mails to {address}"
    return found[0].get_payload(decode=True).decode()


def ask_for_new_email(app, address: str, password: str = PASSWORD):
    form = settings_form(app, "/user/email")
    form["email"], form["current_password"] = address, password
    return form.submit(status="*")


def current_email(pod) -> str:
    with pod.engine.connect() as conn:
        return conn.scalar(sa.select(User.email))


def test_a_new_email_address_counts_once_it_is_confirmed(app, pod):
    sign_up(app, "alice")
    response = ask_for_new_email(app, "New@Example.org")
    assert response.status_int == 303
    page = response.follow()
    assert "We sent a confirmation link to new@example.org" in page.text
    assert "Waiting for <strong>new@example.org</strong> to be" in page.text
    assert current_email(pod) == "alice@example.org"  # nothing changes before the confirmation

    pod.jobs.drain()
    warning = mail_to(pod, "alice@example.org")
    assert "asked to change its email address to new@example.org" in warning
    link = re.search(r"http://pod\.test(/user/confirm_email\?token=\S+)", mail_to(pod, "new@example.org")).group(1)
    confirmed = app.get(link)
    assert confirmed.location.endswith("/user/edit")
    assert "Your email address is now new@example.org." in confirmed.follow().text
    assert current_email(pod) == "new@example.org"
    assert "not valid or was already used" in app.get(link, status=400).text


def test_change_email_needs_the_current_password(app, pod):
    sign_up(app, "alice")
    assert "Your current password is wrong." in ask_for_new_email(app, "new@example.org", "wrong").text
    assert "That is already your email address." in ask_for_new_email(app, "ALICE@example.org").text
    assert "Enter a valid email address" in ask_for_new_email(app, "nonsense").text
    pod.jobs.drain()
    assert not (Path(pod.data_dir) / "mail").exists()
    assert current_email(pod) == "alice@example.org"


def test_change_email_refuses_one_in_use(new_browser, pod):
    sign_up(new_browser(), "bob", email="bob@example.org")
    app = new_browser()
    sign_up(app, "alice")
    response = ask_for_new_email(app, "bob@example.org")
    assert response.status_int == 422
    assert "Another account uses this email address." in response.text


def test_an_address_taken_before_confirmation_is_refused_then(new_browser, pod):
    app = new_browser()
    sign_up(app, "alice")
    ask_for_new_email(app, "shared@example.org")
    pod.jobs.drain()
    link = re.search(r"(/user/confirm_email\?token=\S+)", mail_to(pod, "shared@example.org")).group(1)
    sign_up(new_browser(), "bob", email="shared@example.org")
    response = app.get(link, status=400)
    assert "Another account uses this email address." in response.text
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(User.email).where(User.username == "alice")) == "alice@example.org"


def test_only_the_newest_request_can_be_confirmed_and_links_expire(app, pod):
    sign_up(app, "alice")
    ask_for_new_email(app, "first@example.org")
    ask_for_new_email(app, "second@example.org")
    pod.jobs.drain()
    first = re.search(r"(/user/confirm_email\?token=\S+)", mail_to(pod, "first@example.org")).group(1)
    second = re.search(r"(/user/confirm_email\?token=\S+)", mail_to(pod, "second@example.org")).group(1)
    assert "not valid or was already used" in app.get(first, status=400).text
    with pod.engine.begin() as conn:
        conn.execute(sa.update(EmailChange).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(1)))
    assert "has expired" in app.get(second, status=400).text
    assert current_email(pod) == "alice@example.org"


def test_change_password_signs_out_other_sessions_only(new_browser, pod):
    laptop, phone = new_browser(), new_browser()
    sign_up(laptop, "alice")
    sign_in(phone, "alice", PASSWORD)
    form = settings_form(laptop, "/user/password")
    form["current_password"] = PASSWORD
    form["password"] = form["password_confirmation"] = "another good passphrase"
    assert form.submit().status_int == 303
    assert laptop.get("/stream").status_int == 200
    assert phone.get("/stream").status_int == 302
    phone.reset()
    assert sign_in(phone, "alice", "another good passphrase").status_int == 303


def test_change_password_errors_change_nothing(app, pod):
    sign_up(app, "alice")
    with pod.engine.connect() as conn:
        before = conn.scalar(sa.select(User.password_hash))
    for current, new, confirmation, message in [
        ("wrong", "another good passphrase", "another good passphrase", "Your current password is wrong."),
        (PASSWORD, "another good passphrase", "another", "differ"),
        (PASSWORD, "short", "short", "at least 8 characters"),
    ]:
        form = settings_form(app, "/user/password")
        form["current_password"], form["password"], form["password_confirmation"] = current, new, confirmation
        assert message in form.submit(status=422).text
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(User.password_hash)) == before


def test_sign_out_everywhere(new_browser, pod):
    laptop, phone = new_browser(), new_browser()
    sign_up(laptop, "alice")
    sign_in(phone, "alice", PASSWORD)
    page = laptop.get("/user/edit")
    assert page.text.count("(this browser)") == 1
    settings_form(laptop, "/user/sessions/revoke").submit()
    assert laptop.get("/stream").status_int == 302
    assert phone.get("/stream").status_int == 302
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
