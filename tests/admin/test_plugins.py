"""/admin/plugins: installed plugins with version, state, hooks and settings; switches and settings forms."""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

import lxml.html
import pytest
import sqlalchemy as sa

from core import plugins
from core.accounts.services import AccountService
from core.admin.models import PluginState, SiteSetting
from core.hookspecs import hookimpl
from core.plugins import describe
from core.settings import Setting, as_bool
from core.testing import PASSWORD, app_for, browse, csrf, sign_in

# These tests read the bundled landing_page and terms plugins.
pytestmark = pytest.mark.plugins("landing_page terms")

VERSION = metadata.version("seedpod")
RESTART = "Restart the pod (web and workers) for this to take effect."


@pytest.fixture
def podmin(member):
    return member("podmin", "admin")


def switches(pod) -> dict[str, bool]:
    with pod.session_factory() as session:
        return dict(session.execute(sa.select(PluginState.name, PluginState.enabled)).all())


def stored(pod) -> dict[str, str]:
    with pod.session_factory() as session:
        return dict(session.execute(sa.select(SiteSetting.name, SiteSetting.value)).all())


def row_cells(page, name) -> list[str]:
    doc = lxml.html.fromstring(page.text)
    return [" ".join(td.text_content().split()) for td in doc.xpath(f'//tr[@data-testid="plugin-{name}"]/td')]


def settings_form(page):
    return next(f for f in page.forms.values() if re.search(r"/admin/plugins/[^/]+$", f.action or ""))


def field_errors(page) -> dict[str, str]:
    doc = lxml.html.fromstring(page.text)
    return {node.get("data-testid")[len("setting-"):]: node.xpath('.//*[@data-testid="setting-error"]')[0].text_content()
            for node in doc.xpath('//div[starts-with(@data-testid, "setting-")]')
            if node.xpath('.//*[@data-testid="setting-error"]')}


def error_of(page) -> str:
    doc = lxml.html.fromstring(page.text)
    return " ".join(n.text_content().strip() for n in doc.xpath('//*[@data-testid="form-error"]'))


# --- the list and the switches ----------------------------------------------------------------


def test_the_list_shows_each_installed_plugin_with_version_state_hooks_and_settings(podmin):
    page = podmin.get("/admin/plugins")

    terms = row_cells(page, "terms")
    assert terms[:2] == ["terms", VERSION]
    assert terms[2] == "enabled by the `plugins` setting (ini file or SEEDPOD_PLUGINS)"
    assert terms[3] == "on_startup, register_settings, render_slot, terms_of_service"
    assert terms[4] == "terms.jurisdiction, terms.minimum_age, terms.file"
    assert terms[5] == "Disable"
    landing = row_cells(page, "landing_page")
    assert landing[3] == "landing_page, on_startup, register_settings"
    assert landing[4] == "landing_page.file, landing_page.show_statistics"
    assert RESTART in page.text


def test_disabling_and_enabling_writes_the_switch_as_the_command_does(podmin, pod, make_pod):
    page = podmin.get("/admin/plugins")
    form = next(f for f in page.forms.values() if f.action.endswith("/admin/plugins/terms/switch"))

    done = form.submit()

    assert done.status_int == 303 and done.location == "http://localhost/admin/plugins"
    assert switches(pod) == {"terms": False}
    page = done.follow()
    assert f"terms is switched to disabled. {RESTART}" in page.text
    cells = row_cells(page, "terms")
    # This process still runs it until the restart, and says so.
    assert cells[2] == f"enabled by a switch (this page or `seedpod plugins`) Switched off: {RESTART}"
    assert cells[5] == "Enable"
    assert podmin.get("/terms").status_int == 200
    detail = podmin.get("/admin/plugins/terms")
    assert "terms is switched off, but this pod still runs it enabled." in " ".join(detail.text.split())

    restarted = make_pod()
    assert "terms" not in restarted.enabled_plugins
    info = next(i for i in describe(restarted) if i.name == "terms")
    assert (info.enabled, info.state_source) == (False, "command")  # `seedpod plugins list`: "by `seedpod plugins`"

    form = next(f for f in page.forms.values() if f.action.endswith("/admin/plugins/terms/switch"))
    done = form.submit()
    assert f"terms is switched to enabled. {RESTART}" in done.follow().text
    assert switches(pod) == {"terms": True}
    assert "terms" in make_pod().enabled_plugins
    # Back to what runs: nothing waits for a restart.
    assert 'data-testid="pending"' not in podmin.get("/admin/plugins").text


