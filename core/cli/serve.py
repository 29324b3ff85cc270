from __future__ import annotations

import click

from .context import pass_pod


@click.command()
@click.option("--host", help="Address to listen on (default: the server.host setting).")
@click.option("--port", type=int, help="Port to listen on (default: the server.port setting).")
@pass_pod
def serve(pod, host, port):
    """Serve the pod over HTTP (waitress); runs jobs too when there is no Redis."""
    import waitress

    from .. import migrations
    from ..config import configure
    from ..worker import start_embedded

    waiting = migrations.pending(pod)
    if waiting:
        raise click.ClickException(f"the database needs migrating ({len(waiting)} pending); run: seedpod db upgrade")
    from ..pod import StartupError

    try:
        app = configure({}, pod=pod).make_wsgi_app()
    except StartupError as exc:  # a plugin's on_startup refused, or the theme is unknown
        raise click.ClickException(str(exc)) from None
    embedded = None
    if pod.jobs.in_process and pod.settings["jobs.in_process"]:
        embedded = start_embedded(pod)
    host = host or pod.settings["server.host"]
    port = port or pod.settings["server.port"]
    click.echo(f"Seedpod {pod.name!r} serving on http://{host}:{port} (public URL {pod.url})")
    options = {"threads": pod.settings["server.threads"], "ident": "seedpod"}
    if pod.settings["server.trusted_proxy"]:
        options.update(trusted_proxy=pod.settings["server.trusted_proxy"], trusted_proxy_headers="x-forwarded-for "
                       "x-forwarded-proto x-forwarded-host x-forwarded-port", clear_untrusted_proxy_headers=True)
    try:
        waitress.serve(app, host=host, port=port, **options)
    finally:
        if embedded is not None:
            embedded.stop()
