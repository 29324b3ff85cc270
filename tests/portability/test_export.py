"""Exporting from the settings: ask, watch the job's progress, download the archive and the
photos for a week, and the sweep that removes them afterwards."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile
from pathlib import Path

import lxml.html
import pytest
import sqlalchemy as sa

from core.portability import export as export_module
from core.portability.archive import build_archive
from core.portability.export import ExportService
from core.portability.jobs import PERIODIC, build_export, sweep_exports
from core.portability.models import DONE, FAILED, PENDING, RUNNING, Export
from core.posts.photos import uploads_dir
from core.testing import sign_in
from tests.notifications.helpers import body, mails
from tests.portability.export_content import PASSWORD, assert_valid, png, rich_user, user_named


def exports(pod) -> list[Export]:
    with pod.session_factory() as s:
        rows = list(s.scalars(sa.select(Export).order_by(Export.id)))
        s.expunge_all()
        return rows


def export_dir(pod, export_id) -> Path:
    return Path(pod.data_dir) / "exports" / str(export_id)


def doc(response):
    return lxml.html.fromstring(response.text)


def one(response, selector: str):
    found = doc(response).cssselect(selector)
    return found[0] if found else None


def csrf(browser) -> str:
    return one(browser.get("/user/export"), "input[name=csrf_token]").value


def ask(browser):
    """Press the page's button; while an export runs the page has none, so post as it would."""
    page = browser.get("/user/export")
    forms = [f for f in page.forms.values() if f.action.endswith("/user/export")]
    if forms:
        response = forms[0].submit()
    else:
        response = browser.post("/user/export", {"csrf_token": csrf(browser)})
    assert response.status_int == 303
    return response.follow()


@pytest.fixture
def alice(pod, new_browser):
    """alice with posts, photos, contacts and the rest, signed in."""
    facts = rich_user(pod)
    browser = new_browser()
    assert sign_in(browser, "alice", PASSWORD).status_int == 303
    browser.facts = facts
    return browser


@pytest.fixture
def simple(member, pod):
    """A user with one photo post, signed in."""
    from core.posts.services import Draft, PostService

    browser = member("walter")
    with pod.session_factory() as s:
        PostService(s, pod).create(user_named(s, "walter"), Draft(text="Just a photo", visibility="public",
                                                                  photos=[(png((1, 2, 3)), "")]))
        s.commit()
    return browser


def test_asking_builds_the_archive_and_the_photos_for_download(pod, alice):
    page = alice.get("/user/export")
    assert "You haven't asked for an export yet." in " ".join(page.text.split())
    assert one(page, "progress") is None

    page = ask(alice)
    [export] = exports(pod)
    assert (export.state, export.progress, export.user_id) == (PENDING, 0, alice.facts["user_id"])
    assert "Your archive is being built." in page.text
    assert one(page, "progress").get("value") == "0"
    assert one(page, "progress").get("max") == "100"
    assert one(page, "[data-testid=export-step]").text_content() == "Waiting for its turn"
    assert one(page, "[data-testid=export-downloads]") is None
    assert not [f for f in page.forms.values() if f.action.endswith("/user/export")]

    pod.jobs.drain()
    [export] = exports(pod)
    assert (export.state, export.progress, export.step) == (DONE, 100, "Ready to download")
    expires = export.expires_at.replace(tzinfo=dt.timezone.utc)
    finished = export.finished_at.replace(tzinfo=dt.timezone.utc)
    assert expires - finished == dt.timedelta(days=7)
    assert export.archive_path == f"{export.id}/archive.json.gz"
    assert export.photos_path == f"{export.id}/photos.zip"

    page = alice.get("/user/export")
    assert "Your archive is ready" in page.text
    links = [a.get("href") for a in doc(page).cssselect("[data-testid=export-downloads] a")]
    assert links == [f"http://localhost/user/export/{export.id}/archive",
                     f"http://localhost/user/export/{export.id}/photos"]

    response = alice.get(f"/user/export/{export.id}/archive")
    assert response.content_type == "application/gzip"
    # The file itself is gzip: no Content-Encoding, or browsers would unpack it on the way.
    assert "Content-Encoding" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"alice-")
    assert response.headers["Content-Disposition"].endswith("-archive.json.gz\"")
    archive = json.loads(gzip.decompress(response.body))
    assert_valid(archive)
    with pod.session_factory() as s:
        assert archive == json.loads(json.dumps(build_archive(s, pod, user_named(s, "alice"))))
    assert archive["user"]["username"] == "alice"
    [mail] = mails(pod)
    assert mail["To"] == "alice@example.org"
    assert mail["Subject"] == "Your Seedpod archive is ready"
    text = body(mail)
    assert "Hello alice," in text
    assert "http://pod.test/user/export\n" in text
    assert f"kept until {expires:%Y-%m-%d %H:%M} UTC" in text
    assert [p["entity_data"]["guid"] for p in archive["user"]["posts"]] == [
        alice.facts["public_guid"], alice.facts["limited_guid"], alice.facts["reshare_guid"]]

    response = alice.get(f"/user/export/{export.id}/photos")
    assert response.content_type == "application/zip"
    assert response.headers["Content-Disposition"].endswith("-photos.zip\"")
    with zipfile.ZipFile(io.BytesIO(response.body)) as photos:
        assert photos.namelist() == [alice.facts["photo_file"]]
        original = (uploads_dir(pod) / alice.facts["photo_file"]).read_bytes()
        assert photos.read(alice.facts["photo_file"]) == original


