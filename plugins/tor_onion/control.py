"""Talking to Tor's control port (stem): authenticate, publish the onion service, ask its state.

Every connection has a short timeout, so a pod whose Tor is absent starts at once: a refused
connection to localhost is all it costs.
"""
from __future__ import annotations

import logging
import socket
from contextlib import contextmanager
from dataclasses import dataclass

from .onion import NAME, KEY_TYPE, address_from_key, hidden_service_dir, onion_address, save_key, stored_key

log = logging.getLogger(__name__)

TIMEOUT = 3.0  # seconds per connection and per answer: Tor answers locally in milliseconds
ONION_PORT = 80
ANY_ADDRESS = ("", "0.0.0.0", "::", "[::]")


class TorUnavailable(Exception):
    """Tor cannot be used now; the message says what to fix."""


def tor_host(pod) -> str:
    return pod.settings[f"{NAME}.tor_host"]


def control_address(pod) -> str:
    return f"{tor_host(pod)}:{pod.settings[f'{NAME}.control_port']}"


def target(pod) -> str:
    """Where Tor sends the onion service's port 80: the setting, or where `seedpod serve` listens."""
    configured = pod.settings[f"{NAME}.target"].strip()
    if configured:
        return configured
    host = pod.settings["server.host"]
    host = "127.0.0.1" if host in ANY_ADDRESS else host
    return f"{host}:{pod.settings['server.port']}"


def _control_socket(host: str, port: int):
    import stem
    import stem.socket

    class TimedControlPort(stem.socket.ControlPort):
        """stem's control port socket, with a timeout: stem's own waits forever."""

        def _make_socket(self):
            try:
                return socket.create_connection((self.address, self.port), timeout=TIMEOUT)
            except OSError as exc:
                raise stem.SocketError(exc) from None

    return TimedControlPort(host, port)


@contextmanager
def controller(pod):
    """An authenticated stem Controller: with tor_onion.control_password, or Tor's cookie."""
    import stem
    import stem.connection
    import stem.control

    where = control_address(pod)
    try:
        control_socket = _control_socket(tor_host(pod), pod.settings[f"{NAME}.control_port"])
    except stem.SocketError as exc:
        raise TorUnavailable(f"Tor's control port {where} does not answer ({exc}): start Tor with "
                             f"ControlPort {pod.settings[f'{NAME}.control_port']}, or set "
                             f"{NAME}.control_port") from None
    control = stem.control.Controller(control_socket)
    try:
        try:
            control.authenticate(password=pod.settings[f"{NAME}.control_password"] or None)
        except stem.connection.AuthenticationFailure as exc:
            raise TorUnavailable(f"Tor's control port {where} refused us: {exc}; set {NAME}.control_password to "
                                 "its HashedControlPassword's password, or use CookieAuthentication 1 with the "
                                 "cookie file readable by the pod's user") from None
        except (stem.SocketError, stem.ProtocolError) as exc:
            raise TorUnavailable(f"{where} does not speak Tor's control protocol: {exc}") from None
        yield control
    finally:
        control.close()


def published_ids(control) -> set[str]:
    """Service ids (addresses without .onion) of the detached services Tor runs now."""
    return set(control.list_ephemeral_hidden_services(detached=True))


def _add(control, key_type: str, key_content: str, pod):
    import stem

    try:
        return control.create_ephemeral_hidden_service({ONION_PORT: target(pod)}, key_type=key_type,
                                                       key_content=key_content, detached=True)
    except (stem.ProtocolError, stem.OperationFailed, stem.InvalidRequest) as exc:
        raise TorUnavailable(f"Tor refused the onion service: {exc}") from None


def publish(pod) -> str:
    """Run the pod's onion service in Tor (detached: it outlives this connection) and return
    its address. The first time, Tor makes the key and we keep it; afterwards the stored key
    is published again, so the address never changes. Publishing twice is harmless."""
    folder = hidden_service_dir(pod)
    if folder is not None:
        address = onion_address(pod)
        if address is None:
            raise TorUnavailable(f"no onion address in {folder / 'hostname'} yet: add HiddenServiceDir {folder} "
                                 f"and HiddenServicePort 80 {target(pod)} to torrc and reload Tor")
        return address  # Tor publishes the podmin's own HiddenServiceDir itself
    with controller(pod) as control:
        blob = stored_key(pod)
        if blob is None:
            created = _add(control, "NEW", KEY_TYPE, pod)
            if save_key(pod, created.private_key):
                log.info("created the onion service %s.onion", created.service_id)
                return created.service_id + ".onion"
            # Another process of the pod stored its key first: publish that one, drop ours.
            control.remove_ephemeral_hidden_service(created.service_id)
            blob = stored_key(pod)
        address = address_from_key(blob)
        if address.removesuffix(".onion") not in published_ids(control):
            try:
                _add(control, KEY_TYPE, blob, pod)
            except TorUnavailable as exc:
                if "collision" not in str(exc).lower():  # published meanwhile by another process
                    raise
        return address


@dataclass
class Status:
    address: str | None
    tor_version: str | None = None
    published: bool | None = None  # None: Tor could not be asked
    problem: str | None = None


def status(pod) -> Status:
    """The onion address and whether Tor serves it now, without changing anything."""
    address = onion_address(pod)
    if hidden_service_dir(pod) is not None:
        published = address is not None
        problem = None if published else f"Tor has not written {hidden_service_dir(pod) / 'hostname'} yet"
        return Status(address, None, published, problem)
    try:
        with controller(pod) as control:
            version = str(control.get_version()).split(" ")[0]
            published = address is not None and address.removesuffix(".onion") in published_ids(control)
    except TorUnavailable as exc:
        return Status(address, None, None, str(exc))
    return Status(address, version, published, None if published else "not published: run `seedpod tor publish` "
                                                                       "or restart the pod")