def test_a_plugin_that_cannot_load_is_not_switched_on(podmin, pod, monkeypatch):
    monkeypatch.setattr(plugins, "installed_plugins", with_fakes(broken=ImportError("No module named 'nothere'")))
    page = podmin.get("/admin/plugins")
    assert row_cells(page, "broken")[3] == "(cannot load: No module named 'nothere')"
    form = next(f for f in page.forms.values() if f.action.endswith("/admin/plugins/broken/switch"))

    refused = form.submit(status=422)

    assert error_of(refused) == ("broken was not enabled: plugin 'broken' failed to load: "
                                 "ImportError: No module named 'nothere'")
    assert switches(pod) == {}


def test_switching_needs_a_known_plugin_a_clear_choice_and_the_csrf_token(podmin, pod):
    token = csrf(podmin, "/admin/plugins")
    for name in ("nosuchplugin", "x" * 100, "ter%00ms", "%2e%2e"):
        assert podmin.post(f"/admin/plugins/{name}/switch", {"csrf_token": token, "to": "enable"},
                           status=404).status_int == 404
    for junk in ("", "on", "ENABLE"):
        refused = podmin.post("/admin/plugins/terms/switch", {"csrf_token": token, "to": junk}, status=422)
        assert error_of(refused) == "Choose whether to enable or disable the plugin."
    assert podmin.post("/admin/plugins/terms/switch", {"to": "disable"}, status=400).status_int == 400
    assert switches(pod) == {}


# --- settings forms ---------------------------------------------------------------------------


def test_saving_a_plugins_settings_stores_them_for_the_next_start(podmin, pod, make_pod):
    page = podmin.get("/admin/plugins/terms")
    assert "Plugin settings are read when the pod starts." in page.text
    form = settings_form(page)
    assert form["terms.minimum_age"].value == "13"
    assert form["terms.jurisdiction"].value == ""
    form["terms.minimum_age"] = "16"
    form["terms.jurisdiction"] = "Germany"

    done = form.submit()

    assert done.status_int == 303 and done.location == "http://localhost/admin/plugins/terms"
    assert stored(pod) == {"terms.minimum_age": "16", "terms.jurisdiction": "Germany"}
    page = done.follow()
    assert f"Saved terms.jurisdiction, terms.minimum_age. {RESTART}" in page.text
    assert page.text.count("Saved; applies after a restart.") == 2
    assert settings_form(page)["terms.minimum_age"].value == "16"
    assert pod.settings["terms.minimum_age"] == 13  # the running pod is unchanged
    restarted = make_pod()
    assert restarted.settings["terms.minimum_age"] == 16
    assert restarted.settings["terms.jurisdiction"] == "Germany"

    # Sending the form unchanged stores nothing more.
    again = settings_form(page).submit().follow()
    assert "Nothing was changed." in again.text
    assert stored(pod) == {"terms.minimum_age": "16", "terms.jurisdiction": "Germany"}


def test_a_checkbox_stores_true_or_false(podmin, pod):
    form = settings_form(podmin.get("/admin/plugins/landing_page"))
    assert form["landing_page.show_statistics"].checked is True
    form["landing_page.show_statistics"] = False
    form.submit(status=303)
    assert stored(pod) == {"landing_page.show_statistics": "false"}
    form = settings_form(podmin.get("/admin/plugins/landing_page"))
    assert form["landing_page.show_statistics"].checked is False
    form["landing_page.show_statistics"] = True
    form.submit(status=303)
    assert stored(pod) == {"landing_page.show_statistics": "true"}


def test_a_post_without_the_checkbox_list_leaves_checkboxes_alone(podmin, pod):
    token = csrf(podmin, "/admin/plugins/landing_page")
    done = podmin.post("/admin/plugins/landing_page", {"csrf_token": token, "landing_page.file": ""}, status=303)
    assert "Nothing was changed." in done.follow().text
    assert stored(pod) == {}
    podmin.post("/admin/plugins/landing_page", {"csrf_token": token, "checkboxes": "landing_page.show_statistics"},
                status=303)
    assert stored(pod) == {"landing_page.show_statistics": "false"}


