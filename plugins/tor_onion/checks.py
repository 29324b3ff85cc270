"""`seedpod doctor`'s checks of Tor: its control port, its SOCKS port and the onion service."""
from __future__ import annotations

import socket

from core.cli.doctor import Result

from . import control
from .onion import NAME, StoredKeyError, hidden_service_dir

SOCKS_GREETING = b"\x05\x01\x00"  # SOCKS 5, one method offered: no authentication
SOCKS_ACCEPTED = b"\x05\x00"


def control_port(pod) -> Result:
    name = f"{NAME}.control_port"
    try:
        with control.controller(pod) as tor:
            version = str(tor.get_version()).split(" ")[0]
    except control.TorUnavailable as exc:
        if hidden_service_dir(pod) is not None:  # Tor publishes the podmin's own service
            return Result(name, True, f"not used (the onion service comes from your HiddenServiceDir): {exc}")
        return Result(name, False, str(exc))
    return Result(name, True, f"Tor {version} answers on {control.control_address(pod)}")


def socks_port(pod) -> Result:
    name = f"{NAME}.socks_port"
    where = f"{control.tor_host(pod)}:{pod.settings[f'{NAME}.socks_port']}"
    try:
        with socket.create_connection((control.tor_host(pod), pod.settings[f"{NAME}.socks_port"]),
                                      timeout=control.TIMEOUT) as sock:
            sock.sendall(SOCKS_GREETING)
            answer = sock.recv(2)
    except OSError as exc:
        return Result(name, False, f"Tor's SOCKS port {where} does not answer ({exc}): start Tor with "
                                   f"SocksPort {pod.settings[f'{NAME}.socks_port']}, or set {NAME}.socks_port; "
                                   ".onion pods are unreachable until then")
    if answer != SOCKS_ACCEPTED:
        return Result(name, False, f"{where} does not answer as a SOCKS 5 proxy without authentication")
    routed = "every outbound request" if pod.settings[f"{NAME}.route_all"] else "requests to .onion pods"
    return Result(name, True, f"SOCKS 5 proxy on {where} carries {routed}")


def onion_service(pod) -> Result:
    name = f"{NAME}.onion_service"
    try:
        found = control.status(pod)
    except StoredKeyError as exc:
        return Result(name, False, str(exc))
    if found.published:
        how = "from your HiddenServiceDir" if hidden_service_dir(pod) is not None else "by the pod"
        return Result(name, True, f"http://{found.address} is published {how}, to {control.target(pod)}")
    return Result(name, False, f"{found.address or 'no onion address yet'}: {found.problem}")


CHECKS = [control_port, socks_port, onion_service]
