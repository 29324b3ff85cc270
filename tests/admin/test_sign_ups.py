"""Registrations needing approval: the request, the admins' mail, the queue, approve and reject."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.models import SignUpRequest, User
from core.accounts.services import AccountError, AccountService
from core.aspects.models import DEFAULT_ASPECTS
from core.db import utcnow
from core.testing import PASSWORD, sign_in, sign_up
from tests.notifications.helpers import body, mails


@pytest.fixture
def settings(settings):
    settings["settings.registrations"] = "approval"
    return settings


def ask(browser, username="alice", note="I garden and want to talk about it.", email=None, password=PASSWORD):
    page = browser.get("/users/sign_up")
    form = page.forms["sign-up"]
    form["username"] = username
    form["email"] = email or f"{username}@example.org"
    form["password"] = password
    form["password_confirmation"] = password
    form["note"] = note
    return form.submit(status="*")


def waiting(pod):
    with pod.session_factory() as session:
        return {r.username: (r.email, r.note, r.password_hash, r.id) for r in session.scalars(sa.select(SignUpRequest))}


def user_names(pod):
    with pod.session_factory() as session:
        return set(session.scalars(sa.select(User.username)))


def decide(admin, username, decision):
    """Press the approve or reject button of ``username``'s row."""
    request_id = waiting(admin.pod)[username][3]
    page = admin.get("/admin/sign_ups")
    form = next(f for f in page.forms.values() if f.action.endswith(f"/sign_ups/{request_id}/{decision}"))
    return form.submit()


def test_role_checks(member, pod):
    admin = member("boss", "admin")
    assert admin.get("/admin/sign_ups").status_int == 200
    ask(member(None))
    request_id = waiting(pod)["alice"][3]
    for browser in (member("mod", "moderator"), member("user")):
        browser.get("/admin/sign_ups", status=403)
        token = browser.get("/user/edit").forms[0]["csrf_token"].value
        browser.post(f"/admin/sign_ups/{request_id}/approve", {"csrf_token": token}, status=403)
    assert "/users/sign_in?next=" in member(None).get("/admin/sign_ups", status=302).location
    visitor = member(None)
    token = visitor.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    visitor.post(f"/admin/sign_ups/{request_id}/approve", {"csrf_token": token}, status=302)
    assert "alice" in waiting(pod)
    assert "alice" not in user_names(pod)


def test_a_request_is_approved_and_the_person_signs_in(member, pod):
    admin = member("boss", "admin")
    member("helper", "admin")
    visitor = member(None)
    page = visitor.get("/users/sign_up")
    assert "approves each new account" in page.text
    assert "Why would you like to join?" in page.text
    response = ask(visitor, note="  I grow tomatoes.  ")
    assert response.status_int == 303
    assert "waiting for an administrator's approval" in response.follow().text
    assert waiting(pod)["alice"][:2] == ("alice@example.org", "I grow tomatoes.")
    assert waiting(pod)["alice"][2].startswith("$argon2id$")
    assert "alice" not in user_names(pod)
    # Not an account yet: signing in fails.
    assert sign_in(member(None), "alice", PASSWORD).status_int == 401

    pod.jobs.drain()
    to_admins = [m for m in mails(pod) if "approval" in m["Subject"]]
    assert sorted(m["To"] for m in to_admins) == ["boss@example.org", "helper@example.org"]
    text = body(to_admins[0])
    assert "alice (alice@example.org) asks to join" in text
    assert "I grow tomatoes." in text
    assert "http://pod.test/admin/sign_ups" in text

    queue = admin.get("/admin/sign_ups")
    row = queue.html.select_one("[data-testid=sign-up-alice]")
    assert "alice@example.org" in row.text and "I grow tomatoes." in row.text
    response = decide(admin, "alice", "approve")
    assert response.status_int == 303
    assert "Approved alice" in response.follow().text
    assert waiting(pod) == {}
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == "alice"))
        assert user.email == "alice@example.org"
        assert user.diaspora_id == "alice@pod.test"
        assert "BEGIN RSA PRIVATE KEY" in user.private_key_pem
        assert len(user.person.guid) >= 16
        assert [a.name for a in sorted(user.aspects, key=lambda a: a.position)] == list(DEFAULT_ASPECTS)

    pod.jobs.drain()
    welcome = [m for m in mails(pod) if m["To"] == "alice@example.org"]
    assert len(welcome) == 1
    assert "was approved" in body(welcome[0]) and "http://pod.test/users/sign_in" in body(welcome[0])
    # The password chosen when asking is the one that works.
    person = member(None)
    signed_in = sign_in(person, "alice", PASSWORD)
    assert signed_in.status_int == 303
    assert "Sign out (alice)" in person.get("/stream").text