def test_junk_on_the_plugin_pages_is_never_a_server_error(podmin, pod):
    token = csrf(podmin, "/admin/plugins")
    junk = {"csrf_token": token, "to": ["enable", "disable"], "terms.minimum_age": "x" * 20_000,
            "landing_page.file": "\\'\"%_", "checkboxes": ["nothing", "landing_page.show_statistics", ""],
            "terms.nosuch": "1", "q": "%"}
    for name in ("zz", "999999", "terms", "landing_page", ".", "terms.minimum_age"):
        for path in (f"/admin/plugins/{name}", f"/admin/plugins/{name}/switch"):
            assert podmin.get(path, params={"q": "%"}, status="*").status_int < 500
            assert podmin.post(path, junk, status="*").status_int < 500
    assert "terms.minimum_age" not in stored(pod)


def test_an_invalid_value_re_renders_the_form_with_its_error_and_stores_nothing(podmin, pod):
    form = settings_form(podmin.get("/admin/plugins/terms"))
    form["terms.jurisdiction"] = "Oregon"
    form["terms.minimum_age"] = "old enough"

    refused = form.submit(status=422)

    assert error_of(refused) == "Nothing was saved: correct the settings marked below."
    assert field_errors(refused) == {"terms.minimum_age": (
        "setting terms.minimum_age (env SEEDPOD_TERMS_MINIMUM_AGE): cannot read 'old enough': "
        "invalid literal for int() with base 10: 'old enough'")}
    assert settings_form(refused)["terms.minimum_age"].value == "old enough"  # what was typed stays
    assert stored(pod) == {}
    assert podmin.post("/admin/plugins/terms", {"terms.minimum_age": "14"}, status=400).status_int == 400
    assert stored(pod) == {}


def test_a_setting_from_the_environment_is_shown_read_only_and_refused(make_pod, settings):
    pod = make_pod(environ={"SEEDPOD_TERMS_JURISDICTION": "Portugal"})
    with pod.session_factory() as session:
        service = AccountService(session, pod)
        service.sign_up("podmin", "podmin@example.org", PASSWORD)
        service.add_role("admin", "podmin")
        session.commit()
    browser = browse(app_for(pod), pod)
    sign_in(browser, "podmin", PASSWORD)

    page = browser.get("/admin/plugins/terms")

    doc = lxml.html.fromstring(page.text)
    (field,) = doc.xpath('//input[@name="terms.jurisdiction"]')
    assert field.get("disabled") == "disabled" and field.get("value") == "Portugal"
    assert "Set by the environment variable SEEDPOD_TERMS_JURISDICTION; it can't be changed here." in " ".join(
        doc.text_content().split())
    token = settings_form(page)["csrf_token"].value
    refused = browser.post("/admin/plugins/terms", {"csrf_token": token, "terms.jurisdiction": "Spain",
                                                   "terms.minimum_age": "18"}, status=422)
    assert field_errors(refused)["terms.jurisdiction"] == (
        "setting terms.jurisdiction is set by SEEDPOD_TERMS_JURISDICTION and can't be changed here")
    assert stored(pod) == {}


# A plugin with every kind of setting, installed only for these tests.
class Fancy:
    @staticmethod
    @hookimpl
    def register_settings(pod):
        return [
            Setting("fancy.api_key", "", "The key of the upstream service.", secret=True),
            Setting("fancy.mode", "fast", "How hard to try.", choices=("fast", "slow")),
            Setting("fancy.loud", False, "Shout.", as_bool),
            Setting("fancy.title", "Fancy", "A title."),
        ]


@dataclass
class FakeEntryPoint:
    name: str
    target: object
    dist = None

    @property
    def value(self) -> str:
        return f"tests.{self.name}"

    def load(self):
        if isinstance(self.target, Exception):
            raise self.target
        return self.target


def with_fakes(**fakes):
    real = plugins.installed_plugins

    def installed():
        return {**real(), **{name: FakeEntryPoint(name, target) for name, target in fakes.items()}}
    return installed


@pytest.fixture
def fancy(settings, monkeypatch):
    monkeypatch.setattr(plugins, "installed_plugins", with_fakes(fancy=Fancy))
    settings["plugins"] = "landing_page terms fancy"


