"""RSS and page latency of the embedded pod (`seedpod serve`, SQLite, in-process jobs).

Starts a real `seedpod serve` on a free loopback port against a throwaway data directory, signs
up one account, sends a bounded burst of requests, and reads the server's RSS from /proc.
"""
from __future__ import annotations

import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REQUESTS_PER_PAGE = 300
SEEDPOD = str(Path(sys.executable).with_name("seedpod"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"the pod did not answer at {url}")


def timed(session: requests.Session, url: str) -> list[float]:
    times = []
    for _ in range(REQUESTS_PER_PAGE):
        start = time.perf_counter()
        response = session.get(url, timeout=10)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return times


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SEEDPOD_URL": base, "SEEDPOD_DATA_DIR": folder, "SEEDPOD_CONFIG": "development.ini"}
        subprocess.run([SEEDPOD, "db", "upgrade"], env=env, check=True, capture_output=True)
        server = subprocess.Popen([SEEDPOD, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(base)
            time.sleep(2)
            at_rest = rss_mb(server.pid)
            session = requests.Session()
            page = session.get(f"{base}/users/sign_up").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            session.post(f"{base}/users/sign_up", data={
                "csrf_token": token, "username": "bench", "email": "bench@example.org",
                "password": "benchmark passphrase", "password_confirmation": "benchmark passphrase"})
            results = {path: timed(session, base + path) for path in ("/stream", "/user/edit")}
            results["/ (visitor)"] = timed(requests.Session(), base + "/")
            after = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"RSS at rest: {at_rest:.1f} MB; after {REQUESTS_PER_PAGE * len(results)} requests: {after:.1f} MB")
    for path, times in results.items():
        ordered = sorted(times)
        p99 = ordered[int(len(ordered) * 0.99) - 1]
        print(f"{path:14} p50 {statistics.median(times):6.2f} ms  p99 {p99:6.2f} ms  (n={len(times)})")


if __name__ == "__main__":
    main()
