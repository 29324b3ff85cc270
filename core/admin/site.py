"""Settings an admin changes from /admin, stored in the database over the ini file.

Each changed setting is a ``SiteSetting`` row holding the text one would write in the
ini file. The order of precedence is: environment variable, then the row, then the ini
file, then the default. A setting given by an environment variable can't be changed
here: the page shows it read-only.

``LIVE_SETTINGS`` take effect at once in the process that saved them and within
``REFRESH_SECONDS`` in every other web process (``refresh`` runs on each request and
re-reads the rows at most that often); the others are applied when the pod starts.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..settings import CORE_SETTINGS, Setting, SettingError, legacy_registrations, resolve
from .models import SiteSetting

log = logging.getLogger(__name__)

LIVE_SETTINGS = ("pod.name", "pod.description", "settings.registrations", "pod.hide_statistics")

# How often a process re-reads the rows for LIVE_SETTINGS.
REFRESH_SECONDS = 3.0

# Core settings that only the ini file or the environment may set: the pod needs them
# before it can read the database, or changing them from a page could lock everyone out.
INI_ONLY = frozenset({
    "environment", "url", "url.allow_http", "data_dir", "database.url", "redis.url", "redis.namespace",
    "secret", "plugins", "server.host", "server.port", "server.threads", "server.trusted_proxy",
    "jobs.in_process",
})

# Lengths (in characters) a value must have, beyond what the setting's type accepts.
LENGTHS = {"pod.name": (1, 64), "pod.description": (0, 500)}

# Longest value stored for any setting.
MAX_VALUE_LENGTH = 10_000


def declared(pod) -> dict[str, Setting]:
    """Every setting of core and of the enabled plugins, by name."""
    return {spec.name: spec for _group, specs in pod.all_settings() for spec in specs}


def fixed_by(pod, name: str) -> str | None:
    """The environment variable that sets ``name``, if one does: the page can't change it."""
    spec = declared(pod).get(name)
    environ = getattr(pod, "environ", None) or {}
    if spec is not None and spec.env_name in environ:
        return spec.env_name
    return None


def editable(pod, name: str) -> bool:
    return name in declared(pod) and name not in INI_ONLY and fixed_by(pod, name) is None


def overrides(dbsession: Session) -> dict[str, str]:
    """The stored settings: name -> text as in the ini file."""
    rows = dbsession.execute(sa.select(SiteSetting.name, SiteSetting.value)).all()
    return {name: value for name, value in rows}


def check(pod, name: str, text: Any) -> Any:
    """The typed value of ``text`` for setting ``name``; SettingError saying why not."""
    specs = declared(pod)
    spec = specs.get(name)
    if spec is None:
        raise SettingError(f"there is no setting {name!r}")
    if name in INI_ONLY:
        raise SettingError(f"setting {name} can only be set in the ini file or by {spec.env_name}")
    env = fixed_by(pod, name)
    if env is not None:
        raise SettingError(f"setting {name} is set by {env} and can't be changed here")
    if not isinstance(text, str):
        raise SettingError(f"setting {name}: the value must be text")
    if "\x00" in text:
        raise SettingError(f"setting {name}: the value can't contain a NUL character")
    if len(text) > MAX_VALUE_LENGTH:
        raise SettingError(f"setting {name}: the value is longer than {MAX_VALUE_LENGTH} characters")
    if name in LENGTHS:
        shortest, longest = LENGTHS[name]
        length = len(text.strip())
        if length < shortest:
            raise SettingError(f"setting {name} can't be empty")
        if length > longest:
            raise SettingError(f"setting {name} can be at most {longest} characters long ({length} given)")
        text = text.strip()
    return spec.convert(text)


