"""`seedpod user import FILE --as NEWNAME --email EMAIL`: an archive into a new account, at once."""
from __future__ import annotations

import json

import sqlalchemy as sa

from core.federation.models import Delivery
from core.testing import free_port
from tests.portability.archives import BOB, OLD, archive, as_bytes, contact, remote_person

PASSWORD = "correct horse battery"


def know_people(pods, ini, *ids_and_keys):
    pod = pods(ini)
    with pod.session_factory() as session:
        for diaspora_id, key in ids_and_keys:
            remote_person(session, diaspora_id, key=key)
        session.commit()


def test_import_makes_the_account_applies_the_archive_and_prints_a_summary(seedpod, ini, sql, pods, tmp_path,
                                                                           restart):
    from core.testing import sign_in

    know_people(pods, ini, (OLD, 0), (BOB, 1))
    ghost = f"ghost@127.0.0.1:{free_port()}"
    data = archive(contacts=[contact(BOB, ["Garden club"]), contact(ghost, ["Family"])])
    path = tmp_path / "alice.json.gz"
    path.write_bytes(as_bytes(data, gzipped=True))
    ran = seedpod("user", "import", str(path), "--as", "alice2", "--email", "alice2@example.org",
                  "--password-stdin", input=PASSWORD + "\n")
    assert ran.exit_code == 0, ran.output
    assert ran.lines[0] == f"created alice2@pod.test; importing {OLD}"
    assert "aspects: Family, Garden club" in ran.lines
    assert "followed tags: 2" in ran.lines
    assert "contacts shared with again: 1" in ran.lines and f"  {BOB}" in ran.lines
    assert "contacts not found: 1" in ran.lines
    assert "posts in the archive (kept there, not published again): 2" in ran.lines
    assert "account_migration sent to 1 pod(s)" in ran.lines
    assert PASSWORD not in ran.output
    [(state, summary)] = sql(ini, "SELECT state, summary FROM imports")
    assert state == "done" and json.loads(summary)["contacts_restored"] == [BOB]
    assert sql(ini, "SELECT first_name, location FROM profiles JOIN people ON people.id = profiles.person_id "
                    "WHERE diaspora_id = 'alice2@pod.test'") == [("Alice", "Lyon")]
    assert sql(ini, "SELECT a.name FROM aspects a JOIN aspect_memberships m ON m.aspect_id = a.id "
                    "JOIN contacts c ON c.id = m.contact_id JOIN people p ON p.id = c.person_id "
                    "WHERE p.diaspora_id = :d", d=BOB) == [("Garden club",)]
    pod = pods(ini)
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.entity_type == "account_migration")) == 1
    assert sign_in(restart(ini), "alice2", PASSWORD).status_int == 303


def test_a_bad_archive_creates_no_account(seedpod, ini, sql, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"version": "2.0", "user": {"username": "alice"}}')
    ran = seedpod("user", "import", str(path), "--as", "alice2", "--email", "alice2@example.org",
                  "--password", PASSWORD)
    assert ran.exit_code == 1
    assert "Error: This archive can't be imported: user.email is required" in ran.output
    assert "user.private_key is required" in ran.output
    assert sql(ini, "SELECT username FROM users") == []
    assert sql(ini, "SELECT id FROM imports") == []


def test_a_key_that_does_not_match_creates_no_account(seedpod, ini, sql, pods, tmp_path):
    know_people(pods, ini, (OLD, 1))
    path = tmp_path / "alice.json"
    path.write_bytes(as_bytes(archive(key=0)))
    ran = seedpod("user", "import", str(path), "--as", "alice2", "--email", "alice2@example.org",
                  "--password", PASSWORD)
    assert ran.exit_code == 1
    assert f"the private key in the archive is not the key of {OLD}" in ran.output
    assert sql(ini, "SELECT username FROM users") == []


def test_a_taken_name_or_a_missing_password_is_refused(seedpod, ini, sql, pods, tmp_path):
    know_people(pods, ini, (OLD, 0))
    path = tmp_path / "alice.json"
    path.write_bytes(as_bytes(archive()))
    assert seedpod("user", "create", "alice2", "--email", "a@example.org", "--password", PASSWORD).exit_code == 0
    ran = seedpod("user", "import", str(path), "--as", "alice2", "--email", "other@example.org",
                  "--password", PASSWORD)
    assert ran.exit_code == 1 and "The username 'alice2' is taken" in ran.output
    ran = seedpod("user", "import", str(path), "--as", "alice3", "--email", "alice3@example.org")
    assert ran.exit_code == 2 and "give exactly one of --password or --password-stdin" in ran.output
    assert sql(ini, "SELECT username FROM users") == [("alice2",)]
    assert sql(ini, "SELECT id FROM imports") == []
