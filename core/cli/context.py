"""What every `seedpod` command shares: the config file, the pod, a transaction."""
from __future__ import annotations

import functools
import logging.config
import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import transaction

from ..db import tm_session
from ..jobs import JobContext
from ..pod import Pod, StartupError, build_pod

DEFAULT_CONFIG = "development.ini"


def config_path(given: str | None = None) -> Path:
    return Path(given or os.environ.get("SEEDPOD_CONFIG") or DEFAULT_CONFIG).resolve()


def read_settings(path: Path) -> dict:
    """The `[app:main]` settings of an ini file, with `here` set to its folder."""
    from pyramid.paster import get_appsettings, setup_logging

    if not path.is_file():
        raise click.ClickException(f"config file {path} not found; pass --config FILE or set SEEDPOD_CONFIG")
    setup_logging(str(path))
    settings = dict(get_appsettings(str(path)))
    settings.setdefault("here", str(path.parent))
    return settings


class State:
    """Lazily built pod for the command being run."""

    _pods: dict[Path, Pod] = {}

    def __init__(self, path: Path):
        self.path = path

    def settings(self) -> dict:
        return read_settings(self.path)

    def pod(self) -> Pod:
        if self.path not in self._pods:
            try:
                self._pods[self.path] = build_pod(self.settings())
            except StartupError as exc:
                raise click.ClickException(str(exc)) from None
        return self._pods[self.path]

    def pod_or_error(self) -> Pod:
        """Like pod(), but StartupError is raised as itself, for doctor to classify."""
        if self.path not in self._pods:
            self._pods[self.path] = build_pod(self.settings())
        return self._pods[self.path]

    def forget(self) -> None:
        self._pods.pop(self.path, None)


pass_state = click.make_pass_decorator(State)


def pass_pod(fn):
    """Give the command the pod built from its config file as first argument."""

    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx, *args, **kwargs):
        return ctx.invoke(fn, ctx.find_object(State).pod(), *args, **kwargs)

    return wrapper


@contextmanager
def unit_of_work(pod: Pod):
    """A transaction for a command; jobs it enqueues run after commit."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield JobContext(pod, tm_session(pod.session_factory, manager), manager)
    if pod.jobs.in_process and any(q.qsize() for q in pod.jobs.broker.queues.values()):
        pod.jobs.drain()  # the embedded pod has no worker outside the web process to run them later


def hide_password(value):
    """A URL with its password replaced by ***, for printing; anything else unchanged."""
    if not isinstance(value, str) or "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.password is None:
        return value
    userinfo, hostport = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{hostport}"))


def quiet_logging() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
