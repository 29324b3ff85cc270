import sqlalchemy as sa

from core.accounts.models import User, UserSession
from core.testing import sign_in, sign_up

PASSWORD = "correct horse battery"


def session_count(pod):
    with pod.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(UserSession))


def test_sign_out_then_sign_in_by_username_or_email(app, pod):
    sign_up(app, "alice")
    stream = app.get("/stream")
    response = stream.forms[0].submit()  # the header's sign-out form
    assert response.status_int == 303
    assert app.get("/stream").status_int == 302  # signed out: sent to sign in
    assert session_count(pod) == 0
    assert sign_in(app, "alice", PASSWORD).location.endswith("/stream")
    app.reset()
    assert sign_in(app, "ALICE@example.org", PASSWORD).location.endswith("/stream")
    assert "Sign out (alice)" in app.get("/stream").text


def test_stream_asks_anonymous_visitors_to_sign_in_and_returns_there(app):
    sign_up(app, "alice")
    app.reset()
    response = app.get("/stream")
    assert response.status_int == 302
    assert "/users/sign_in?next=%2Fstream" in response.location
    form = response.follow().forms["sign-in"]
    form["login"], form["password"] = "alice", PASSWORD
    assert form.submit().location.endswith("/stream")


def test_next_never_leaves_the_pod(app):
    sign_up(app, "alice")
    app.reset()
    page = app.get("/users/sign_in", {"next": "//evil.example/steal"})
    form = page.forms["sign-in"]
    form["login"], form["password"] = "alice", PASSWORD
    assert form.submit().location == "http://localhost/stream"


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(app, pod):
    sign_up(app, "alice")
    app.reset()
    for login in ("alice", "nobody"):
        response = sign_in(app, login, "wrong password")
        assert response.status_int == 401
        assert "Wrong username or password." in response.text
    assert session_count(pod) == 1  # only the sign-up's


def test_five_wrong_passwords_lock_the_account_for_a_while(app, pod):
    sign_up(app, "alice")
    app.reset()
    for login in ("alice", "alice@example.org", "alice", "ALICE", "alice@example.org"):
        assert sign_in(app, login, "wrong password").status_int == 401
    response = sign_in(app, "alice", PASSWORD)  # even the right password waits now
    assert response.status_int == 429
    assert "Too many failed sign-ins for this account. Try again in" in response.text
    assert session_count(pod) == 1
    with pod.engine.connect() as conn:
        assert conn.scalar(sa.select(User.last_sign_in_at)) is None


def test_failed_sign_ins_are_limited_per_address_too(make_app):
    app = make_app(**{"rate_limits.sign_in_per_address": "3 per 15 minutes"})
    for name in ("a1", "a2", "a3"):
        assert sign_in(app, name, "wrong password").status_int == 401
    response = sign_in(app, "a4", "wrong password")
    assert response.status_int == 429
    assert "Too many failed sign-ins for your address" in response.text


def test_locked_account_cannot_sign_in_and_loses_its_sessions(app, pod):
    from core.accounts.services import AccountService

    sign_up(app, "alice")
    with pod.session_factory() as session:
        AccountService(session, pod).set_locked("alice", True)
        session.commit()
    assert app.get("/stream").status_int == 302  # the open session no longer works
    response = sign_in(app, "alice", PASSWORD)
    assert response.status_int == 401
    assert "This account is locked." in response.text


def test_sign_in_form_needs_a_valid_csrf_token(app, pod):
    sign_up(app, "alice")
    app.reset()
    response = app.post("/users/sign_in", {"login": "alice", "password": PASSWORD}, status=400)
    assert "nothing was changed" in response.text
    assert session_count(pod) == 1


def test_session_cookie_is_httponly_and_same_site(app):
    response = sign_up(app, "alice")
    cookie = [v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("seedpod_signin=")][0]
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()


def test_unused_sessions_expire_and_are_pruned(app, pod):
    import datetime as dt

    from core.accounts.jobs import prune_expired_sign_ins

    sign_up(app, "alice")
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31)
    with pod.engine.begin() as conn:
        conn.execute(sa.update(UserSession).values(last_seen_at=long_ago))
    assert app.get("/stream").status_int == 302  # too old to count, even before the sweep
    pod.jobs.send(prune_expired_sign_ins)
    pod.jobs.drain()
    assert session_count(pod) == 0
