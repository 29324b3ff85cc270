"""Importing an archive into a new account: checking it, applying it step by step, and the
account_migration it sends (core.portability.importing and .migration)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from core.accounts.models import Person, User
from core.accounts.services import AccountService
from core.aspects.models import Aspect, AspectMembership, Block, Contact
from core.events.models import Event
from core.federation.entities import parse_entity, verify_account_migration
from core.federation.envelope import read_envelope, verify_envelope
from core.federation.models import Delivery, Pod
from core.portability import importing, reading
from core.portability.archive import build_archive
from core.portability.importing import ImportRefused, start_import
from core.portability.reading import ArchiveError, archive_problems
from core.portability.models import DONE, FAILED, Import
from core.posts.models import Post, Tag, TagFollowing
from core.testing import free_port

from tests.portability.archives import (BOB, CAROL, OLD, OLD_HOST, OTHER_HOST, TROLL, archive, as_bytes, contact,
                                        key_pair, remote_person)



def new_user(session, pod, name="alice2"):
    user = AccountService(session, pod).sign_up(name, f"{name}@example.org", "correct horse battery")
    session.flush()
    return user


@pytest.fixture
def known(pod):
    """The old identity and its contacts, as discovery would have stored them."""
    with pod.session_factory() as session:
        remote_person(session, OLD, key=0)
        remote_person(session, BOB, key=1)
        remote_person(session, CAROL, key=2)
        remote_person(session, TROLL, key=3)
        session.commit()


def import_now(pod, data: dict, name="alice2", gzipped=False) -> int:
    with pod.session_factory() as session:
        user = new_user(session, pod, name)
        row = start_import(session, pod, user, as_bytes(data, gzipped), enqueue=None)
        session.commit()
        import_id = row.id
    from core.portability.jobs import apply_import

    pod.jobs.send(apply_import, import_id)
    pod.jobs.drain()
    return import_id


def full_archive() -> dict:
    ghost = f"ghost@127.0.0.1:{free_port()}"  # nobody answers there
    return archive(contacts=[contact(BOB, ["Garden club"]),
                             contact(CAROL, [], sharing=True, receiving=False),
                             contact(ghost, ["Family"])], blocks=[TROLL])


def test_an_archive_restores_the_profile_aspects_tags_and_contacts(pod, known):
    import_id = import_now(pod, full_archive(), gzipped=True)
    with pod.session_factory() as session:
        row = session.get(Import, import_id)
        assert (row.state, row.progress, row.error) == (DONE, 100, None), row.error
        assert row.old_diaspora_id == OLD
        user = session.scalar(sa.select(User).where(User.username == "alice2"))
        profile = user.person.profile
        assert (profile.first_name, profile.last_name, profile.bio, profile.location, profile.gender) == (
            "Alice", "Gardener", "I grow tomatoes.", "Lyon", "she")
        assert profile.birthday.isoformat() == "1990-04-23"
        assert profile.tag_string == "#garden #seeds"
        assert (profile.searchable, profile.public_details, profile.nsfw) == (True, True, False)
        assert profile.image_url == "https://old.test/uploads/images/thumb_large_a.jpg"
        assert profile.image_url_small == "https://old.test/uploads/images/thumb_small_a.jpg"
        # The archive's aspects first, in its order, then the ones the account had.
        names = list(session.scalars(sa.select(Aspect.name).where(Aspect.user_id == user.id)
                                     .order_by(Aspect.position, Aspect.id)))
        assert names[:2] == ["Family", "Garden club"] and set(names) == {
            "Family", "Garden club", "Friends", "Work", "Acquaintances"}
        tags = set(session.scalars(sa.select(Tag.name).join(TagFollowing, TagFollowing.tag_id == Tag.id)
                                   .where(TagFollowing.user_id == user.id)))
        assert tags == {"gardening", "seeds"}
        # Bob is shared with again, in the same aspect; the pod tells his pod (contact_changed).
        bob = session.scalar(sa.select(Person).where(Person.diaspora_id == BOB))
        row_bob = session.scalar(sa.select(Contact).where(Contact.user_id == user.id, Contact.person_id == bob.id))
        assert row_bob.receiving is True
        assert [m.aspect.name for m in row_bob.memberships] == ["Garden club"]
        changed = [e.payload for e in session.scalars(sa.select(Event).where(Event.name == "contact_changed"))]
        assert {"user_id": user.id, "person_id": bob.id, "sharing": True, "blocking": False} in changed
        # Carol only shared with the old account: nothing to do here; the ghost can't be found.
        summary = importing.describe(row)
        assert summary["contacts_restored"] == [BOB]
        assert summary["contacts_sharing_only"] == [CAROL]
        assert [entry["diaspora_id"] for entry in summary["contacts_not_found"]][0].startswith("ghost@127.0.0.1:")
        assert summary["posts_in_archive"] == 2
        # The people the old account ignored are ignored again.
        troll = session.scalar(sa.select(Person).where(Person.diaspora_id == TROLL))
        assert session.scalar(sa.select(Block.person_id).where(Block.user_id == user.id)) == troll.id
        assert summary["blocks_restored"] == [TROLL]
        assert {"user_id": user.id, "person_id": troll.id, "sharing": False, "blocking": True} in changed
        assert len(changed) == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0  # old posts are not re-published
        # The stored archive (with the old private key) is gone once done.
        assert row.archive_path is None and not list((pod.data_dir / "imports").iterdir())


def test_the_migration_goes_to_the_contacts_pods_and_the_old_pod_signed_by_the_old_key(pod, known):
    import_now(pod, full_archive())
    with pod.session_factory() as session:
        rows = list(session.scalars(sa.select(Delivery).where(Delivery.entity_type == "account_migration")))
        hosts = {session.get(Pod, row.pod_id).host for row in rows}
        assert hosts == {OLD_HOST, OTHER_HOST}  # bob's and the old pod are one; carol's
        user = session.scalar(sa.select(User).where(User.username == "alice2"))
        assert all(row.recipient_person_id is None and row.sender_person_id == user.person.id for row in rows)
        envelope = read_envelope(rows[0].envelope)
        verify_envelope(envelope, user.person.public_key_pem)  # sent by the new identity
        entity = parse_entity(envelope.payload)
        assert (entity.author, entity.get("old_identity")) == ("alice2@pod.test", OLD)
        assert entity.get("profile").get("author") == "alice2@pod.test"
        assert entity.get("profile").get("first_name") == "Alice"
        verify_account_migration(entity, key_pair(0)[1])  # signed with the old identity's key
        with pytest.raises(Exception):
            verify_account_migration(entity, user.person.public_key_pem)


def test_running_the_import_again_changes_nothing(pod, known):
    data = full_archive()
    import_id = import_now(pod, data)

    def counts(session):
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (
            Aspect, TagFollowing, Contact, AspectMembership, Delivery, Person, Block))

    with pod.session_factory() as session:
        before = counts(session)
        events = session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.name.in_(["contact_changed", "account_migrated"])))
        row = session.get(Import, import_id)
        # As if the job had been lost after the last step and everything ran again.
        row.state, row.archive_path = "running", "again.json"
        summary = json.loads(row.summary)
        summary.update(next="identity", contacts_done=0, blocks_done=0)
        row.summary = json.dumps(summary)
        (pod.data_dir / "imports" / "again.json").write_bytes(as_bytes(data))
        session.commit()
    importing.run_all(lambda: _unit(pod), pod, import_id)
    with pod.session_factory() as session:
        assert session.get(Import, import_id).state == DONE
        assert counts(session) == before
        assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.name.in_(["contact_changed", "account_migrated"]))) == events


def test_an_import_whose_job_was_lost_is_sent_again_by_the_sweep(pod, known):
    from core.portability.jobs import sweep_imports

    with pod.session_factory() as session:
        user = new_user(session, pod)
        import_id = start_import(session, pod, user, as_bytes(archive(contacts=[contact(BOB, ["Garden club"])])),
                                 enqueue=None).id  # as if its message never reached a worker
        session.commit()
    pod.jobs.send(sweep_imports)
    pod.jobs.drain()
    with pod.session_factory() as session:
        row = session.get(Import, import_id)
        assert row.state == "pending"  # just made: its job may still be on the way
        row.updated_at -= importing.LOST_AFTER
        session.commit()
    pod.jobs.send(sweep_imports)
    pod.jobs.drain()
    with pod.session_factory() as session:
        row = session.get(Import, import_id)
        assert row.state == DONE and json.loads(row.summary)["followed_tags"] is not None


def _unit(pod):
    from core.cli.context import unit_of_work

    return unit_of_work(pod)


def test_hook_on_account_migrated(make_pod):
    """Plugins learn that a local user took over an old identity, once the move is sent."""
    from tests.events.helpers import Recorder

    recorder = Recorder()
    pod = make_pod(extra_plugins={"example": recorder})
    with pod.session_factory() as session:
        remote_person(session, OLD, key=0)
        remote_person(session, BOB, key=1)
        session.commit()
    import_now(pod, archive(contacts=[contact(BOB, ["Family"])]))
    with pod.session_factory() as session:
        person_id = session.scalar(sa.select(User).where(User.username == "alice2")).person.id
    assert recorder.payloads("account_migrated") == [{"person_id": person_id, "old_diaspora_id": OLD}]


def test_a_diaspora_style_archive_without_optional_parts_imports(pod, known):
    data = archive(contacts=[], groups=(), tags=(), posts=0, first_name=None, last_name=None,
                   full_name="Alice Liddell", image_url=None, image_url_medium=None, image_url_small=None,
                   birthday="not a date", tag_string=None)
    for name in ("contact_groups", "contacts", "followed_tags", "posts", "relayables", "blocks"):
        del data["user"][name]
    del data["others_data"]
    import_id = import_now(pod, data)
    with pod.session_factory() as session:
        assert session.get(Import, import_id).state == DONE
        profile = session.scalar(sa.select(User).where(User.username == "alice2")).person.profile
        assert (profile.first_name, profile.last_name, profile.birthday, profile.image_url) == (
            "Alice", "Liddell", None, None)


def _bad(mutate):
    data = archive()
    mutate(data)
    return as_bytes(data)


BAD_ARCHIVES = {
    "empty": (b"", "the file is empty"),
    "not JSON": (b"tomatoes, not JSON", "the file is not JSON"),
    "broken gzip": (b"\x1f\x8b\x08\x00broken", "looks gzipped but can't be unpacked"),
    "not UTF-8": (b"\xff\xfe\x00garbage", "neither gzip nor UTF-8"),
    "a list": (b"[1, 2]", "the archive is not a JSON object"),
    "NUL": (b'{"version": "2.0", "user": {"bio": "a\x00b"}}', "contains a NUL character"),
    "escaped NUL": (_bad(lambda d: d["user"]["profile"]["entity_data"].update(bio="a\u0000b")),
                    "archive.user.profile.entity_data.bio contains a NUL character"),
    "no version": (_bad(lambda d: d.pop("version")), 'version must be "2.0" and is missing'),
    "no user": (as_bytes({"version": "2.0"}), "user is required and must be an object"),
    "no private key": (_bad(lambda d: d["user"].pop("private_key")),
                       "user.private_key is required and must be a non-empty string"),
    "bad private key": (_bad(lambda d: d["user"].update(private_key="-----BEGIN RSA PRIVATE KEY-----\nx\n")),
                        "user.private_key is not a usable PEM private key"),
    "no author": (_bad(lambda d: d["user"]["profile"]["entity_data"].pop("author")),
                  "user.profile.entity_data.author must be the account's diaspora ID"),
    "contacts not a list": (_bad(lambda d: d["user"].update(contacts={"a": 1})),
                            "user.contacts must be an array, not an object"),
    "contact without flags": (_bad(lambda d: d["user"].update(contacts=[{"account_id": BOB}])),
                              "user.contacts[0].sharing is required and must be a boolean"),
    "tag not a string": (_bad(lambda d: d["user"].update(followed_tags=[1])),
                         "user.followed_tags[0] must be a string, not a number"),
}


@pytest.mark.parametrize("name", sorted(BAD_ARCHIVES))
def test_a_bad_archive_is_refused_with_what_is_wrong_and_nothing_stored(pod, name):
    raw, expected = BAD_ARCHIVES[name]
    with pod.session_factory() as session:
        user = new_user(session, pod)
        with pytest.raises(ArchiveError) as caught:
            start_import(session, pod, user, raw)
        assert expected in caught.value.message
        assert caught.value.message.startswith("This archive can't be imported: ")
        assert session.scalar(sa.select(sa.func.count()).select_from(Import)) == 0
    folder = pod.data_dir / "imports"
    assert not folder.exists() or not list(folder.iterdir())


def test_every_problem_is_listed_at_once(pod):
    data = archive()
    del data["version"]
    data["user"]["contacts"] = 3
    data["user"]["followed_tags"] = "x"
    problems = archive_problems(data)
    assert problems == ['version must be "2.0" and is missing', "user.contacts must be an array, not a number",
                        "user.followed_tags must be an array, not a string"]


def test_a_too_large_archive_is_refused_before_reading(pod, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(ArchiveError, match="larger than"):
        reading.decode_archive(as_bytes(archive()))


def test_a_key_that_is_not_the_old_identitys_fails_the_import_and_changes_nothing(pod, known):
    data = archive(key=3, contacts=[contact(BOB, ["Garden club"])])  # the old identity's key is 0
    import_id = import_now(pod, data)
    with pod.session_factory() as session:
        row = session.get(Import, import_id)
        assert row.state == FAILED
        assert row.error == f"This archive can't be imported: the private key in the archive is not the key of {OLD}."
        assert (pod.data_dir / "imports" / row.archive_path).is_file()  # kept, to be looked into
        user = session.scalar(sa.select(User).where(User.username == "alice2"))
        assert user.person.profile.first_name == ""
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0


def test_an_archive_of_an_account_of_this_pod_is_refused(pod):
    """An export made here (build_archive) has the right shape, but moving within one pod is refused."""
    with pod.session_factory() as session:
        old = new_user(session, pod, "alice")
        data = build_archive(session, pod, old)
        assert archive_problems(json.loads(json.dumps(data))) == []
        session.commit()
    import_id = import_now(pod, data)
    with pod.session_factory() as session:
        row = session.get(Import, import_id)
        assert row.state == FAILED
        assert "alice@pod.test, an account of this pod" in row.error


def test_only_an_empty_account_takes_an_import(pod, known):
    with pod.session_factory() as session:
        poster = new_user(session, pod, "poster")
        session.add(Post(guid="p" * 32, author_id=poster.person.id, public=True, text="hi"))
        friendly = new_user(session, pod, "friendly")
        bob = session.scalar(sa.select(Person).where(Person.diaspora_id == BOB))
        session.add(Contact(user_id=friendly.id, person_id=bob.id, sharing=True, receiving=False))
        fresh = new_user(session, pod, "fresh")
        session.flush()
        with pytest.raises(ImportRefused, match="has posts already"):
            start_import(session, pod, poster, as_bytes(archive()))
        with pytest.raises(ImportRefused, match="has contacts already"):
            start_import(session, pod, friendly, as_bytes(archive()))
        start_import(session, pod, fresh, as_bytes(archive()))
        with pytest.raises(ImportRefused, match="already has an import"):
            start_import(session, pod, fresh, as_bytes(archive()))
        other = new_user(session, pod, "other")
        with pytest.raises(ImportRefused, match=f"The archive of {OLD} was imported into another account"):
            start_import(session, pod, other, as_bytes(archive()))


# --- the page ---------------------------------------------------------------------------------

def upload(browser, raw: bytes, name="archive.json.gz", status="*"):
    page = browser.get("/user/import")
    form = next(f for f in page.forms.values() if "archive" in f.fields)
    form["archive"] = (name, raw)
    return form.submit(status=status)


def test_a_visitor_is_sent_to_sign_in(member):
    response = member(None).get("/user/import", status=302)
    assert "/users/sign_in?next=" in response.location
    response = member(None).post("/user/import", status="*")
    assert response.status_int in (302, 403)


def test_the_page_takes_an_archive_and_shows_the_progress_and_the_result(member, pod, known):
    browser = member("alice2")
    page = browser.get("/user/import")
    assert 'enctype="multipart/form-data"' in page.text and "up to 50 MB" in page.text
    response = upload(browser, as_bytes(full_archive(), gzipped=True))
    assert response.status_int == 303
    shown = response.follow()
    assert "Your archive is being imported" in shown.text
    assert shown.html.select_one('[data-testid="import-progress"]')["value"] == "0"
    with pod.session_factory() as session:
        row = session.scalar(sa.select(Import))
        assert (row.state, row.old_diaspora_id) == ("pending", OLD)
        assert (pod.data_dir / "imports" / row.archive_path).read_bytes()[:2] == b"\x1f\x8b"
    pod.jobs.drain()
    done = browser.get("/user/import")
    summary = done.html.select_one('[data-testid="import-summary"]').text
    assert OLD in summary and "Aspects: Family, Garden club" in summary
    assert "Contacts you share with again: 1" in summary
    assert "Posts in the archive (kept there, not published again): 2" in summary
    assert "ghost@127.0.0.1:" in done.html.select_one('[data-testid="import-not-found"]').text
    assert not any("archive" in f.fields for f in done.forms.values())  # one import per account


def test_a_bad_upload_is_refused_with_the_reason_and_nothing_stored(member, pod):
    browser = member("alice2")
    response = upload(browser, b"not an archive", name="archive.json")
    assert response.status_int == 400
    assert "This archive can't be imported: the file is not JSON" in response.html.select_one(
        '[data-testid="import-error"]').text
    page = browser.get("/user/import")
    form = next(f for f in page.forms.values() if "archive" in f.fields)
    no_file = form.submit(status=400)
    assert "Choose the archive file to import" in no_file.text
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Import)) == 0


def test_a_failed_import_shows_why_and_lets_the_user_try_again(member, pod, known):
    browser = member("alice2")
    upload(browser, as_bytes(archive(key=3)))  # not the old identity's key
    pod.jobs.drain()
    page = browser.get("/user/import")
    assert "the private key in the archive is not the key of" in page.html.select_one(
        '[data-testid="import-failed"]').text
    assert any("archive" in f.fields for f in page.forms.values())


def test_an_account_with_content_is_told_it_cannot_import(member, pod, known):
    browser = member("alice2")
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == "alice2"))
        session.add(Post(guid="q" * 32, author_id=user.person.id, public=True, text="hello"))
        session.commit()
    page = browser.get("/user/import")
    assert "has posts already" in page.html.select_one('[data-testid="import-refused"]').text
    assert not any("archive" in f.fields for f in page.forms.values())
    token = page.html.select_one('input[name="csrf_token"]')
    csrf = token["value"] if token is not None else browser.get("/user/edit").html.select_one(
        'input[name="csrf_token"]')["value"]
    refused = browser.post("/user/import", {"csrf_token": csrf}, upload_files=[("archive", "a.json", as_bytes(
        archive()))], status=409)
    assert "has posts already" in refused.text
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Import)) == 0


def test_an_old_pod_that_does_not_answer_is_noted_and_the_import_goes_on(member, pod):
    gone = f"alice@127.0.0.1:{free_port()}"  # the old pod is down: its key can't be compared
    browser = member("alice2")
    assert upload(browser, as_bytes(archive(old_id=gone))).status_int == 303
    pod.jobs.drain()
    with pod.session_factory() as session:
        row = session.scalar(sa.select(Import))
        assert row.state == DONE
        assert importing.describe(row)["identity_note"].startswith(f"{gone} could not be looked up")
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0  # no pod known to tell
    page = browser.get("/user/import")
    assert "could not be looked up" in page.html.select_one('[data-testid="import-note"]').text
    assert "Pods told about the move: 0" in page.html.select_one('[data-testid="import-summary"]').text
