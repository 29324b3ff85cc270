"""/admin/settings: name, description, registrations and statistics, applied on the next request."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.services import AccountService
from core.admin.models import SiteSetting
from core.testing import PASSWORD, sign_in


def stored(pod):
    with pod.session_factory() as session:
        return dict(session.execute(sa.select(SiteSetting.name, SiteSetting.value)).all())


def admin_on(app):
    """Make an admin on ``app``'s pod and sign ``app`` in as them."""
    with app.pod.session_factory() as session:
        service = AccountService(session, app.pod)
        service.sign_up("boss", "boss@example.org", PASSWORD)
        service.add_role("admin", "boss")
        session.commit()
    assert sign_in(app, "boss", PASSWORD).status_int == 303
    return app


def settings_form(browser):
    return browser.get("/admin/settings").forms["pod-settings"]


def test_role_checks(member):
    assert member("boss", "admin").get("/admin/settings").status_int == 200
    for browser in (member("mod", "moderator"), member("user")):
        assert browser.get("/admin/settings", status=403).status_int == 403
        token = browser.get("/user/edit").forms[0]["csrf_token"].value
        browser.post("/admin/settings", {"csrf_token": token, "pod.name": "Taken over"}, status=403)
    anonymous = member(None).get("/admin/settings", status=302)
    assert "/users/sign_in?next=" in anonymous.location


def test_users_and_moderators_cannot_change_settings(member, pod):
    browser = member("mod", "moderator")
    token = browser.get("/user/edit").forms[0]["csrf_token"].value
    browser.post("/admin/settings", {"csrf_token": token, "pod.name": "Taken over",
                                     "settings.registrations": "open"}, status=403)
    assert stored(pod) == {}
    assert pod.name == "Seedpod"


@pytest.mark.plugins("landing_page terms")
def test_the_form_shows_the_running_values_and_links_to_the_plugin_pages(member):
    page = member("boss", "admin").get("/admin/settings")
    form = page.forms["pod-settings"]
    assert form["pod.name"].value == "Seedpod"
    assert form["settings.registrations"].value == "open"
    assert form["pod.hide_statistics"].checked is False
    terms = page.html.select_one("[data-testid=plugin-terms]")
    assert terms.a["href"].endswith("/admin/plugins/terms") and "is enabled" in terms.text
    landing = page.html.select_one("[data-testid=plugin-landing_page]")
    assert landing.a["href"].endswith("/admin/plugins/landing_page") and "is enabled" in landing.text


def test_a_disabled_plugin_is_said_to_be_off(make_app):
    app = admin_on(make_app(plugins="terms"))
    landing = app.get("/admin/settings").html.select_one("[data-testid=plugin-landing_page]")
    assert "not enabled" in landing.text


@pytest.mark.plugins("landing_page terms")
def test_changes_show_on_the_next_request_and_in_nodeinfo(member, pod):
    admin = member("boss", "admin")
    visitor = member(None)
    assert 'data-testid="stat-users">1<' in visitor.get("/").text
    before = visitor.get("/nodeinfo/2.1").json
    assert before["openRegistrations"] is True
    assert before["usage"]["users"]["total"] == 1
    form = settings_form(admin)
    form["pod.name"] = "Garden Pod"
    form["pod.description"] = "Where the gardeners talk."
    form["settings.registrations"] = "approval"
    form["pod.hide_statistics"] = True
    response = form.submit()
    assert response.status_int == 303
    assert "Saved" in response.follow().text
    assert stored(pod) == {"pod.name": "Garden Pod", "pod.description": "Where the gardeners talk.",
                           "settings.registrations": "approval", "pod.hide_statistics": "true"}
    home = visitor.get("/")
    assert "Garden Pod" in home.text
    assert "stat-users" not in home.text  # hidden statistics leave the front page too
    info = visitor.get("/nodeinfo/2.1").json
    assert info["metadata"]["nodeName"] == "Garden Pod"
    assert info["openRegistrations"] is False
    assert info["usage"]["users"] == {}
    # The sign-up page now asks for approval.
    assert "approves each new account" in visitor.get("/users/sign_up").text
    # Back to open: NodeInfo follows.
    form = settings_form(admin)
    form["settings.registrations"] = "open"
    form["pod.hide_statistics"] = False
    form.submit()
    info = visitor.get("/nodeinfo/2.0").json
    assert info["openRegistrations"] is True
    assert info["usage"]["users"]["total"] == 1


