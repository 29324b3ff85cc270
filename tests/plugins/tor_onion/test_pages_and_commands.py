"""What podmins and readers see: Onion-Location, the onion host, /admin, `seedpod doctor` and
`seedpod tor`."""
from __future__ import annotations

import os

import lxml.html
import pytest
from click.testing import CliRunner

from core.cli import context
from core.cli.doctor import Result, plugin_checks
from core.testing import browse, free_port, sign_in_as_new_member
from plugins.tor_onion.checks import CHECKS
from plugins.tor_onion.cli import tor as tor_commands
from plugins.tor_onion.onion import onion_address

pytestmark = pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning")


@pytest.fixture
def published(tor_running, make_app):
    """A pod whose onion service Tor runs now."""
    app = make_app(**tor_running.settings())
    assert onion_address(app.pod) in tor_running.onions()
    return app


def onion_section(page):
    found = lxml.html.fromstring(page.text).xpath('//*[@data-testid="onion-service"]')
    assert len(found) == 1, page.text
    return found[0]


def test_clearnet_pages_point_tor_browser_to_the_onion(published):
    address = onion_address(published.pod)
    page = published.get("/users/sign_in?next=%2Fstream")
    assert page.headers["Onion-Location"] == f"http://{address}/users/sign_in?next=%2Fstream"
    assert "Onion-Location" not in published.get("/nodeinfo/2.1", status="*").headers
    published.extra_environ["HTTP_HOST"] = address  # Tor Browser on the onion: no pointer to itself
    on_onion = published.get("/users/sign_in")
    assert "Onion-Location" not in on_onion.headers
    assert f'action="http://{address}/users/sign_in"' in on_onion.text or 'action="/users/sign_in"' in on_onion.text
    redirect = published.get("/stream", status="3*")
    assert redirect.location.startswith(f"http://{address}/")


def test_the_dashboard_shows_the_onion_address(published):
    admin = sign_in_as_new_member(published.pod, browse(published.app, published.pod), "root", "admin")
    address = onion_address(published.pod)
    assert onion_section(admin.get("/admin")).xpath(".//a/@href") == [f"http://{address}"]


def test_the_dashboard_without_tor(make_app):
    app = make_app(plugins="tor_onion", tor_onion__control_port=str(free_port()))
    admin = sign_in_as_new_member(app.pod, app, "root", "admin")
    assert "No onion address yet" in onion_section(admin.get("/admin")).text_content()


def test_hook_register_checks(tor_running, socks, make_pod):
    # Tor opens no SocksPort while DisableNetwork is set: the test's SOCKS5 server stands in.
    pod = make_pod(**tor_running.settings(socks_port=socks.port))
    assert [check.__name__ for check in pod.pm.hook.register_checks(pod=pod)[0]] == [c.__name__ for c in CHECKS]

    before = {r.name: r for r in plugin_checks(pod)}
    assert before["tor_onion.control_port"].ok, before
    assert before["tor_onion.control_port"].message.startswith("Tor 0.")
    assert before["tor_onion.socks_port"].ok, before
    assert not before["tor_onion.onion_service"].ok  # nothing published yet
    assert "no onion address yet" in before["tor_onion.onion_service"].message

    pod.pm.hook.on_startup(pod=pod)
    after = {r.name: r for r in plugin_checks(pod)}
    assert all(r.ok for r in after.values()), after
    assert onion_address(pod) in after["tor_onion.onion_service"].message

    tor_running.stop()  # Tor down: every check fails and says what to do
    closed = free_port()
    down_pod = make_pod(**tor_running.settings(socks_port=closed))
    down = {r.name: r for r in plugin_checks(down_pod)}
    assert [r.ok for r in down.values()] == [False, False, False]
    assert f"control port 127.0.0.1:{tor_running.control_port} does not answer" in \
        down["tor_onion.control_port"].message
    assert f"start Tor with SocksPort {closed}" in down["tor_onion.socks_port"].message
    assert down["tor_onion.onion_service"].message.startswith(onion_address(pod))
    assert all(isinstance(r, Result) for r in down.values())


def write_ini(path, settings):
    path.write_text("[app:main]\nuse = egg:seedpod\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()
                                                              if k != "here"))
    return path


@pytest.fixture
def run_tor_command(settings, tmp_path, monkeypatch):
    """``run(overrides, "status")``: `seedpod tor ...` on a pod with these settings."""
    monkeypatch.setattr(context.State, "_pods", {})
    for name in [n for n in os.environ if n.startswith("SEEDPOD_")]:
        monkeypatch.delenv(name)

    def run(overrides, *args):
        ini = write_ini(tmp_path / "pod.ini", {**settings, **overrides})
        context.State._pods.clear()
        return CliRunner().invoke(tor_commands, list(args), obj=context.State(ini))

    yield run
    for pod in context.State._pods.values():
        pod.engine.dispose()


def test_seedpod_tor_publish_and_status(tor_running, run_tor_command):
    status = run_tor_command(tor_running.settings(), "status")
    assert status.exit_code == 1
    assert "address: none yet" in status.output and "published: no" in status.output

    published = run_tor_command(tor_running.settings(), "publish")
    assert published.exit_code == 0, published.output
    address = published.output.split("http://", 1)[1].split(" ", 1)[0]
    assert address in tor_running.onions()

    status = run_tor_command(tor_running.settings(), "status")
    assert status.exit_code == 0, status.output
    assert f"address: http://{address}" in status.output
    assert "published: yes" in status.output and "tor: 0." in status.output


def test_seedpod_tor_without_tor(run_tor_command):
    closed = {"plugins": "tor_onion", "tor_onion.control_port": str(free_port())}
    published = run_tor_command(closed, "publish")
    assert published.exit_code == 1
    assert "does not answer" in published.output and "Traceback" not in published.output
    status = run_tor_command(closed, "status")
    assert status.exit_code == 1 and "published: no (Tor's control port" in status.output
