"""Seedpod: a diaspora* pod. ``main`` is the WSGI application factory."""


def main(global_config, **settings):
    """Paste app factory: the pod's WSGI app, with in-process jobs when there is no Redis."""
    from .config import configure
    from .worker import start_embedded

    merged = {**(global_config or {}), **settings}
    config = configure(merged)
    pod = config.registry.pod
    if pod.jobs.in_process and pod.settings["jobs.in_process"]:
        config.registry.embedded_worker = start_embedded(pod)
    return config.make_wsgi_app()
