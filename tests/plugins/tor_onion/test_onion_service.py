"""Publishing the pod as an onion service through a real tor (DisableNetwork 1)."""
from __future__ import annotations

import base64
import logging
import os
import stat
import time

import pytest
from stem.descriptor.hidden_service import HiddenServiceDescriptorV3

from core.pod import StartupError
from core.testing import free_port
from plugins.tor_onion import control
from plugins.tor_onion.onion import (
    address_from_key,
    address_from_public_key,
    key_path,
    onion_address,
    public_key_of,
)

pytestmark = pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning")

# The example of rend-spec-v3 ("Encoding onion addresses"): a 56-character v3 address.
SPEC_ADDRESS = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"


def test_the_address_is_computed_from_the_public_key():
    public_key = base64.b32decode(SPEC_ADDRESS.removesuffix(".onion").upper())[:32]
    assert address_from_public_key(public_key) == SPEC_ADDRESS
    # stem computes it on its own: the two agree on any key
    other = os.urandom(32)
    assert address_from_public_key(other) == HiddenServiceDescriptorV3.address_from_identity_key(other)
    with pytest.raises(ValueError, match="32 bytes"):
        address_from_public_key(b"short")


def test_a_bad_key_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="not base64"):
        public_key_of("!!!")
    with pytest.raises(ValueError, match="64 bytes"):
        public_key_of(base64.b64encode(b"x" * 32).decode())


def test_the_pod_publishes_its_onion_service_and_keeps_its_address(tor_running, make_pod):
    pod = make_pod(**tor_running.settings())
    pod.pm.hook.on_startup(pod=pod)

    path = key_path(pod)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key_type, blob = path.read_text().strip().split(":", 1)
    assert key_type == "ED25519-V3"
    address = onion_address(pod)
    assert address == address_from_key(blob) and len(address) == 62
    assert address in tor_running.onions()  # the one Tor made, derived from the stored key

    # The pod starts again (another process, the same data_dir): same key, same address.
    again = make_pod(**tor_running.settings())
    again.pm.hook.on_startup(pod=again)
    assert path.read_text().strip() == f"{key_type}:{blob}"
    assert onion_address(again) == address
    assert tor_running.onions().count(address) == 1

    # Tor restarts and forgets it; publishing again brings back the same address.
    tor_running.restart()
    assert address not in tor_running.onions()
    assert not control.status(pod).published
    again.pm.hook.on_startup(pod=again)
    assert address in tor_running.onions()
    found = control.status(again)
    assert (found.address, found.published, found.problem) == (address, True, None)


def test_the_service_leads_to_the_pods_listen_address(tor_running, make_pod):
    pod = make_pod(**tor_running.settings(), server__host="0.0.0.0", server__port="8123")
    assert control.target(pod) == "127.0.0.1:8123"
    pod = make_pod(**tor_running.settings(), tor_onion__target="10.0.0.5:80")
    assert control.target(pod) == "10.0.0.5:80"


def test_without_tor_the_pod_starts_at_once_and_says_why(make_app, caplog):
    closed = free_port()
    with caplog.at_level(logging.WARNING, logger="plugins.tor_onion"):
        app = make_app(plugins="tor_onion", tor_onion__control_port=str(closed))
        started = time.monotonic()
        app.pod.pm.hook.on_startup(pod=app.pod)  # what every process of the pod does once
        assert time.monotonic() - started < 0.5  # a refused connection to localhost, no more
    assert f"Tor's control port 127.0.0.1:{closed} does not answer" in caplog.text
    assert not key_path(app.pod).exists()
    assert onion_address(app.pod) is None
    page = app.get("/users/sign_in")
    assert "Onion-Location" not in page.headers


def test_a_control_port_that_is_not_tor(make_pod, upstream):
    pod = make_pod(plugins="tor_onion", tor_onion__control_port=str(upstream.port))
    with pytest.raises(control.TorUnavailable):
        control.publish(pod)
    assert not key_path(pod).exists()


def test_a_broken_key_file_is_reported_and_kept(tor_running, make_pod, caplog):
    pod = make_pod(**tor_running.settings())
    key_path(pod).parent.mkdir(parents=True)
    key_path(pod).write_text("RSA1024:abc\n")
    with caplog.at_level(logging.WARNING, logger="plugins.tor_onion"):
        pod.pm.hook.on_startup(pod=pod)
    assert "does not hold an ED25519-V3 key" in caplog.text
    assert key_path(pod).read_text() == "RSA1024:abc\n"  # never replaced: it may be the podmin's


def test_a_hidden_service_dir_of_the_podmin(make_app, tmp_path):
    folder = tmp_path / "hidden"
    folder.mkdir()
    app = make_app(plugins="tor_onion", tor_onion__hidden_service_dir=str(folder),
                   tor_onion__control_port=str(free_port()))
    assert onion_address(app.pod) is None  # Tor has not written it yet
    (folder / "hostname").write_text(SPEC_ADDRESS + "\n")
    assert onion_address(app.pod) == SPEC_ADDRESS
    assert control.publish(app.pod) == SPEC_ADDRESS  # nothing to publish: Tor does it
    assert not key_path(app.pod).exists()
    page = app.get("/users/sign_in")
    assert page.headers["Onion-Location"] == f"http://{SPEC_ADDRESS}/users/sign_in"


@pytest.mark.parametrize("name, value, message", [
    ("control_port", "0", "tor_onion.control_port is 0"),
    ("socks_port", "70000", "tor_onion.socks_port is 70000"),
    ("target", "nowhere", "tor_onion.target is 'nowhere'"),
])
def test_bad_settings_stop_the_pod(make_app, name, value, message):
    settings = {"tor_onion.control_port": str(free_port()), f"tor_onion.{name}": value}
    with pytest.raises(StartupError, match=message):
        make_app(plugins="tor_onion", **settings)
