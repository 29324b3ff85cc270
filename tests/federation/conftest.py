"""Fixtures of the federation tests: pods in their own processes, and a peer that is not Seedpod.

``start_pod("a")`` runs a pod as a `seedpod serve` process (see processes.py) with its own
database, of the backend the test is parametrised with; ``two_pods`` is pods A and B;
``fake_peer`` is a diaspora* pod written with the PyPI ``federation`` package (fake_peer.py).
A failing test prints every pod's log.
"""
from __future__ import annotations

import pytest

from core.testing import PostgresDatabases, SqliteDatabases

from .fake_peer import make_federation_package_importable
from .processes import PodProcess

make_federation_package_importable()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"federation_{report.when}_failed", report.failed)


@pytest.fixture
def extra_database(request, _databases, tmp_path, database_url):
    """Another migrated, empty database of the same backend as ``database_url``: ``extra_database("b")``."""
    shared, worker, prepared = _databases
    made = []

    def make(label: str) -> str:
        if database_url.startswith("sqlite"):
            folder = tmp_path / f"db-{label}"
            folder.mkdir()
            return SqliteDatabases(shared).fresh(folder)
        key = f"postgresql-{label}"
        if key not in prepared:
            databases = PostgresDatabases(shared, f"{worker}_{label}")
            databases.prepare()
            prepared[key] = databases
        url = prepared[key].fresh(tmp_path)
        made.append((prepared[key], url))
        return url

    yield make
    for databases, url in made:
        databases.clean(url)


@pytest.fixture
def start_pod(request, tmp_path, database_url, extra_database):
    """``start_pod("a", **settings)``: a running pod process with its own database. The first pod
    uses ``database_url``, the others a database of the same backend made for them."""
    pods: list[PodProcess] = []

    def start(name: str, **settings) -> PodProcess:
        folder = tmp_path / f"pod-{name}"
        folder.mkdir()
        url = database_url if not pods else extra_database(name)
        pod = PodProcess(name, folder, url, **settings)
        pods.append(pod)
        return pod.start()

    yield start
    for pod in pods:
        pod.close()
    if getattr(request.node, "federation_call_failed", False) or getattr(request.node, "federation_setup_failed",
                                                                           False):
        for pod in pods:
            print(f"\n===== log of pod {pod.name} ({pod.url}) =====\n{pod.log_text()}")


@pytest.fixture
def two_pods(start_pod):
    """Pods A and B, each in its own process with its own database and in-process jobs."""
    return start_pod("a"), start_pod("b")


@pytest.fixture
def fake_peer():
    """A diaspora* peer that is not Seedpod (see fake_peer.py), serving on a loopback port."""
    from .fake_peer import FakePeer

    peer = FakePeer().start()
    yield peer
    peer.stop()
