"""The plugin manager: finds plugins by entry point, loads the enabled ones.

A plugin is a module declared in the ``seedpod.plugins`` entry-point group. Which
plugins are enabled is the ``plugins`` setting, adjusted per pod by
``seedpod plugins enable|disable`` (kept in the database, see
:mod:`core.admin.models`). A plugin that is enabled but missing or broken stops
the pod at start with its name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import Iterable, Mapping

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "seedpod.plugins"


class PluginError(RuntimeError):
    """A plugin cannot be used; the message names it and says why."""


@dataclass
class PluginInfo:
    name: str
    version: str
    enabled: bool
    state_source: str
    hooks: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    module: str = ""
    # The Setting objects behind ``settings`` (for the settings form of /admin/plugins).
    setting_specs: list = field(default_factory=list)


def installed_plugins() -> dict[str, metadata.EntryPoint]:
    """Every plugin installed in this Python environment, by name."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def plugin_version(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return dist.version if dist is not None else "unknown"


def enabled_names(configured: Iterable[str], overrides: dict[str, bool]) -> list[str]:
    """The configured list, adjusted by per-pod overrides, in a stable order."""
    names = [n for n in configured if overrides.get(n, True)]
    names += sorted(n for n, on in overrides.items() if on and n not in names)
    return names


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    from . import defaults

    pm.register(defaults, name="core")
    from .federation import hooks as federation_hooks

    # Federation plans deliveries from events like any plugin would.
    pm.register(federation_hooks, name="core.federation")
    from .community import hooks as community_hooks

    pm.register(community_hooks, name="core.community")  # the stream's link to the getting-started steps
    return pm


def load_plugins(pm: pluggy.PluginManager, names: Iterable[str],
                 extra: Mapping[str, object] | None = None) -> None:
    """Import and register each named plugin, then each ``extra`` plugin object under
    its name (tests register plugins that have no entry point this way); fail loudly
    with the plugin's name."""
    available = installed_plugins()
    for name in names:
        entry_point = available.get(name)
        if entry_point is None:
            known = ", ".join(sorted(available)) or "none"
            raise PluginError(
                f"plugin {name!r} is enabled but not installed (installed plugins: {known}); "
                f"install it or remove it from the `plugins` setting"
            )
        try:
            module = entry_point.load()
        except Exception as exc:  # any import error of a plugin must name the plugin
            raise PluginError(f"plugin {name!r} failed to load: {type(exc).__name__}: {exc}") from exc
        register(pm, name, module)
    for name, plugin in (extra or {}).items():
        register(pm, name, plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {pm.get_name(exc.plugin)!r}: {exc}") from exc


def register(pm: pluggy.PluginManager, name: str, plugin: object) -> None:
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:  # a name taken twice, a hookimpl with wrong arguments
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc


def hooks_of(pm: pluggy.PluginManager, plugin_name: str) -> list[str]:
    plugin = pm.get_plugin(plugin_name)
    if plugin is None:
        return []
    return sorted(caller.name for caller in (pm.get_hookcallers(plugin) or []))


def hook_names_of_module(module) -> list[str]:
    """Hook names a plugin module implements, without registering it."""
    marker = f"{hookspecs.PROJECT}_impl"  # set by @hookimpl; the imported `hookimpl` itself has none
    return sorted(n for n in dir(module) if hasattr(hookspecs, n) and hasattr(getattr(module, n), marker))


def describe(pod) -> list[PluginInfo]:
    """Every installed plugin with its version, state, hooks and settings."""
    infos = []
    enabled = set(pod.enabled_plugins)
    for name, entry_point in sorted(installed_plugins().items()):
        source = "command" if name in pod.plugin_overrides else "config"
        info = PluginInfo(name, plugin_version(entry_point), name in enabled, source, module=entry_point.value)
        if name in enabled:
            info.hooks = hooks_of(pod.pm, name)
            info.setting_specs = list(pod.plugin_settings.get(name, []))
            info.settings = [s.name for s in info.setting_specs]
        else:
            try:
                module = entry_point.load()
            except Exception as exc:  # shown, not raised: the plugin is off
                info.hooks = [f"(cannot load: {exc})"]
            else:
                info.hooks = hook_names_of_module(module)
                register = getattr(module, "register_settings", None)
                if register is not None:
                    info.setting_specs = list(register(pod=pod) or [])
                    info.settings = [s.name for s in info.setting_specs]
        infos.append(info)
    return infos
