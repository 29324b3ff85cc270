"""`seedpod import list` and `seedpod import run`, on the test pod with the example importers."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from core.cli.content_import import import_group
from core.cli.context import State
from core.testing import aspects_of
from tests.importers.example import post
from tests.importers.helpers import posts_of, runs

ARCHIVE = "example archive\n1|From a file|cli\n2|-\n"


@pytest.fixture
def seedpod(pod, tmp_path):
    """Run `seedpod import ...` against the test pod (the command's pod cache holds it)."""
    state = State(tmp_path / "pod.ini")
    State._pods[state.path] = pod

    def run(*args, code=0):
        result = CliRunner().invoke(import_group, list(args), obj=state)
        assert result.exit_code == code, result.output
        return result.output

    yield run
    State._pods.pop(state.path, None)


def test_list_names_every_importer(seedpod):
    assert seedpod("list").splitlines() == [
        "example.feed  An example feed (takes a value: Feed name)",
        "example.archive  An example archive (takes a file: Your archive (.txt))",
    ]


def test_list_without_importers(make_pod, tmp_path):
    state = State(tmp_path / "bare.ini")
    State._pods[state.path] = make_pod(plugins="")
    try:
        result = CliRunner().invoke(import_group, ["list"], obj=state)
    finally:
        State._pods.pop(state.path, None)
    assert result.output.startswith("no importers: enable a plugin")


def test_run_imports_a_value_into_an_aspect_and_reports(seedpod, pod, member, example):
    member("alice")
    example.items = [post("1"), post("2", text="x" * 70_000)]
    example.total = 2
    # Items that failed are listed; the run itself finished, so the command succeeds.
    out = seedpod("run", "alice", "example.feed", "myfeed", "--aspect", "Family")
    assert "imported 1, skipped 0, failed 1" in out
    assert "failed 2: Posts are at most 65,535 characters long" in out
    assert "[==============================] 2/2" in out

    (run,) = runs(pod)
    assert run["aspect_id"] == aspects_of(pod, "alice")[0][0]
    assert [p.public for p in posts_of(pod, "alice")] == [False]


def test_run_imports_a_file_and_a_second_run_skips_it(seedpod, pod, member, tmp_path):
    member("alice")
    archive = tmp_path / "archive.txt"
    archive.write_text(ARCHIVE)
    out = seedpod("run", "alice", "example.archive", str(archive), "--federate")
    assert out.splitlines()[-1] == "imported 1, skipped 1, failed 0"
    assert seedpod("run", "alice", "example.archive", str(archive)).splitlines()[-1] == \
        "imported 0, skipped 2, failed 0"
    assert [p.text for p in posts_of(pod, "alice")] == ["From a file\n\n#cli"]
    assert archive.exists()  # the podmin's file is theirs; only the stored copy goes


def test_a_failed_run_exits_non_zero_with_its_error(seedpod, member, tmp_path):
    member("alice")
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    out = seedpod("run", "alice", "example.archive", str(junk), code=1)
    assert "Error: the import failed: That file is not an example archive" in out


@pytest.mark.parametrize("args, message", [
    (("bob", "example.feed", "abc"), "no local user named 'bob'"),
    (("alice", "example.nope", "abc"), "no importer named 'example.nope' (available: example.feed, "
                                        "example.archive)"),
    (("alice", "example.feed", "not ok!"), "A feed name is letters and digits only."),
    (("alice", "example.feed", "abc", "--aspect", "Gardeners"), "alice has no aspect named 'Gardeners'"),
    (("alice", "example.feed", "abc", "--aspect", "Family", "--public"), "give --public or --aspect, not both"),
    (("alice", "example.archive", "/nonexistent/file.txt"), "/nonexistent/file.txt: no such file"),
])
def test_bad_arguments_are_refused_and_nothing_is_stored(seedpod, pod, member, args, message):
    member("alice")
    out = seedpod("run", *args, code=2 if "--public" in args else 1)
    assert message in out
    assert runs(pod) == []


def test_an_unreachable_source_ends_the_run_with_advice(seedpod, pod, member, example):
    from core.http import Unreachable

    member("alice")
    example.items = [post("1"), Unreachable("connection refused")]
    out = seedpod("run", "alice", "example.feed", "abc", code=1)
    assert "run the command again later" in out
    assert runs(pod)[0]["state"] == "failed" and len(posts_of(pod, "alice")) == 1