def save(dbsession: Session, pod, values: Mapping[str, str]) -> set[str]:
    """Store ``values`` (name -> ini text) and apply the live ones to this process at once.

    Every value is checked first: if any is unknown, fixed by the environment or invalid,
    SettingError says which and nothing is written. Returns the names whose new value
    only takes effect after a restart.
    """
    converted: dict[str, tuple[str, Any]] = {}
    for name, text in values.items():
        value = check(pod, name, text)
        converted[name] = (text.strip() if name in LENGTHS else text, value)
    restart: set[str] = set()
    for name, (text, value) in converted.items():
        row = dbsession.get(SiteSetting, name)
        if row is None:
            dbsession.add(SiteSetting(name=name, value=text))
        else:
            row.value = text
        if name in LIVE_SETTINGS:
            pod.settings[name] = value
        elif pod.settings.get(name) != value:
            restart.add(name)
    dbsession.flush()
    # Another request of this process may re-read the rows before this transaction ends:
    # once it has ended, the next request reads them again, committed or not.
    def reread(*_args) -> None:
        pod.site_checked_at = 0.0

    for event in ("after_commit", "after_rollback"):
        sa.event.listen(dbsession, event, reread, once=True)
    return restart


def baseline(pod, names) -> dict[str, Any]:
    """What ``names`` would be without any row: environment, then ini, then default."""
    specs = declared(pod)
    known = [specs[name] for name in names if name in specs]
    environ = getattr(pod, "environ", None) or {}
    raw = dict(pod.raw_settings)
    values = resolve(known, raw, environ)
    if "settings.registrations" in values:
        values["settings.registrations"] = legacy_registrations(values["settings.registrations"], raw, environ)
    return values


def apply(pod, stored: Mapping[str, str], names) -> None:
    """Set ``names`` in ``pod.settings`` from ``stored`` rows over the ini file and defaults."""
    values = baseline(pod, names)
    specs = declared(pod)
    for name in names:
        if name not in specs:
            continue
        if name in stored and editable(pod, name):
            try:
                values[name] = specs[name].convert(stored[name])
            except SettingError as exc:
                log.warning("ignoring the stored value of %s: %s", name, exc)
        pod.settings[name] = values[name]


def refresh(pod, dbsession: Session, *, force: bool = False) -> bool:
    """Re-read the rows and apply LIVE_SETTINGS, at most every REFRESH_SECONDS per pod.

    Returns whether it read them.
    """
    now = time.monotonic()
    last = getattr(pod, "site_checked_at", 0.0) or 0.0
    if not force and last and now - last < REFRESH_SECONDS:
        return False
    pod.site_checked_at = now
    try:
        stored = overrides(dbsession)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        log.warning("cannot read the pod's settings from the database: %s", getattr(exc, "orig", exc))
        return False
    apply(pod, stored, LIVE_SETTINGS)
    return True


def read_at_startup(engine) -> dict[str, str]:
    """The stored settings, or nothing when the database isn't migrated yet (or can't be read)."""
    try:
        if not sa.inspect(engine).has_table(SiteSetting.__tablename__):
            return {}
        with engine.connect() as conn:
            return {name: value for name, value in conn.execute(sa.select(SiteSetting.name, SiteSetting.value))}
    except sa.exc.SQLAlchemyError as exc:
        log.warning("cannot read the pod's settings from the database: %s", getattr(exc, "orig", exc))
        return {}


def apply_stored(settings: dict[str, Any], specs, stored: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """At startup: put stored values of ``specs`` into ``settings``, unless the environment
    sets them or only the ini file may. A stored value that no longer reads is logged and skipped."""
    for spec in specs:
        if spec.name not in stored or spec.name in INI_ONLY or spec.env_name in environ:
            continue
        try:
            settings[spec.name] = spec.convert(stored[spec.name])
        except SettingError as exc:
            log.warning("ignoring the stored value of %s: %s", spec.name, exc)


def on_new_request(event) -> None:
    request = event.request
    pod = request.registry.pod
    last = getattr(pod, "site_checked_at", 0.0) or 0.0
    if last and time.monotonic() - last < REFRESH_SECONDS:
        return
    with pod.session_factory() as session:
        refresh(pod, session)


def includeme(config):
    from pyramid.events import NewRequest

    config.add_subscriber(on_new_request, NewRequest)


__all__ = ["LIVE_SETTINGS", "CORE_SETTINGS", "save", "overrides", "refresh", "fixed_by", "editable", "check"]
