"""tor_onion: every hookimpl of the plugin.

The pod becomes a Tor onion service (published through Tor's control port when it starts, or
the podmin's own HiddenServiceDir), pages point Tor Browser to it, requests that arrive on it
stay on it (core.origins), and requests to .onion pods go through Tor's SOCKS port.
"""
from __future__ import annotations

import logging

from pyramid.events import NewResponse

from core.hookspecs import hookimpl
from core.pod import StartupError
from core.settings import Setting, as_bool, as_int

from .onion import NAME, StoredKeyError, cached_address

log = logging.getLogger(__name__)

PORT_SETTINGS = ("control_port", "socks_port")


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.control_port", 9051, "Tor's ControlPort, through which the pod publishes its onion service.",
                as_int),
        Setting(f"{NAME}.control_password", "", "The password of Tor's HashedControlPassword; empty uses Tor's "
                                                "cookie (CookieAuthentication 1).", secret=True),
        Setting(f"{NAME}.socks_port", 9050, "Tor's SocksPort, through which the pod reaches .onion pods.", as_int),
        Setting(f"{NAME}.tor_host", "127.0.0.1", "The address Tor's control and SOCKS ports listen on."),
        Setting(f"{NAME}.route_all", False, "Send every outbound request through Tor, not only those to .onion "
                                            "pods (other pods then see Tor exits, never the pod's address).", as_bool),
        Setting(f"{NAME}.hidden_service_dir", "", "Your own HiddenServiceDir from torrc: the pod reads its address "
                                                  "from the hostname file there and publishes nothing itself."),
        Setting(f"{NAME}.target", "", "host:port the onion service's port 80 leads to; empty: server.host and "
                                      "server.port (127.0.0.1 when listening on every address)."),
    ]


def check_settings(pod) -> None:
    for name in PORT_SETTINGS:
        port = pod.settings[f"{NAME}.{name}"]
        if not 0 < port < 65536:
            raise StartupError(f"setting {NAME}.{name} is {port}: a port number from 1 to 65535")
    target = pod.settings[f"{NAME}.target"].strip()
    host, _, port = target.rpartition(":")
    if target and not (host and port.isdigit() and 0 < int(port) < 65536):
        raise StartupError(f"setting {NAME}.target is {target!r}: write it as host:port, like 127.0.0.1:6543")


@hookimpl
def on_startup(pod):
    from . import control

    check_settings(pod)
    try:
        address = control.publish(pod)
    except (control.TorUnavailable, StoredKeyError) as exc:
        log.warning("tor_onion: no onion service for now: %s (`seedpod doctor` checks it again)", exc)
        return
    log.info("tor_onion: the pod is also http://%s", address)


@hookimpl
def alternate_origins(pod):
    address = cached_address(pod)
    return [f"http://{address}"] if address else None


@hookimpl
def http_transport_for(url, purpose, pod):
    from .transport import transport_for

    return transport_for(url, pod)


@hookimpl
def register_routes(config, pod):
    from .web import onion_location

    config.add_subscriber(onion_location, NewResponse)


@hookimpl
def render_slot(request, slot, context):
    if slot != "admin_dashboard":
        return None
    from .web import dashboard_section

    return dashboard_section(request)


@hookimpl
def register_checks(pod):
    from .checks import CHECKS

    return CHECKS


@hookimpl
def register_commands(cli):
    from .cli import tor

    cli.add_command(tor)
