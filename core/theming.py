"""Themes, the page layout, and the places plugins draw into.

A theme is a directory with ``templates/`` (each file overriding core's template
of the same relative path, falling back to core's) and ``static/``. Templates get
``layout`` (the page macro), ``slot(name, **context)`` (HTML that plugins render at
that place), ``assets`` and ``pod``, plus whatever ``extra_template_vars`` adds.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender
from pyramid.renderers import get_renderer

CORE_TEMPLATES = "core:templates/"
LAYOUT = "core:templates/layout.pt"


@dataclass(frozen=True)
class Theme:
    """A named directory of template and static overrides; ``scripts`` False means no JavaScript."""

    name: str
    path: Path
    scripts: bool = True
    description: str = ""


@dataclass(frozen=True)
class Asset:
    url: str
    kind: str  # "css" or "js"


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str


@dataclass(frozen=True)
class Terms:
    """Terms of service: a title and sanitised HTML."""

    title: str
    html: str


def available_themes(pod) -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    for offered in reversed(pod.pm.hook.register_themes(pod=pod)):  # plugins may replace core's by name
        for theme in offered or []:
            themes[theme.name] = theme
    return themes


def active_theme(pod) -> Theme:
    themes = available_themes(pod)
    name = pod.settings["theme"]
    if name not in themes:
        from .pod import StartupError

        raise StartupError(f"setting theme (env SEEDPOD_THEME) is {name!r}; available: {', '.join(sorted(themes))}")
    return themes[name]


def render_slot(request, slot: str, **context) -> Markup:
    fragments = request.registry.pod.pm.hook.render_slot(request=request, slot=slot, context=context)
    return Markup("\n").join(Markup(f) for f in reversed(fragments) if f)


# Progressive enhancement, each script on its own: the pages work without any of them.
CORE_SCRIPTS = ("seedpod.js", "composer.js", "streams.js")


def page_assets(request, template_name: str) -> list[Asset]:
    theme: Theme = request.registry.theme
    assets = [Asset(request.static_url("core:static/seedpod.css"), "css")]
    if request.registry.theme_stylesheet:
        assets.append(Asset(request.static_url(request.registry.theme_stylesheet), "css"))
    if theme.scripts:
        assets.extend(Asset(request.static_url(f"core:static/{name}"), "js") for name in CORE_SCRIPTS)
    for offered in reversed(request.registry.pod.pm.hook.extra_assets(request=request, template_name=template_name)):
        assets.extend(offered or [])
    return [a for a in assets if theme.scripts or a.kind != "js"]


def menu(request, scope: str) -> list[MenuItem]:
    items: list[MenuItem] = []
    for offered in reversed(request.registry.pod.pm.hook.settings_menu(request=request, scope=scope)):
        items.extend(offered or [])
    return items


def add_renderer_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is None:
        return
    template_name = getattr(event.get("renderer_info"), "name", "")
    pm = request.registry.pod.pm
    for extra in reversed(pm.hook.extra_template_vars(request=request, template_name=template_name)):
        for key, value in (extra or {}).items():
            event.setdefault(key, value)
    event["layout"] = get_renderer(LAYOUT).implementation().macros["layout"]
    event["pod"] = request.registry.pod
    event["theme"] = request.registry.theme
    event["slot"] = lambda name, **context: render_slot(request, name, **context)
    event["assets"] = page_assets(request, template_name)
    event["menu"] = lambda scope: menu(request, scope)
    event["csrf_token"] = get_csrf_token(request)
    event.setdefault("page_title", None)


def compile_templates_one_at_a_time() -> None:
    """Let one thread at a time compile a Chameleon template.

    Templates compile on first use, in whichever thread renders them: a waitress thread, or a
    job thread of the embedded default rendering a mail. Python 3.11's AST compiler keeps its
    recursion depth per interpreter, not per thread, so two compiles at once can fail with
    "AST constructor recursion depth mismatch" (CPython gh-106905). A lock around the compile
    step costs nothing once every template is compiled.
    """
    from chameleon.template import BaseTemplate

    if getattr(BaseTemplate._cook, "seedpod_locked", False):
        return
    cook = BaseTemplate._cook
    lock = threading.RLock()

    def locked_cook(self, *args, **kwargs):
        with lock:
            return cook(self, *args, **kwargs)

    locked_cook.seedpod_locked = True
    BaseTemplate._cook = locked_cook


def includeme(config):
    compile_templates_one_at_a_time()
    pod = config.registry.pod
    theme = active_theme(pod)
    config.registry.theme = theme
    stylesheet = Path(theme.path) / "static" / "theme.css"  # looked up once, not on every page
    config.registry.theme_stylesheet = str(stylesheet) if stylesheet.is_file() else None
    config.include("pyramid_chameleon")
    templates = Path(theme.path) / "templates"
    if templates.is_dir():
        config.override_asset(to_override=CORE_TEMPLATES, override_with=str(templates) + "/")
    static = Path(theme.path) / "static"
    if static.is_dir():  # before core's /static, which would otherwise answer /static/theme/... first
        config.add_static_view("static/theme", str(static) + "/", cache_max_age=3600)
    config.add_static_view("static", "core:static/", cache_max_age=3600)
    config.add_subscriber(add_renderer_globals, BeforeRender)
