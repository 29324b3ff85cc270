"""/admin/plugins: the installed plugins, their switches and the settings forms they declare.

A switch is the same ``PluginState`` row ``seedpod plugins enable|disable`` writes, and a
setting is a ``SiteSetting`` row written through ``core.admin.site``. Neither changes the
running processes: plugins are loaded when the pod starts, so both wait for a restart of
the web processes and the workers, and the pages say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import plugins
from ..db import utcnow
from ..settings import Setting, SettingError, resolve
from . import site
from .models import PluginState, SiteSetting

RESTART = "Restart the pod (web and workers) for this to take effect."
# The form field naming each checkbox the settings form showed.
CHECKBOXES = "checkboxes"


class PluginPageError(ValueError):
    """A switch or a form that can't be applied; the message says why."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class PluginView:
    info: plugins.PluginInfo
    # The switch stored now (it may be newer than the running processes), or None.
    switch: bool | None
    # Whether the `plugins` setting (ini file or SEEDPOD_PLUGINS) names it.
    configured: bool

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def running(self) -> bool:
        return self.info.enabled

    @property
    def after_restart(self) -> bool:
        return self.switch if self.switch is not None else self.configured

    @property
    def restart_needed(self) -> bool:
        return self.after_restart != self.running

    @property
    def state(self) -> str:
        return "enabled" if self.running else "disabled"

    @property
    def decided_by(self) -> str:
        if self.switch is not None:
            return "by a switch (this page or `seedpod plugins`)"
        return "by the `plugins` setting (ini file or SEEDPOD_PLUGINS)"

    @property
    def has_tables(self) -> bool:
        return "register_migrations" in self.info.hooks


def plugin_views(dbsession: Session, pod) -> list[PluginView]:
    switches = {name: bool(on) for name, on in dbsession.execute(sa.select(PluginState.name, PluginState.enabled))}
    configured = set(pod.settings.get("plugins") or [])
    return [PluginView(info, switches.get(info.name), info.name in configured) for info in plugins.describe(pod)]


def find(dbsession: Session, pod, name: str) -> PluginView | None:
    if name not in plugins.installed_plugins():  # checked first: describe() imports every plugin
        return None
    return next((view for view in plugin_views(dbsession, pod) if view.name == name), None)


def switch(dbsession: Session, name: str, enabled: bool) -> None:
    """Store the switch for an installed plugin as `seedpod plugins enable|disable` does.

    A plugin that can't be loaded is never switched on: the pod would not start again.
    """
    if enabled:
        try:
            plugins.load_plugins(plugins.new_manager(), [name])
        except plugins.PluginError as exc:
            raise PluginPageError(f"{name} was not enabled: {exc}") from None
    row = dbsession.get(PluginState, name)
    if row is None:
        dbsession.add(PluginState(name=name, enabled=enabled, changed_at=utcnow()))
    else:
        row.enabled = enabled
        row.changed_at = utcnow()
    dbsession.flush()


# --- The settings form ------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A setting's value as one would write it in the ini file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass
class SettingField:
    spec: Setting
    # text, bool, choice or secret
    kind: str
    # What the form shows: the stored value when there is one, else the running one (never a secret).
    text: str
    # Whether a secret has a value at all.
    is_set: bool
    # The stored value differs from what the running pod uses: a restart applies it.
    pending: bool
    fixed_by: str | None
    editable: bool
    error: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def checked(self) -> bool:
        return self.text == "true"


def _running_value(pod, spec: Setting) -> Any:
    if spec.name in pod.settings:
        return pod.settings[spec.name]
    try:  # a disabled plugin's setting: what the ini file or the environment would give it
        return resolve([spec], pod.raw_settings, pod.environ or {})[spec.name]
    except SettingError:
        return pod.raw_settings.get(spec.name, spec.default)


def setting_fields(dbsession: Session, pod, view: PluginView) -> list[SettingField]:
    specs = view.info.setting_specs
    names = [spec.name for spec in specs]
    stored = dict(dbsession.execute(sa.select(SiteSetting.name, SiteSetting.value)
                                    .where(SiteSetting.name.in_(names))).all()) if names else {}
    fields = []
    for spec in specs:
        running = as_text(_running_value(pod, spec))
        fixed = site.fixed_by(pod, spec.name) if view.running else None
        current = running if fixed or spec.name not in stored else stored[spec.name]
        if spec.secret:
            kind = "secret"
        elif spec.choices:
            kind = "choice"
        elif isinstance(spec.default, bool):
            kind = "bool"
        else:
            kind = "text"
        pending = spec.name in stored and not fixed and _differs(spec, stored[spec.name], running)
        fields.append(SettingField(spec, kind, "" if spec.secret else current, bool(current), pending, fixed,
                                   editable=view.running and fixed is None and site.editable(pod, spec.name)))
    return fields


def _differs(spec: Setting, stored: str, running: str) -> bool:
    try:
        return spec.convert(stored) != spec.convert(running)
    except SettingError:
        return True


@dataclass
class Submitted:
    """A settings form as sent: the changed values and, when refused, the errors by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_form(fields: list[SettingField], form: Mapping[str, str]) -> Submitted:
    """The values that differ from what the form showed; an empty secret keeps the old one.

    A field the form shows read-only is not sent by browsers; sent anyway with a new value,
    it is kept so that checking it refuses it with the reason.
    """
    submitted = Submitted()
    # An unticked checkbox sends nothing, so the form lists its checkboxes: a field missing
    # from a form that didn't show it is left alone rather than switched off.
    shown = set(form.getall(CHECKBOXES)) if hasattr(form, "getall") else set(form.get(CHECKBOXES, "").split())
    for item in fields:
        raw = form.get(item.name)
        if raw is None and (item.kind != "bool" or not item.editable or item.name not in shown):
            continue
        text = ("true" if raw in ("true", "on") else "false") if item.kind == "bool" else raw
        if item.kind == "secret" and text == "":
            continue
        if item.kind != "secret" and text == item.text:
            continue
        submitted.values[item.name] = text
    return submitted


def save_settings(dbsession: Session, pod, fields: list[SettingField], form: Mapping[str, str]) -> Submitted:
    """Check every changed value and store them all, or none: ``errors`` then says why, by field."""
    submitted = read_form(fields, form)
    for name, text in submitted.values.items():
        try:
            site.check(pod, name, text)
        except SettingError as exc:
            submitted.errors[name] = str(exc)
    if submitted.errors or not submitted.values:
        return submitted
    try:
        site.save(dbsession, pod, submitted.values)
    except SettingError as exc:  # checked above; kept for a value only save() refuses
        submitted.errors[""] = str(exc)
    return submitted
