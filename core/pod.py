"""The pod: resolved settings, database, plugins and jobs, shared by every process.

``build_pod`` is what the web app, the worker and every ``seedpod`` command start
from, so all of them see the same settings, plugins and database.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import pluggy
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from . import db, plugins
from .settings import CORE_SETTINGS, Setting, SettingError, legacy_registrations, resolve

log = logging.getLogger(__name__)

# Values that ship in example files: production refuses to sign cookies with them.
KNOWN_DEFAULT_SECRETS = {"", "change-me", "changeme", "secret", "seedpod"}


class StartupError(RuntimeError):
    """The pod must not start; the message says which setting to change."""


class DatabaseURLError(StartupError):
    """database.url cannot be used at all (unknown driver, malformed)."""


@dataclass
class Pod:
    settings: dict[str, Any]
    raw_settings: dict[str, Any]
    here: Path
    data_dir: Path
    engine: Engine
    session_factory: sessionmaker
    pm: pluggy.PluginManager
    enabled_plugins: list[str]
    plugin_overrides: dict[str, bool]
    plugin_settings: dict[str, list[Setting]] = field(default_factory=dict)
    jobs: Any = None  # core.jobs.JobRegistry, set by core.jobs.setup
    # The environment the settings were read from: a setting it gives can't be changed in /admin.
    environ: Mapping[str, str] = field(default_factory=dict)
    # When core.admin.site last re-read the settings stored by /admin (time.monotonic()).
    site_checked_at: float = 0.0

    @property
    def url(self) -> str:
        return self.settings["url"].rstrip("/")

    @property
    def host(self) -> str:
        """host[:port] as it appears in diaspora IDs."""
        parts = urlsplit(self.url)
        default_port = {"http": 80, "https": 443}[parts.scheme]
        host = parts.hostname or "localhost"
        return host if parts.port in (None, default_port) else f"{host}:{parts.port}"

    @property
    def name(self) -> str:
        return self.settings["pod.name"]

    @property
    def is_production(self) -> bool:
        return self.settings["environment"] == "production"

    def path_setting(self, name: str) -> Path | None:
        """A file named by setting ``name``, relative to the ini file's folder; None when empty."""
        configured = self.settings[name]
        if not configured:
            return None
        path = Path(configured)
        return path if path.is_absolute() else self.here / path

    def all_settings(self) -> list[tuple[str, list[Setting]]]:
        groups = [("core", list(CORE_SETTINGS))]
        groups += [(name, specs) for name, specs in self.plugin_settings.items()]
        return groups


def check_url(settings: Mapping[str, Any]) -> None:
    url = settings["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StartupError(f"setting url (env SEEDPOD_URL) must be an absolute http(s) URL, not {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise StartupError(f"setting url (env SEEDPOD_URL) must be the pod's root, without a path: {url!r}")
    if settings["environment"] == "production" and parts.scheme != "https" and not settings["url.allow_http"]:
        raise StartupError(
            f"production needs an https public URL, but url is {url!r}: set url (env SEEDPOD_URL) to "
            "https://..., or set url.allow_http = true (env SEEDPOD_URL_ALLOW_HTTP) for a private network"
        )


def load_secret(settings: Mapping[str, Any], data_dir: Path) -> str:
    """The cookie-signing secret; generated once under data_dir in development."""
    secret = settings["secret"]
    if settings["environment"] == "production":
        if secret.strip() in KNOWN_DEFAULT_SECRETS or len(secret) < 32:
            raise StartupError(
                "production needs its own secret: set secret (env SEEDPOD_SECRET) to at least 32 random "
                "characters, e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return secret
    if secret:
        return secret
    path = data_dir / "secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        log.info("generated the pod's secret in %s", path)
    return path.read_text().strip()


def read_plugin_overrides(engine: Engine) -> dict[str, bool]:
    """Per-pod plugin switches set by `seedpod plugins enable|disable`."""
    from .admin.models import PluginState

    if not sa.inspect(engine).has_table(PluginState.__tablename__):
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(PluginState.name, PluginState.enabled))
        return {name: bool(enabled) for name, enabled in rows}


def resolve_core(raw: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, Any], Path, Path]:
    """Core's settings with data_dir and database.url made concrete: (settings, here, data_dir)."""
    try:
        settings = resolve(CORE_SETTINGS, raw, environ)
        settings["settings.registrations"] = legacy_registrations(settings["settings.registrations"], raw, environ)
    except SettingError as exc:
        raise StartupError(str(exc)) from None
    check_url(settings)
    here = Path(raw.get("here") or os.getcwd())
    data_dir = Path(settings["data_dir"])
    data_dir = data_dir if data_dir.is_absolute() else here / data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    settings["data_dir"] = str(data_dir)
    if not settings["database.url"]:
        settings["database.url"] = f"sqlite:///{data_dir / 'seedpod.sqlite'}"
    return settings, here, data_dir


def open_database(settings: Mapping[str, Any]) -> Engine:
    try:
        return db.make_engine(settings["database.url"])
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise DatabaseURLError(f"setting database.url (env SEEDPOD_DATABASE_URL) cannot be used: {exc}") from None


def build_pod(raw_settings: Mapping[str, Any], environ: Mapping[str, str] | None = None, *,
              extra_plugins: Mapping[str, object] | None = None) -> Pod:
    """The pod for these settings; ``environ`` defaults to os.environ. ``extra_plugins``
    are plugin objects registered by name after the enabled ones, for tests."""
    environ = os.environ if environ is None else environ
    # Every model is mapped before the first query, whoever runs it (web, worker, CLI).
    from .migrations import import_models

    import_models()
    raw = dict(raw_settings)
    settings, here, data_dir = resolve_core(raw, environ)
    settings["secret"] = load_secret(settings, data_dir)
    engine = open_database(settings)
    # Settings an admin changed at /admin (over the ini file, under the environment).
    from .admin import site

    stored = site.read_at_startup(engine)
    site.apply_stored(settings, CORE_SETTINGS, stored, environ)
    try:
        overrides = read_plugin_overrides(engine)
    except sa.exc.OperationalError as exc:
        overrides = {}
        log.warning("cannot read plugin switches from the database: %s", exc.orig)
    enabled = plugins.enabled_names(settings["plugins"], overrides)
    pm = plugins.new_manager()
    try:
        plugins.load_plugins(pm, enabled, extra_plugins)
    except plugins.PluginError as exc:
        switched_on = [n for n, on in overrides.items() if on and n not in plugins.installed_plugins()]
        hint = "".join(f"; {n} was switched on by `seedpod plugins enable`: switch it off with "
                       f"`seedpod plugins disable {n}`" for n in switched_on)
        raise StartupError(str(exc) + hint) from exc

    enabled += list(extra_plugins or {})
    pod = Pod(settings, raw, here, data_dir, engine, db.session_factory(engine), pm, enabled, overrides,
              environ=environ)
    for impl in pm.hook.register_settings.get_hookimpls():
        specs = list(impl.function(pod=pod) or [])
        for spec in specs:
            if not spec.name.startswith(impl.plugin_name + "."):
                raise StartupError(f"plugin {impl.plugin_name!r} declares setting {spec.name!r} "
                                   f"without its name as prefix")
        try:
            settings.update(resolve(specs, raw, environ))
        except SettingError as exc:
            raise StartupError(f"plugin {impl.plugin_name!r}: {exc}") from None
        site.apply_stored(settings, specs, stored, environ)
        pod.plugin_settings[impl.plugin_name] = specs

    from . import jobs

    jobs.setup(pod)
    return pod
