"""`seedpod tumblr import`: a podmin imports a blog or an export into an account, watching a
progress bar in the terminal."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.accounts.services import AccountService
from core.cli import cli
from core.cli.context import State
from core.importers.models import ContentImport
from core.posts.models import Post
from plugins.tumblr_import.cli import tumblr as tumblr_group

from .exports import post_page, tumblr_export
from .samples import samples


@pytest.fixture
def seedpod(settings, tmp_path, monkeypatch, make_pod):
    """seedpod(*args, **settings): run `seedpod --config INI ARGS` on the test database, with
    alice as a user and the plugin's command group added as `seedpod` adds it at start."""
    monkeypatch.setitem(cli.commands, "tumblr", tumblr_group)
    pod = make_pod(plugins="tumblr_import")
    with pod.session_factory() as session:
        AccountService(session, pod).sign_up("alice", "alice@example.org", "correct horse battery")
        session.commit()

    def run(*args, **overrides):
        merged = {**settings, "plugins": "tumblr_import", **{k.replace("__", "."): v for k, v in overrides.items()}}
        merged.pop("here")
        ini = Path(tmp_path) / "pod.ini"
        ini.write_text("[app:main]\nuse = egg:seedpod\n" + "".join(f"{k} = {v}\n" for k, v in merged.items()))
        State._pods.clear()
        try:
            return CliRunner().invoke(cli, ["--config", str(ini), *args], prog_name="seedpod",
                                      catch_exceptions=False)
        finally:
            for built in State._pods.values():
                built.engine.dispose()
            State._pods.clear()

    run.pod = pod
    return run


def imported(pod) -> list[Post]:
    with pod.session_factory() as session:
        return list(session.scalars(sa.select(Post)))


def test_a_blog_with_a_progress_bar_then_again_with_nothing_new(seedpod, tumblr):
    tumblr.add_blog("gardenfan", [(s.legacy, s.npf) for s in samples(tumblr.media)])
    settings = tumblr.settings()
    settings.pop("plugins")
    ran = seedpod("tumblr", "import", "alice", "--blog", "gardenfan.tumblr.com", **settings)
    assert ran.exit_code == 0, ran.output
    assert "[" + "=" * 30 + "] 8/8" in ran.stderr
    assert ran.stdout.strip().endswith("imported 8, skipped 0, failed 0")
    assert len(imported(seedpod.pod)) == 8 and all(p.public for p in imported(seedpod.pod))

    again = seedpod("tumblr", "import", "alice", "--blog", "gardenfan", **settings)
    assert again.exit_code == 0 and "imported 0, skipped 8, failed 0" in again.stdout
    assert len(imported(seedpod.pod)) == 8


def test_an_export_for_an_aspect_with_federation(seedpod, tmp_path):
    export = tumblr_export(tmp_path / "tumblr.zip", {"1": post_page("<p>one</p>"), "2": post_page("<p>two</p>")}, {})
    ran = seedpod("tumblr", "import", "alice", "--export", str(export), "--aspect", "Family", "--federate")
    assert ran.exit_code == 0, ran.output
    assert "imported 2, skipped 0, failed 0" in ran.stdout
    assert [p.public for p in imported(seedpod.pod)] == [False, False]
    with seedpod.pod.session_factory() as session:
        run = session.scalar(sa.select(ContentImport))
        assert (run.visibility, run.federate) == ("aspect", True)


@pytest.mark.parametrize("args, message", [
    (["alice"], "give either --blog BLOG or --export FILE"),
    (["alice", "--blog", "x", "--export", "setup.cfg"], "give either --blog BLOG or --export FILE"),
    (["alice", "--export", "setup.cfg", "--public", "--aspect", "Family"], "--public and --aspect exclude"),
    (["alice", "--blog", "gardenfan"], "needs tumblr_import.api_key"),
    (["bob", "--export", "setup.cfg"], "no local user named 'bob'"),
    (["alice", "--export", "setup.cfg", "--aspect", "Nope"], "alice has no aspect named 'Nope'"),
    (["alice", "--export", "setup.cfg"], "Upload the .zip file of your Tumblr export"),
])
def test_wrong_commands_say_what_to_fix_and_change_nothing(seedpod, args, message):
    ran = seedpod("tumblr", "import", *args)
    assert ran.exit_code in (1, 2)
    assert message in ran.output
    assert imported(seedpod.pod) == []


def test_a_junk_export_fails_with_the_reason(seedpod, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    ran = seedpod("tumblr", "import", "alice", "--export", str(junk))
    assert ran.exit_code == 1
    assert "the import failed: This file is not a zip archive" in ran.output


def test_the_plugin_adds_its_command_group_at_start(settings, tmp_path, monkeypatch):
    import core.cli
    from core.cli import context

    ini = Path(tmp_path) / "pod.ini"
    values = {**settings, "plugins": "tumblr_import"}
    ini.write_text("[app:main]\nuse = egg:seedpod\n" + "".join(f"{k} = {v}\n" for k, v in values.items() if k != "here"))
    real = core.cli.cli
    copy = type(real)(real.name, commands=dict(real.commands), params=list(real.params), callback=real.callback)
    monkeypatch.setattr(core.cli, "cli", copy)  # the real command stays untouched for other tests
    monkeypatch.setattr(context.State, "_pods", {})
    try:
        core.cli._add_plugin_commands(["--config", str(ini)])
        assert copy.commands["tumblr"] is tumblr_group
        help_text = CliRunner().invoke(copy, ["--config", str(ini), "tumblr", "import", "--help"]).output
        assert "--blog TEXT" in help_text and "--aspect NAME" in help_text and "--federate" in help_text
    finally:
        for pod in context.State._pods.values():
            pod.engine.dispose()