def test_progress_is_committed_while_the_job_runs(pod, simple, monkeypatch):
    seen = []
    real = export_module.write_archive

    def watching(archive, path, compress):
        # Another connection, as the progress page would read it, while the job is mid-way.
        with pod.session_factory() as s:
            row = s.scalar(sa.select(Export))
            seen.append((row.state, row.progress, row.step))
        return real(archive, path, compress)

    monkeypatch.setattr(export_module, "write_archive", watching)
    ask(simple)
    pod.jobs.drain()

    assert seen == [(RUNNING, 40, "Writing the archive")]
    assert exports(pod)[0].state == DONE


def test_asking_again_while_one_runs_shows_it(pod, simple):
    ask(simple)
    page = ask(simple)

    assert "Your archive is already being built" in page.text
    assert len(exports(pod)) == 1
    pod.jobs.drain()
    assert [e.state for e in exports(pod)] == [DONE]
    # Once done, a new one may be asked for; the old one stays downloadable until it expires.
    page = ask(simple)
    pod.jobs.drain()
    first, second = exports(pod)
    assert (first.state, second.state) == (DONE, DONE)
    simple.get(f"/user/export/{first.id}/archive", status=200)
    simple.get(f"/user/export/{second.id}/archive", status=200)


def test_the_job_leaves_a_finished_export_alone(pod, simple):
    ask(simple)
    pod.jobs.drain()
    [export] = exports(pod)
    before = (export_dir(pod, export.id) / "archive.json.gz").stat().st_mtime_ns

    pod.jobs.send(build_export, export.id)
    pod.jobs.drain()

    assert (export_dir(pod, export.id) / "archive.json.gz").stat().st_mtime_ns == before
    assert exports(pod)[0].finished_at == export.finished_at


def test_only_the_owner_downloads(pod, simple, member):
    ask(simple)
    pod.jobs.drain()
    [export] = exports(pod)
    other = member("mallory")

    for which in ("archive", "photos"):
        other.get(f"/user/export/{export.id}/{which}", status=404)
    visitor = member(None)
    response = visitor.get(f"/user/export/{export.id}/archive", status=302)
    assert response.location == f"http://localhost/users/sign_in?next=%2Fuser%2Fexport%2F{export.id}%2Farchive"
    assert visitor.get("/user/export", status=302).location == (
        "http://localhost/users/sign_in?next=%2Fuser%2Fexport")
    assert visitor.post("/user/export", {"csrf_token": csrf(other)}, status=302).location == (
        "http://localhost/users/sign_in?next=%2Fuser%2Fexport")
    assert len(exports(pod)) == 1


@pytest.mark.parametrize("raw", ["abc", "99999", "99999999999999999999", "1x"])
def test_bad_or_unknown_ids_are_not_found(simple, raw):
    simple.get(f"/user/export/{raw}/archive", status=404)
    simple.get(f"/user/export/{raw}/photos", status=404)


def test_an_unfinished_export_has_nothing_to_download(pod, simple):
    ask(simple)
    [export] = exports(pod)

    simple.get(f"/user/export/{export.id}/archive", status=404)
    simple.get(f"/user/export/{export.id}/photos", status=404)


def expire(pod, export_id, ago=dt.timedelta(minutes=1)):
    with pod.session_factory() as s:
        s.get(Export, export_id).expires_at = dt.datetime.now(dt.timezone.utc) - ago
        s.commit()