def test_secrets_are_never_shown_only_replaced_and_choices_are_a_select(fancy, member, pod):
    podmin = member("podmin", "admin")
    page = podmin.get("/admin/plugins/fancy")
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath('//*[@data-testid="setting-fancy.api_key"]//*[@data-testid="secret-state"]/text()') == ["not set"]
    assert doc.xpath('//select[@name="fancy.mode"]/option/@value') == ["fast", "slow"]
    assert doc.xpath('//input[@name="fancy.loud"]/@type') == ["checkbox"]
    assert row_cells(podmin.get("/admin/plugins"), "fancy")[1] == "unknown"

    form = settings_form(page)
    form["fancy.api_key"] = "sk-very-secret-1234"
    form["fancy.mode"] = "slow"
    form.submit(status=303)

    assert stored(pod) == {"fancy.api_key": "sk-very-secret-1234", "fancy.mode": "slow"}
    page = podmin.get("/admin/plugins/fancy")
    assert "sk-very-secret-1234" not in page.text
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath('//*[@data-testid="setting-fancy.api_key"]//*[@data-testid="secret-state"]/text()') == ["set"]
    assert doc.xpath('//input[@name="fancy.api_key"]/@value') == [""]
    # Leaving the secret empty keeps it.
    form = settings_form(page)
    form["fancy.title"] = "Fancier"
    form.submit(status=303)
    assert stored(pod) == {"fancy.api_key": "sk-very-secret-1234", "fancy.mode": "slow", "fancy.title": "Fancier"}

    token = form["csrf_token"].value
    refused = podmin.post("/admin/plugins/fancy", {"csrf_token": token, "fancy.mode": "medium",
                                                  "fancy.api_key": "other"}, status=422)
    assert field_errors(refused) == {"fancy.mode": (
        "setting fancy.mode (env SEEDPOD_FANCY_MODE) is 'medium'; choose one of: fast, slow")}
    assert "other" not in stored(pod).values()


def test_a_disabled_plugin_shows_its_settings_but_takes_none(member, pod, make_app, monkeypatch):
    monkeypatch.setattr(plugins, "installed_plugins", with_fakes(fancy=Fancy))
    podmin = member("podmin", "admin")
    page = podmin.get("/admin/plugins/fancy")
    assert "fancy is not running on this pod" in page.text
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath('//input[@name="fancy.title"]/@value') == ["Fancy"]
    assert doc.xpath('//input[@name="fancy.title"]/@disabled') == ["disabled"]
    token = csrf(podmin, "/admin/plugins/fancy")
    refused = podmin.post("/admin/plugins/fancy", {"csrf_token": token, "fancy.title": "x"}, status=409)
    assert error_of(refused) == "fancy has no settings that can be changed here."
    assert stored(pod) == {}


class Tabled:
    @staticmethod
    @hookimpl
    def register_migrations(pod):
        return None


def test_enabling_a_plugin_with_tables_of_its_own_says_to_upgrade_the_database(podmin, pod, monkeypatch):
    monkeypatch.setattr(plugins, "installed_plugins", with_fakes(tabled=Tabled))
    page = podmin.get("/admin/plugins/tabled")
    assert lxml.html.fromstring(page.text).xpath('//*[@data-testid="plugin-state"]')[0].text_content() == (
        "disabled by the `plugins` setting (ini file or SEEDPOD_PLUGINS)")
    assert "tabled declares no settings." in page.text
    form = next(f for f in page.forms.values() if f.action.endswith("/admin/plugins/tabled/switch"))

    done = form.submit()

    assert switches(pod) == {"tabled": True}
    assert (f"tabled is switched to enabled. {RESTART} It has tables of its own: run `seedpod db upgrade` "
            "before restarting.") in done.follow().text


@pytest.mark.parametrize("path", ["/admin/plugins/nosuchplugin", "/admin/plugins/" + "x" * 100,
                                  "/admin/plugins/ter%00ms"])
def test_an_unknown_plugin_is_not_found(podmin, path):
    assert podmin.get(path, status=404).status_int == 404
    token = csrf(podmin, "/admin/plugins")
    assert podmin.post(path, {"csrf_token": token}, status=404).status_int == 404


# --- who may see these pages ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/plugins", "/admin/plugins/terms"])
def test_only_admins_see_plugins(member, path):
    assert member("root", "admin").get(path).status_int == 200
    assert member("mod", "moderator").get(path, status=403).status_int == 403
    assert member("user").get(path, status=403).status_int == 403
    visitor = member(None).get(path, status=302)
    assert visitor.location == f"http://localhost/users/sign_in?next={path.replace('/', '%2F')}"


def test_only_admins_switch_plugins_or_change_their_settings(member, pod):
    member("root", "admin")
    for browser in (member("mod", "moderator"), member("user")):
        token = csrf(browser, "/stream")
        assert browser.post("/admin/plugins/terms/switch", {"csrf_token": token, "to": "disable"},
                            status=403).status_int == 403
        assert browser.post("/admin/plugins/terms", {"csrf_token": token, "terms.minimum_age": "18"},
                            status=403).status_int == 403
    assert switches(pod) == {} and stored(pod) == {}
