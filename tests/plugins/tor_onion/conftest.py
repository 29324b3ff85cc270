"""A real tor daemon (never on the network), a recording SOCKS5 server and a local HTTP server."""
from __future__ import annotations

import json
import os
import select
import socket
import socketserver
import struct
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.testing import free_port, unavailable

TOR = os.environ.get("SEEDPOD_TEST_TOR", "/usr/sbin/tor")
START_SECONDS = 30


class TorDaemon:
    """tor with ``DisableNetwork 1``, on free loopback ports, in its own DataDirectory."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.control_port = free_port()
        self.socks_port = free_port()
        self.log = folder / "notice.log"
        self.torrc = folder / "torrc"
        data = folder / "data"
        data.mkdir(mode=0o700)
        self.torrc.write_text("\n".join([
            "DisableNetwork 1",  # always: a test never reaches the Tor network
            f"DataDirectory {data}",
            f"SocksPort 127.0.0.1:{self.socks_port}",
            f"ControlPort 127.0.0.1:{self.control_port}",
            "CookieAuthentication 1",
            f"Log notice file {self.log}",
            "AvoidDiskWrites 1",
        ]) + "\n")
        self.process: subprocess.Popen | None = None

    def settings(self, **overrides) -> dict:
        """Overrides for make_pod / make_app pointing the plugin at this tor, plus tor_onion's
        settings given by their short names (``socks_port=...``: tor opens no SocksPort while
        DisableNetwork is set, so tests that go through one bring their own)."""
        return {"plugins": "tor_onion", "tor_onion.control_port": str(self.control_port),
                "tor_onion.socks_port": str(self.socks_port),
                **{f"tor_onion.{name}": str(value) for name, value in overrides.items()}}

    def start(self) -> "TorDaemon":
        self.process = subprocess.Popen([TOR, "-f", str(self.torrc)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.answers():
                return self
            time.sleep(0.1)
        log = self.log.read_text() if self.log.exists() else "(no log)"
        self.stop()
        pytest.fail(f"tor did not open its control port {self.control_port} within {START_SECONDS}s:\n{log}")

    def answers(self) -> bool:
        from stem.control import Controller

        try:
            with Controller.from_port("127.0.0.1", self.control_port) as control:
                control.authenticate()
                return True
        except Exception:
            return False

    def onions(self) -> list[str]:
        from stem.control import Controller

        with Controller.from_port("127.0.0.1", self.control_port) as control:
            control.authenticate()
            return [f"{sid}.onion" for sid in control.list_ephemeral_hidden_services(detached=True)]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def tor(tmp_path_factory):
    """Debian's tor, started once per test process; ``tor.restart()`` keeps its ports."""
    if not os.access(TOR, os.X_OK):
        unavailable(f"no tor at {TOR}; install it with: apt-get install -y tor")
    daemon = TorDaemon(tmp_path_factory.mktemp("tor")).start()
    yield daemon
    daemon.stop()


@pytest.fixture
def tor_running(tor):
    """The session's tor, started again if a test stopped it."""
    if tor.process is None:
        tor.start()
    return tor


# --- a local HTTP server standing for the pod at the other end --------------------------

class Upstream(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), UpstreamHandler)
        self.requests: list[tuple[str, str, str]] = []  # (method, Host header, path)

    @property
    def port(self) -> int:
        return self.server_address[1]


class UpstreamHandler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.headers.get("Host", ""), self.path))
        body = json.dumps({"host": self.headers.get("Host"), "path": self.path}).encode()
        self.send_response(200 if self.command == "GET" else 202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- a SOCKS5 server that records each CONNECT and forwards it to the upstream ----------

class Socks5(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, forward_to: int):
        super().__init__(("127.0.0.1", 0), Socks5Handler)
        self.forward_to = forward_to
        self.connects: list[tuple[int, str, int]] = []  # (address type, host, port)

    @property
    def port(self) -> int:
        return self.server_address[1]


class Socks5Handler(socketserver.BaseRequestHandler):
    """RFC 1928, just enough: no authentication, CONNECT only."""

    def _read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.request.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the client went away")
            data += chunk
        return data

    def handle(self):
        version, methods = self._read(2)
        self._read(methods)
        self.request.sendall(b"\x05\x00")
        version, command, _reserved, atyp = self._read(4)
        if atyp == 1:
            host = socket.inet_ntoa(self._read(4))
        elif atyp == 3:
            host = self._read(self._read(1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, self._read(16))
        port = struct.unpack("!H", self._read(2))[0]
        self.server.connects.append((atyp, host, port))
        upstream = socket.create_connection(("127.0.0.1", self.server.forward_to))
        self.request.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
        self._pipe(upstream)

    def _pipe(self, upstream):
        with upstream:
            sockets = [self.request, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 5)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.request else self.request).sendall(data)


@pytest.fixture
def socks(upstream):
    server = Socks5(upstream.port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
