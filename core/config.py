"""configure(): settings, then every part of the pod in a fixed order, then plugins."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from pyramid.config import Configurator

from .pod import Pod, build_pod

log = logging.getLogger(__name__)


def configure(settings: Mapping[str, Any], environ: Mapping[str, str] | None = None,
              pod: Pod | None = None) -> Configurator:
    """The Pyramid configurator of a pod; ``environ`` defaults to os.environ."""
    pod = pod or build_pod(settings, environ)
    config = Configurator(settings={**pod.raw_settings, **pod.settings})
    config.registry.pod = pod

    # Infrastructure first: everything after it uses request.dbsession and request.enqueue.
    config.include(".db")
    config.include(".jobs")
    # Who is asking, before any view can ask about it.
    config.include(".security")
    # Which origin a request came to (the main URL, or one a plugin adds, like an onion address).
    config.include(".origins")
    # Layout, themes and slots, before the first template is registered.
    config.include(".theming")
    # Domain packages, in the order they depend on each other.
    config.include(".accounts")
    # Who shares with whom: everything that decides who sees a post reads it.
    config.include(".aspects")
    config.include(".people")
    config.include(".posts")
    config.include(".streams")
    # Told about what the domains above do.
    config.include(".notifications")
    config.include(".conversations")
    # The diaspora* protocol: serves discovery, receives and fetches; reads the domains above.
    config.include(".federation")
    # Client API v1 and the OpenID Connect provider apps get its tokens from.
    config.include(".api")
    # Users' own data: export, import and moving an identity here.
    config.include(".portability")
    # Posts brought in from other services, through the importers plugins register.
    config.include(".importers")
    # New users' first steps and the community spotlight.
    config.include(".community")
    # Running the pod: /admin, moderation, admin mail; reads every part above.
    config.include(".admin")
    # Site pages last among core's: `/`, `/terms`, error pages.
    config.include(".pages")
    # Plugins' routes, each under /p/<plugin name>.
    include_plugin_routes(config, pod)
    pod.pm.hook.on_startup(pod=pod)
    return config


def include_plugin_routes(config: Configurator, pod: Pod) -> None:
    for impl in pod.pm.hook.register_routes.get_hookimpls():
        if impl.plugin_name == "core":
            impl.function(config=config, pod=pod)
            continue
        with config.route_prefix_context(f"/p/{impl.plugin_name}"):
            impl.function(config=config, pod=pod)