def test_a_rejected_request_is_deleted_and_the_person_told(member, pod):
    admin = member("boss", "admin")
    ask(member(None), "mallory", note="")
    response = decide(admin, "mallory", "reject")
    assert "Rejected mallory" in response.follow().text
    assert waiting(pod) == {}
    assert "mallory" not in user_names(pod)
    pod.jobs.drain()
    told = [m for m in mails(pod) if m["To"] == "mallory@example.org"]
    assert len(told) == 1 and "was not accepted" in body(told[0])
    assert "They left no note." in body(next(m for m in mails(pod) if m["To"] == "boss@example.org"))
    assert sign_in(member(None), "mallory", PASSWORD).status_int == 401
    # The username and the address are free again.
    assert ask(member(None), "mallory").status_int == 303
    assert "mallory" in waiting(pod)


def test_a_pending_username_or_email_cannot_be_taken(member, pod):
    ask(member(None), "alice")
    response = ask(member(None), "ALICE", email="other@example.org")
    assert response.status_int == 422 and "The username 'alice' is taken" in response.text
    response = ask(member(None), "alicia", email="Alice@example.org")
    assert response.status_int == 422 and "waiting for approval" in response.text
    # Not even from the command line's service.
    with pod.session_factory() as session:
        with pytest.raises(AccountError, match="taken"):
            AccountService(session, pod).sign_up("alice", "new@example.org", PASSWORD, allow_reserved=True)
    assert set(waiting(pod)) == {"alice"}
    assert user_names(pod) == set()


def test_a_taken_username_is_refused_at_asking(member, pod):
    member("alice")
    response = ask(member(None), "alice", email="second@example.org")
    assert response.status_int == 422
    assert waiting(pod) == {}


def test_a_note_too_long_or_a_weak_password_stores_nothing(member, pod):
    response = ask(member(None), note="n" * 501)
    assert response.status_int == 422 and "at most 500 characters" in response.text
    response = ask(member(None), password="short")
    assert response.status_int == 422 and "at least 8 characters" in response.text
    assert waiting(pod) == {}
    pod.jobs.drain()
    assert mails(pod) == []


def test_junk_ids_and_decisions_change_nothing(member, pod):
    admin = member("boss", "admin")
    ask(member(None))
    request_id = waiting(pod)["alice"][3]
    token = admin.get("/admin/sign_ups").forms[0]["csrf_token"].value
    for path in ("/admin/sign_ups/abc/approve", "/admin/sign_ups/99999999999999999999999/approve",
                 "/admin/sign_ups/123456/reject", f"/admin/sign_ups/{request_id}/explode",
                 "/admin/sign_ups/-1/approve"):
        told = admin.post(path, {"csrf_token": token}, status=303).follow().text
        assert "Choose approve or reject." in told or "does not exist or was already decided" in told, path
    assert "alice" in waiting(pod)
    assert "alice" not in user_names(pod)
    admin.post(f"/admin/sign_ups/{request_id}/approve", {"csrf_token": token}, status=303)
    again = admin.post(f"/admin/sign_ups/{request_id}/reject", {"csrf_token": token}, status=303)
    assert "already decided" in again.follow().text
    assert "alice" in user_names(pod)


def test_the_queue_is_oldest_first_and_paged(member, pod):
    admin = member("boss", "admin")
    with pod.session_factory() as session:
        for number in range(55):
            session.add(SignUpRequest(username=f"u{number:02}", email=f"u{number:02}@example.org",
                                      password_hash="x", note="", created_at=utcnow()))
        session.commit()
    page = admin.get("/admin/sign_ups")
    rows = page.html.select("[data-testid^=sign-up-]")
    assert [r["data-testid"] for r in rows][:2] == ["sign-up-u00", "sign-up-u01"]
    assert len(rows) == 50
    assert "55 waiting" in page.text
    later = page.click("Later requests")
    assert [r["data-testid"] for r in later.html.select("[data-testid^=sign-up-]")] == [
        f"sign-up-u{n}" for n in range(50, 55)]


def test_open_pods_say_the_queue_is_unused(make_app):
    from tests.admin.test_settings import admin_on

    app = admin_on(make_app(settings__registrations="open"))
    assert "Registrations are" in app.get("/admin/sign_ups").html.select_one("[data-testid=mode-notice]").text


def test_an_open_sign_up_needs_no_approval(make_app):
    app = make_app(settings__registrations="open")
    response = sign_up(app, "bob")
    assert response.status_int == 303 and response.location.endswith("/getting_started")
    assert waiting(app.pod) == {}
    assert "bob" in user_names(app.pod)
