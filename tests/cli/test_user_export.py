"""`seedpod user export NAME --output FILE`: the account archive written at once, as JSON or gzipped JSON."""
from __future__ import annotations

import gzip
import json

import pytest

from core.posts.services import Draft, PostService
from tests.portability.export_content import assert_valid, user_named

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(seedpod, ini, pods):
    """alice on the ini's pod, with a public post and one limited to her Friends."""
    assert seedpod("user", "create", "alice", "--email", "alice@example.org", "--password", PASSWORD).exit_code == 0
    pod = pods(ini)
    with pod.session_factory() as s:
        user = user_named(s, "alice")
        friends = next(a.id for a in user.aspects if a.name == "Friends")
        service = PostService(s, pod)
        guids = [service.create(user, Draft(text="Out in the open", visibility="public")).guid,
                 service.create(user, Draft(text="Just friends", visibility="aspects", aspect_ids=[friends])).guid]
        s.commit()
    return guids


def test_writes_plain_json(seedpod, tmp_path, alice):
    target = tmp_path / "alice.json"

    ran = seedpod("user", "export", "alice", "--output", str(target))

    assert ran.exit_code == 0, ran.output
    assert ran.stdout == f"wrote the archive of alice@pod.test to {target}\n"
    archive = json.loads(target.read_text("utf-8"))
    assert_valid(archive)
    assert (archive["user"]["username"], archive["user"]["email"]) == ("alice", "alice@example.org")
    assert archive["user"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    posts = archive["user"]["posts"]
    assert [(p["entity_data"]["guid"], p["entity_data"]["text"], p["entity_data"]["public"]) for p in posts] == [
        (alice[0], "Out in the open", True), (alice[1], "Just friends", False)]
    assert posts[1]["aspects"] == ["Friends"]
    assert [g["name"] for g in archive["user"]["contact_groups"]] == ["Family", "Friends", "Work", "Acquaintances"]


def test_writes_gzipped_json_with_the_same_archive(seedpod, tmp_path, alice):
    plain, zipped = tmp_path / "alice.json", tmp_path / "alice.json.gz"

    assert seedpod("user", "export", "Alice", "--output", str(plain)).exit_code == 0
    ran = seedpod("user", "export", "alice", "-o", str(zipped))

    assert ran.exit_code == 0, ran.output
    assert zipped.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(zipped.read_bytes()) == plain.read_bytes()
    assert_valid(json.loads(gzip.decompress(zipped.read_bytes())))


@pytest.mark.parametrize("name", ["alice.zip", "alice.gz", "alice.json.bz2", "alice", ".json"])
def test_refuses_other_file_names(seedpod, tmp_path, alice, name):
    target = tmp_path / name

    ran = seedpod("user", "export", "alice", "--output", str(target))

    assert ran.exit_code == 1
    assert ran.stdout == ""
    assert ran.stderr == (f"Error: {target}: the file name must end in .json (plain JSON) or .json.gz (gzipped)\n")
    assert list(tmp_path.glob("alice*")) == []


def test_refuses_an_unknown_user_and_writes_nothing(seedpod, tmp_path, alice):
    target = tmp_path / "nobody.json"

    ran = seedpod("user", "export", "nobody", "--output", str(target))

    assert ran.exit_code == 1
    assert ran.stderr == "Error: No user named 'nobody' on this pod.\n"
    assert not target.exists()
    assert list(tmp_path.glob("*.partial")) == []


def test_refuses_a_missing_folder(seedpod, tmp_path, alice):
    target = tmp_path / "missing" / "alice.json"

    ran = seedpod("user", "export", "alice", "--output", str(target))

    assert ran.exit_code == 1
    assert ran.stderr == f"Error: {tmp_path / 'missing'}: no such folder\n"
    assert not (tmp_path / "missing").exists()


def test_the_output_option_is_required(seedpod, alice):
    ran = seedpod("user", "export", "alice")

    assert ran.exit_code == 2
    assert "Missing option '--output'" in ran.stderr