def test_after_a_week_downloads_are_gone_and_the_sweep_deletes_files_and_rows(pod, simple):
    ask(simple)
    pod.jobs.drain()
    [export] = exports(pod)
    assert export_dir(pod, export.id).is_dir()
    expire(pod, export.id)

    for which in ("archive", "photos"):
        response = simple.get(f"/user/export/{export.id}/{which}", status=410)
        assert "This export was kept for 7 days and has been deleted." in one(
            response, "[data-testid=export-gone]").text_content()
    page = simple.get("/user/export")
    assert "Your last export was kept for 7 days and has been deleted." in " ".join(page.text.split())
    assert one(page, "[data-testid=export-downloads]") is None

    assert sweep_exports in [periodic.job for periodic in PERIODIC]
    pod.jobs.send(sweep_exports)
    pod.jobs.drain()

    assert exports(pod) == []
    assert not export_dir(pod, export.id).exists()
    simple.get(f"/user/export/{export.id}/archive", status=404)


def test_the_sweep_keeps_exports_within_their_week(pod, simple):
    ask(simple)
    pod.jobs.drain()
    [export] = exports(pod)

    pod.jobs.send(sweep_exports)
    pod.jobs.drain()

    assert [e.id for e in exports(pod)] == [export.id]
    assert (export_dir(pod, export.id) / "photos.zip").is_file()


def test_the_sweep_resends_lost_exports_and_fails_stuck_ones(pod, simple, member):
    member("olga")
    now = dt.datetime.now(dt.timezone.utc)
    with pod.session_factory() as s:
        # Rows whose job message never arrived (lost) or whose worker died (stuck).
        lost = Export(user_id=user_named(s, "walter").id, state=PENDING, created_at=now - dt.timedelta(hours=1))
        stuck = Export(user_id=user_named(s, "olga").id, state=RUNNING, progress=40,
                       created_at=now - dt.timedelta(hours=3))
        s.add_all([lost, stuck])
        s.commit()
    export_dir(pod, stuck.id).mkdir(parents=True)

    pod.jobs.send(sweep_exports)
    pod.jobs.drain()

    lost, stuck = exports(pod)
    assert lost.state == DONE
    assert stuck.state == FAILED
    assert "it was interrupted" in stuck.error
    assert not export_dir(pod, stuck.id).exists()
    simple.get(f"/user/export/{lost.id}/archive", status=200)


def test_a_failure_is_shown_and_leaves_no_files(pod, simple, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "write_photos_zip", broken)
    ask(simple)
    pod.jobs.drain()

    [export] = exports(pod)
    assert export.state == FAILED
    assert export.error == ("Building your archive failed: OSError: [Errno 28] No space left on device. Nothing was "
                            "kept; ask for a new export, and tell your podmin if it fails again.")
    assert (export.archive_path, export.photos_path) == (None, None)
    assert not export_dir(pod, export.id).exists()
    assert mails(pod) == []
    page = simple.get("/user/export")
    assert "Your last export failed" in page.text
    assert "No space left on device" in one(page, "[data-testid=export-error]").text_content()
    simple.get(f"/user/export/{export.id}/archive", status=404)

    # Trying again works once the problem is gone.
    monkeypatch.undo()
    page = ask(simple)
    pod.jobs.drain()
    assert [e.state for e in exports(pod)] == [FAILED, DONE]


def test_a_photo_whose_file_is_missing_is_left_out(pod, simple):
    with pod.session_factory() as s:
        from core.posts.models import Photo

        [photo] = s.scalars(sa.select(Photo))
        name = photo.file_name
    (uploads_dir(pod) / name).unlink()

    ask(simple)
    pod.jobs.drain()

    [export] = exports(pod)
    assert export.state == DONE
    with zipfile.ZipFile(export_dir(pod, export.id) / "photos.zip") as photos:
        assert photos.namelist() == []


def test_the_service_gives_nothing_for_another_users_export(pod, simple, member):
    ask(simple)
    [export] = exports(pod)
    member("nina")
    with pod.session_factory() as s:
        service = ExportService(s, pod)
        assert service.owned(user_named(s, "nina"), str(export.id)) is None
        assert service.owned(user_named(s, "walter"), str(export.id)).id == export.id
        assert service.owned(user_named(s, "walter"), "\x00") is None


def test_an_account_closed_before_its_export_ran_gets_none(pod, simple):
    ask(simple)
    with pod.session_factory() as s:
        user_named(s, "walter").closed_at = dt.datetime.now(dt.timezone.utc)
        s.commit()

    pod.jobs.drain()

    [export] = exports(pod)
    assert export.state == FAILED
    assert export.error.startswith("Building your archive failed: the account was closed. Nothing was kept")
    assert not export_dir(pod, export.id).exists()


def test_the_job_leaves_a_running_export_to_its_worker(pod, simple):
    ask(simple)
    [export] = exports(pod)
    with pod.session_factory() as s:
        s.get(Export, export.id).state = RUNNING
        s.commit()

    pod.jobs.drain()

    [export] = exports(pod)
    assert (export.state, export.progress) == (RUNNING, 0)
    assert not export_dir(pod, export.id).exists()
