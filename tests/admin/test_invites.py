"""Invite links: made at /admin/invites, shown once, used once, for 14 days, revocable."""
from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from core.accounts.models import Invite, SignUpRequest, User
from core.admin import registrations
from core.db import utcnow
from core.testing import PASSWORD, sign_in


@pytest.fixture
def settings(settings):
    settings["settings.registrations"] = "closed"
    return settings


def make_invite(admin) -> str:
    """Press "Make an invite link"; returns the link shown."""
    page = admin.get("/admin/invites")
    response = page.forms["make-invite"].submit()
    return response.html.select_one("[data-testid=invite-link]").text.strip()


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["invite"][0]


def use(browser, link, username="newbie", email=None):
    page = browser.get(urlsplit(link).path + "?" + urlsplit(link).query)
    form = page.forms["sign-up"]
    form["username"] = username
    form["email"] = email or f"{username}@example.org"
    form["password"] = PASSWORD
    form["password_confirmation"] = PASSWORD
    return form.submit(status="*")


def invites(pod):
    with pod.session_factory() as session:
        return list(session.scalars(sa.select(Invite).order_by(Invite.id)))


def user_names(pod):
    with pod.session_factory() as session:
        return set(session.scalars(sa.select(User.username)))


def test_role_checks(member, pod):
    admin = member("boss", "admin")
    assert admin.get("/admin/invites").status_int == 200
    for browser in (member("mod", "moderator"), member("user")):
        browser.get("/admin/invites", status=403)
        token = browser.get("/user/edit").forms[0]["csrf_token"].value
        browser.post("/admin/invites", {"csrf_token": token}, status=403)
    assert invites(pod) == []
    assert "/users/sign_in?next=" in member(None).get("/admin/invites", status=302).location


def test_a_link_is_shown_once_and_only_its_hash_kept(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    assert link.startswith("http://pod.test/users/sign_up?invite=")
    token = token_of(link)
    assert len(token) >= 40
    [invite] = invites(pod)
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert dt.timedelta(days=13, hours=23) < invite.expires_at - invite.created_at <= dt.timedelta(days=14)
    listing = admin.get("/admin/invites")
    assert token not in listing.text
    assert "valid until" in listing.html.select_one(f"[data-testid=invite-{invite.id}]").text
    # Each link is different.
    assert token_of(make_invite(admin)) != token


def test_an_invite_opens_a_closed_pod_once(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    visitor = member(None)
    closed = visitor.get("/users/sign_up")
    assert "sign-up" not in closed.forms
    page = visitor.get(link.replace("http://pod.test", ""))
    assert "You were invited" in page.text
    response = use(visitor, link)
    assert response.status_int == 303 and response.location.endswith("/getting_started")
    assert "Sign out (newbie)" in response.follow().text
    [invite] = invites(pod)
    assert invite.used_at is not None
    with pod.session_factory() as session:
        newbie = session.scalar(sa.select(User).where(User.username == "newbie"))
        assert invite.used_by_id == newbie.id
        assert len(newbie.aspects) == 4
    row = admin.get("/admin/invites").html.select_one(f"[data-testid=invite-{invite.id}]")
    assert "used" in row.text and "newbie" in row.text
    # Used: the link is refused, with a message, and makes no account.
    again = member(None)
    refused = again.get(link.replace("http://pod.test", ""), status=410)
    assert "already used" in refused.html.select_one("[data-testid=invite-error]").text
    assert "sign-up" not in refused.forms
    token = again.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    response = again.post("/users/sign_up", {"csrf_token": token, "invite": token_of(link), "username": "second",
                                             "email": "second@example.org", "password": PASSWORD,
                                             "password_confirmation": PASSWORD}, status=410)
    assert "already used" in response.text
    assert user_names(pod) == {"boss", "newbie"}


def test_an_invite_skips_approval(make_app):
    from tests.admin.test_settings import admin_on

    app = make_app(settings__registrations="approval")
    link = make_invite(admin_on(app))
    app.reset()
    page = app.get(link.replace("http://pod.test", ""))
    assert "Why would you like to join?" not in page.text
    response = use(app, link)
    assert response.status_int == 303 and response.location.endswith("/getting_started")
    assert "newbie" in user_names(app.pod)
    with app.pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SignUpRequest)) == 0


