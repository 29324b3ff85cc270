import sqlalchemy as sa

from core.accounts.models import User, UserSession
from core.testing import sign_in, sign_up

PASSWORD = "correct horse battery"


def settings_form(app, action):
    page = app.get("/user/edit")
    return next(f for f in page.forms.values() if f.action.endswith(action))


def test_settings_need_sign_in(app):
    response = app.get("/user/edit")
    assert response.status_int == 302
    assert "/users/sign_in" in response.location


def test_change_email_needs_the_current_password(app, pod):
    sign_up(app, "alice")
    form = settings_form(app, "/user/email")
    form["email"], form["current_password"] = "new@example.org", "wrong"
    assert "Your current password is wrong." in form.submit(status=422).text
    form = settings_form(app, "/user/email")
    form["email"], form["current_password"] = "New@Example.org", PASSWORD
    assert form.submit().status_int == 303
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(User.email)) == "new@example.org"


def test_change_email_refuses_one_in_use(new_browser, pod):
    sign_up(new_browser(), "bob", email="bob@example.org")
    app = new_browser()
    sign_up(app, "alice")
    form = settings_form(app, "/user/email")
    form["email"], form["current_password"] = "bob@example.org", PASSWORD
    assert "Another account uses this email address." in form.submit(status=422).text


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
