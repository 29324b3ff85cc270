from __future__ import annotations

import code

import click

from .context import pass_pod


@click.command()
@pass_pod
def shell(pod):
    """A Python console with `pod`, `session` and the models (commit with session.commit())."""
    from ..accounts import models as accounts
    from ..migrations import import_models

    import_models()
    session = pod.session_factory()
    banner = (f"Seedpod shell for {pod.url}\n"
              "  pod       the configured pod (settings, plugins, jobs)\n"
              "  session   a SQLAlchemy session; call session.commit() to keep changes\n"
              "  accounts  core.accounts.models (User, Person, Role, ...)")
    try:
        code.interact(banner=banner, local={"pod": pod, "session": session, "accounts": accounts}, exitmsg="")
    finally:
        session.close()  # what was not committed is rolled back, and no transaction stays open