def test_an_expired_invite_is_refused(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    with pod.session_factory() as session:
        session.execute(sa.update(Invite).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
        session.commit()
    visitor = member(None)
    page = visitor.get(link.replace("http://pod.test", ""), status=410)
    assert "has expired" in page.text
    token = visitor.get("/users/sign_in").forms["sign-in"]["csrf_token"].value
    visitor.post("/users/sign_up", {"csrf_token": token, "invite": token_of(link), "username": "late",
                                    "email": "late@example.org", "password": PASSWORD,
                                    "password_confirmation": PASSWORD}, status=410)
    assert user_names(pod) == {"boss"}
    assert "expired" in admin.get("/admin/invites").html.select_one("[data-testid=invites]").text


def test_a_revoked_invite_is_refused(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    visitor = member(None)
    form = visitor.get(link.replace("http://pod.test", "")).forms["sign-up"]
    [invite] = invites(pod)
    page = admin.get("/admin/invites")
    revoke = next(f for f in page.forms.values() if f.action.endswith(f"/invites/{invite.id}/revoke"))
    assert "link no longer works" in revoke.submit().follow().text
    assert invites(pod) == []
    # The form was open before the revocation: sending it now is refused.
    form["username"], form["email"] = "late", "late@example.org"
    form["password"] = form["password_confirmation"] = PASSWORD
    response = form.submit(status=410)
    assert "not valid" in response.text
    assert user_names(pod) == {"boss"}


def test_unknown_and_junk_invites_are_refused(member, pod):
    visitor = member(None)
    for junk in ("nope", "x" * 500, "é", "%00"):
        page = visitor.get("/users/sign_up", {"invite": junk} if junk != "%00" else {"invite": "a b"}, status=410)
        assert "not valid" in page.html.select_one("[data-testid=invite-error]").text
        assert "sign-up" not in page.forms
    assert user_names(pod) == set()


def test_a_used_invite_cannot_be_revoked_and_junk_ids_change_nothing(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    use(member(None), link)
    [invite] = invites(pod)
    token = admin.get("/admin/invites").forms[0]["csrf_token"].value
    told = admin.post(f"/admin/invites/{invite.id}/revoke", {"csrf_token": token}, status=303).follow().text
    assert "already used" in told
    for junk in ("abc", "99999999999999999999999", "424242", "-3"):
        told = admin.post(f"/admin/invites/{junk}/revoke", {"csrf_token": token}, status=303).follow().text
        assert "does not exist" in told
    assert len(invites(pod)) == 1


def test_an_invite_still_checks_the_username(member, pod):
    admin = member("boss", "admin")
    link = make_invite(admin)
    response = use(member(None), link, username="boss", email="other@example.org")
    assert response.status_int == 422 and "taken" in response.text
    # A refused form leaves the invite unused, and the form keeps it.
    [invite] = invites(pod)
    assert invite.used_at is None
    assert response.forms["sign-up"]["invite"].value == token_of(link)


def test_two_sign_ups_with_one_invite_make_one_account(pod, dbsession):
    made = registrations.create_invite(dbsession, None)
    dbsession.commit()
    registrations.sign_up_with_invite(dbsession, pod, made.token, "first", "first@example.org", PASSWORD)
    dbsession.commit()
    with pytest.raises(registrations.RegistrationError, match="already used"):
        registrations.sign_up_with_invite(dbsession, pod, made.token, "second", "second@example.org", PASSWORD)
    dbsession.rollback()
    assert user_names(pod) == {"first"}


def test_the_invited_person_signs_in_later(member, pod):
    link = make_invite(member("boss", "admin"))
    use(member(None), link)
    assert sign_in(member(None), "newbie", PASSWORD).status_int == 303