def test_closing_registrations_hides_the_sign_up_links(member):
    admin = member("boss", "admin")
    visitor = member(None)
    assert "/users/sign_up" in visitor.get("/users/sign_in").text
    form = settings_form(admin)
    form["settings.registrations"] = "closed"
    form.submit()
    assert "/users/sign_up" not in visitor.get("/users/sign_in").text
    assert "sign-up" not in visitor.get("/users/sign_up").forms


def test_another_web_process_agrees_within_seconds(member, pod, make_pod, monkeypatch):
    from core.testing import app_for, browse

    admin = member("boss", "admin")
    form = settings_form(admin)
    form["pod.name"] = "Renamed"
    form.submit()
    # A second process of the same pod: its own settings, read from the same database.
    other = make_pod()
    other.site_checked_at = 0.0
    other.settings["pod.name"] = "Seedpod"
    other_browser = browse(app_for(other), other)
    assert "Renamed" in other_browser.get("/").text


def test_unchanged_values_are_not_stored(member, pod):
    admin = member("boss", "admin")
    form = settings_form(admin)
    form["pod.name"] = "New name"
    form.submit()
    assert stored(pod) == {"pod.name": "New name"}


@pytest.mark.parametrize("field, value, message", [
    ("pod.name", "", "pod.name can't be empty"),
    ("pod.name", "n" * 65, "at most 64 characters"),
    ("pod.name", "bad\x00name", "NUL character"),
    ("pod.description", "d" * 501, "at most 500 characters"),
    ("pod.description", "nul\x00", "NUL character"),
    ("settings.registrations", "sometimes", "choose one of: open, closed, approval"),
    ("settings.registrations", "", "choose one of"),
])
def test_bad_input_changes_nothing(member, pod, field, value, message):
    admin = member("boss", "admin")
    token = admin.get("/admin/settings").forms["pod-settings"]["csrf_token"].value
    values = {"csrf_token": token, "pod.name": "Fine", "pod.description": "Fine too",
              "settings.registrations": "closed", "pod.hide_statistics": "true"}
    values[field] = value
    response = admin.post("/admin/settings", values, status=422)
    # A NUL is refused before any view (core.security); the form names every other problem.
    assert message in response.text
    assert "Nothing was saved" in response.text or "nothing was changed" in response.text
    assert stored(pod) == {}
    assert pod.name == "Seedpod"
    assert pod.settings["settings.registrations"] == "open"
    assert pod.settings["pod.hide_statistics"] is False


def test_a_missing_csrf_token_changes_nothing(member, pod):
    admin = member("boss", "admin")
    admin.post("/admin/settings", {"pod.name": "Forged", "settings.registrations": "closed"}, status=400)
    assert stored(pod) == {}


def test_settings_from_the_environment_are_read_only(make_app):
    app = admin_on(make_app(environ={"SEEDPOD_POD_NAME": "Env Pod", "SEEDPOD_SETTINGS_REGISTRATIONS": "closed"}))
    page = app.get("/admin/settings")
    assert "Set by SEEDPOD_POD_NAME" in page.html.select_one("[data-testid='fixed-pod.name']").text
    assert "Set by SEEDPOD_SETTINGS_REGISTRATIONS" in page.text
    assert page.html.select_one("#pod-name").has_attr("disabled")
    assert page.html.select_one("#pod-description").has_attr("disabled") is False
    # A hand-made POST can't change them either; the editable ones are saved.
    token = page.forms["pod-settings"]["csrf_token"].value
    app.post("/admin/settings", {"csrf_token": token, "pod.name": "Mine", "settings.registrations": "open",
                                 "pod.description": "Editable"}, status=303)
    assert app.pod.name == "Env Pod"
    assert app.pod.settings["settings.registrations"] == "closed"
    assert stored(app.pod) == {"pod.description": "Editable"}
    assert app.get("/nodeinfo/2.1").json["openRegistrations"] is False
