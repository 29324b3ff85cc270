"""pytest fixtures for Seedpod and for plugin authors: ``pytest_plugins = ["core.testing"]``.

Every database test runs on SQLite and on PostgreSQL (``SEEDPOD_TEST_DATABASES``,
default ``sqlite postgresql``). Each backend is migrated once into a template per
test session; each test gets a fresh copy (SQLite) or a truncated per-worker
database cloned from the template (PostgreSQL). Outside CI a missing PostgreSQL,
Redis or Chromium skips its tests with the reason; with ``CI=true`` it fails them.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from .accounts.models import Person, User
from .aspects.models import Aspect, AspectMembership, Block, Contact

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_SERVER = os.environ.get("SEEDPOD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SEEDPOD_TEST_REDIS", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("SEEDPOD_TEST_CHROMIUM", "/usr/bin/chromium")
BACKENDS = os.environ.get("SEEDPOD_TEST_DATABASES", "sqlite postgresql").replace(",", " ").split()
# The plugins the pods under test enable unless a test sets ``plugins`` itself: "bundled"
# (every plugin shipped in plugins/), "none", or plugin names. Unset, SQLite pods enable every
# bundled plugin and PostgreSQL pods none, so one run of the suite shows the pod working both
# with all of them and without any.
TEST_PLUGINS = os.environ.get("SEEDPOD_TEST_PLUGINS", "").strip()

# `make test` may point SEEDPOD_DATABASE_URL at a PostgreSQL server: tests then use that server.
if os.environ.get("SEEDPOD_DATABASE_URL", "").startswith("postgresql"):
    POSTGRES_SERVER = os.environ["SEEDPOD_DATABASE_URL"]


def unavailable(reason: str):
    """Skip outside CI; in CI a missing service is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may skip)")
    pytest.skip(reason)


def bundled_plugins() -> list[str]:
    """The plugins shipped with Seedpod: those its own distribution declares."""
    return sorted(bundled_plugin_folders())


def bundled_plugin_folders() -> dict[str, Path]:
    """The folder of each plugin Seedpod's distribution declares, by name (found through the
    entry point, without importing the plugin)."""
    import importlib.util

    from .plugins import installed_plugins

    folders = {}
    for name, entry_point in installed_plugins().items():
        if entry_point.dist is None or entry_point.dist.name != "seedpod":
            continue
        spec = importlib.util.find_spec(entry_point.module)
        if spec is not None and spec.origin:
            folders[name] = Path(spec.origin).resolve().parent
    return folders


def default_plugins(database_url: str) -> str:
    return plugin_choice(TEST_PLUGINS or ("bundled" if database_url.startswith("sqlite") else "none"))


def plugin_choice(choice: str) -> str:
    """The ``plugins`` setting for "bundled", "none" or a list of names."""
    if choice == "bundled":
        return " ".join(bundled_plugins())
    return "" if choice == "none" else choice


def base_settings(tmp_path: Path, database_url: str) -> dict:
    """Settings of a pod under test: fast password hashes and 2048-bit keys, loopback federation."""
    return {
        "here": str(tmp_path),
        "data_dir": str(tmp_path / "var"),
        "database.url": database_url,
        "url": "http://pod.test",
        "secret": "t" * 64,
        "plugins": default_plugins(database_url),
        "passwords.argon2_profile": "CHEAPEST",
        "accounts.rsa_key_size": "2048",
        "federation.allow_http": "true",
        "federation.allow_private_addresses": "true",
        "jobs.in_process": "false",
    }


def migration_fingerprint() -> str:
    from . import migrations

    digest = hashlib.sha256()
    # A plugin's hooks say whether its migrations are registered at all.
    plugin_files = [path for folder in bundled_plugin_folders().values()
                    for path in [*folder.glob("migrations/**/*.py"), *folder.glob("*.py")]]
    for path in sorted([*migrations.CORE_VERSIONS.rglob("*.py"), *plugin_files]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def migrate(url: str, tmp_path: Path) -> None:
    """Migrate core and every bundled plugin, whether a test enables the plugin or not (as on a
    pod where a podmin enabled and later disabled it)."""
    from . import migrations
    from .pod import build_pod

    pod = build_pod({**base_settings(tmp_path, url), "plugins": " ".join(bundled_plugins())}, environ={})
    migrations.upgrade(pod)
    pod.engine.dispose()


def postgres_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_admin():
    engine = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


class SqliteDatabases:
    def __init__(self, shared: Path):
        self.template = shared / f"template-{migration_fingerprint()}.sqlite"
        self.shared = shared

    def prepare(self) -> None:
        from filelock import FileLock

        with FileLock(str(self.template) + ".lock"):
            if not self.template.exists():
                building = self.template.with_suffix(".building")
                migrate(f"sqlite:///{building}", self.shared)
                building.rename(self.template)

    def fresh(self, tmp_path: Path) -> str:
        target = tmp_path / "seedpod.sqlite"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def clean(self, url: str) -> None:
        pass  # each test has its own file


class PostgresDatabases:
    def __init__(self, shared: Path, worker: str):
        self.template = f"seedpod_tpl_{migration_fingerprint()}"
        self.name = f"seedpod_test_{worker}_{os.getpid()}"
        self.shared = shared

    def prepare(self) -> None:
        try:
            with postgres_admin() as conn:
                conn.execute(sa.text("SELECT pg_advisory_lock(724311)"))
                try:
                    exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                          {"n": self.template}).first()
                    if not exists:
                        conn.execute(sa.text(f'CREATE DATABASE "{self.template}"'))
                        migrate(postgres_url(self.template), self.shared)
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}"'))
                    conn.execute(sa.text(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"'))
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(724311)"))
        except sa.exc.OperationalError as exc:
            unavailable(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc.orig}")

    def fresh(self, tmp_path: Path) -> str:
        return postgres_url(self.name)

    def clean(self, url: str) -> None:
        """Empty every table the test wrote to and restart the sequences it used.

        TRUNCATE of every table costs a third of a second (new files for each table and
        index), more than most tests; emptying only the tables that hold rows, with foreign
        keys switched off for the transaction (a superuser's right), costs a few milliseconds.
        """
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                tables = [r[0] for r in conn.execute(sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
                if not tables:
                    return
                probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
                written = [r[0] for r in conn.execute(sa.text(probe))]
                superuser = conn.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
                if not superuser:
                    conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
                    return
                if written:
                    conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                    for table in written:
                        conn.execute(sa.text(f'DELETE FROM "{table}"'))
                used = conn.execute(sa.text(
                    "SELECT schemaname || '.' || sequencename FROM pg_sequences WHERE last_value IS NOT NULL")).scalars()
                for sequence in list(used):
                    conn.execute(sa.text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})
        finally:
            engine.dispose()

    def drop(self) -> None:
        with postgres_admin() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _databases(tmp_path_factory):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    shared = tmp_path_factory.getbasetemp().parent
    prepared: dict[str, object] = {}
    yield shared, worker_id, prepared
    for backend in prepared.values():
        if isinstance(backend, PostgresDatabases):
            backend.drop()


@pytest.fixture(params=BACKENDS)
def database_url(request, _databases, tmp_path):
    """A migrated, empty database of each backend, for this test alone."""
    shared, worker, prepared = _databases
    backend = request.param
    if backend not in prepared:
        databases = SqliteDatabases(shared) if backend == "sqlite" else PostgresDatabases(shared, worker)
        databases.prepare()
        prepared[backend] = databases
    databases = prepared[backend]
    url = databases.fresh(tmp_path)
    yield url
    databases.clean(url)


def pytest_configure(config):
    config.addinivalue_line("markers", "plugins(names): the plugins the test's pods enable, e.g. "
                                       "@pytest.mark.plugins(\"terms\"), \"bundled\" or \"none\" (default: see TEST_PLUGINS)")


@pytest.fixture
def settings(request, tmp_path, database_url) -> dict:
    """Settings of the pod under test; change them before asking for ``pod`` or ``app``.
    A ``plugins`` mark on the test (or its module) sets the enabled plugins."""
    values = base_settings(tmp_path, database_url)
    marker = request.node.get_closest_marker("plugins")
    if marker is not None:
        values["plugins"] = plugin_choice(marker.args[0] if marker.args else "none")
    return values


@pytest.fixture
def make_pod(settings):
    """Build a pod from ``settings`` plus overrides, with an empty environment.

    ``extra_plugins`` maps names to plugin objects registered without an entry point.
    """
    from .pod import build_pod

    pods = []

    def make(environ: dict | None = None, extra_plugins: dict | None = None, **overrides):
        merged = {**settings, **{k.replace("__", "."): v for k, v in overrides.items()}}
        pod = build_pod(merged, environ=environ or {}, extra_plugins=extra_plugins)
        pods.append(pod)
        return pod

    yield make
    for pod in pods:
        pod.engine.dispose()


@pytest.fixture
def pod(make_pod):
    return make_pod()


@pytest.fixture
def make_app(make_pod):
    """A WebTest app for a pod built with these setting overrides."""
    from .config import configure

    def make(**overrides):
        built = make_pod(**overrides)
        return browse(configure({}, pod=built).make_wsgi_app(), built)

    return make


def browse(wsgi_app, pod):
    """A WebTest client with its own cookies; ``.pod`` is the pod it talks to."""
    import webtest

    client = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "192.0.2.10"})
    client.pod = pod
    return client


# Configuring the app costs more than most tests; pods that differ only in their database
# and folders share one app per process, pointed at each test's pod in turn.
_APPS: dict = {}
PER_TEST_SETTINGS = ("here", "data_dir", "database.url")


def app_for(pod):
    """The WSGI app of ``pod``: configured once per set of settings, then re-pointed."""
    from .config import configure
    from .security import make_rate_limiter

    key = (tuple(sorted((k, repr(v)) for k, v in pod.raw_settings.items() if k not in PER_TEST_SETTINGS)),
           tuple(pod.enabled_plugins), tuple(sorted(pod.plugin_overrides.items())))
    router = _APPS.get(key)
    if router is None:
        router = _APPS[key] = configure({}, pod=pod).make_wsgi_app()
        return router
    registry = router.registry
    registry.pod = pod
    registry.settings.update(pod.settings)
    registry.rate_limiter = make_rate_limiter(pod)  # counts start afresh with each test
    pod.pm.hook.on_startup(pod=pod)
    return router


@pytest.fixture
def wsgi_app(pod):
    return app_for(pod)


@pytest.fixture
def app(wsgi_app, pod):
    """A browser on the test ``pod``."""
    return browse(wsgi_app, pod)


@pytest.fixture
def new_browser(wsgi_app, pod):
    """More browsers on the same pod, each with its own cookies: ``new_browser()``."""
    return lambda: browse(wsgi_app, pod)


@pytest.fixture
def dbsession(pod):
    """A session on the test pod's database, committed by the test when it wants."""
    session = pod.session_factory()
    yield session
    session.close()


def sign_up(app, username: str = "alice", password: str = "correct horse battery", email: str | None = None):
    """Sign up through the web form; the app's cookies are then signed in."""
    page = app.get("/users/sign_up")
    form = page.forms["sign-up"] if "sign-up" in page.forms else page.forms[0]
    form["username"] = username
    form["email"] = email or f"{username}@example.org"
    form["password"] = password
    form["password_confirmation"] = password
    return form.submit(status="*")


def sign_in(app, login: str, password: str, status="*"):
    page = app.get("/users/sign_in")
    form = page.forms[0]
    form["login"] = login
    form["password"] = password
    return form.submit(status=status)


PASSWORD = "correct horse battery"


def sign_in_as_new_member(pod, browser, username: str, *roles: str):
    """Make a local user holding ``roles`` and sign ``browser`` in as them."""
    from .accounts.services import AccountService

    browser.username = username
    with pod.session_factory() as session:
        service = AccountService(session, pod)
        service.sign_up(username, f"{username}@example.org", PASSWORD, allow_reserved=True)
        session.flush()
        for role in roles:
            service.add_role(role, username)
        session.commit()
    assert sign_in(browser, username, PASSWORD).status_int == 303
    return browser


@pytest.fixture
def member(pod, new_browser):
    """``member("alice", "admin", "moderator")``: a new local user holding those roles, and a
    browser signed in as them (``browser.username`` says who). ``member(None)`` is a visitor."""

    def make(username: str | None, *roles: str):
        if username is None:
            browser = new_browser()
            browser.username = None
            return browser
        return sign_in_as_new_member(pod, new_browser(), username, *roles)

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    """A real Redis; each test gets its own key namespace."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_namespace(redis_url):
    import redis

    namespace = f"seedpod-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


class LiveServer:
    """A pod served by waitress in a thread."""

    def __init__(self, wsgi_app, pod, port: int):
        from waitress.server import create_server

        self.pod = pod
        self.server = create_server(wsgi_app, host="127.0.0.1", port=port, threads=4)
        self.url = f"http://127.0.0.1:{port}"
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # Closing the sockets under waitress's select() ends its loop with EBADF: expected
            # when we stop it, a real error otherwise.
            if not self.stopping:
                raise

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping = True
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def make_live_server(make_pod):
    """Serve a pod over real HTTP on a free loopback port (for the browser tests)."""
    from .config import configure

    servers = []

    def make(**overrides):
        port = free_port()
        built = make_pod(url=f"http://127.0.0.1:{port}", **overrides)
        server = LiveServer(configure({}, pod=built).make_wsgi_app(), built, port).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, headless."""
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM}; install it with: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (own cookies) with JavaScript on."""
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()


# --- People and sharing: signed-in browsers, and sharing through a person's page ---------


@pytest.fixture
def person_of(pod):
    """The Person row of a username, fresh from the database."""
    def find(username: str) -> Person:
        with pod.session_factory() as session:
            person = session.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                                    .where(User.username == username))
            session.expunge_all()
            return person
    return find


@pytest.fixture
def people(new_browser):
    """Signed-in browsers by username: ``people("alice", "bob")``."""
    def make(*names):
        browsers = []
        for name in names:
            browser = new_browser()
            assert sign_up(browser, name).status_int == 303
            browsers.append(browser)
        return browsers
    return make


def form_with_action(page, ending: str):
    return next(form for form in page.forms.values() if form.action.endswith(ending))


def aspects_of(pod, username: str) -> list[tuple[int, str]]:
    with pod.session_factory() as session:
        return [(a.id, a.name) for a in session.scalars(
            sa.select(Aspect).join(User, User.id == Aspect.user_id).where(User.username == username)
            .order_by(Aspect.position, Aspect.id))]


def contact_flags(pod, owner: str, other: str):
    """(sharing, receiving, aspect names) of owner's Contact for other, or None."""
    with pod.session_factory() as session:
        owner_id = session.scalar(sa.select(User.id).where(User.username == owner))
        person_id = session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                                   .where(User.username == other))
        contact = session.scalar(sa.select(Contact).where(Contact.user_id == owner_id, Contact.person_id == person_id))
        if contact is None:
            return None
        names = sorted(session.scalars(sa.select(Aspect.name).join(AspectMembership)
                                       .where(AspectMembership.contact_id == contact.id)))
        return contact.sharing, contact.receiving, names


def block_count(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Block))


def share(browser, person, aspect_names, pod, owner):
    """Put ``person`` in the named aspects of ``owner`` through the person page."""
    page = browser.get(f"/people/{person.guid}")
    form = form_with_action(page, f"/people/{person.guid}/aspects")
    wanted = {aid for aid, name in aspects_of(pod, owner) if name in aspect_names}
    for field in form.fields["aspect_ids"]:
        field.checked = int(field._value) in wanted
    return form.submit(status="*")


def csrf(browser, path: str = "/contacts/aspects") -> str:
    page = browser.get(path)
    return next(f for f in page.forms.values() if "csrf_token" in f.fields)["csrf_token"].value
