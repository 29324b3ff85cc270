"""An X export uploaded on /import and imported by the job, on both databases."""
from __future__ import annotations

import datetime as dt

import lxml.html
import sqlalchemy as sa
from click.testing import CliRunner

from core.accounts.models import Person, User
from core.cli.content_import import import_group
from core.cli.context import State
from core.importers.models import ContentImport, ImportedItem
from core.importers.services import uploads_dir
from core.posts.models import Post
from core.testing import sign_up
from tests.plugins.twitter_import.exports import js, sample_export, sample_tweets, tweet

IMPORTER = "twitter_import.archive"


def upload(browser, raw: bytes, name="twitter-2024-02-01-abcdef.zip", status=303):
    form = browser.get("/import").forms[f"import-{IMPORTER}"]
    form["file"] = (name, raw)
    return form.submit(status=status)


def text_of(page, testid):
    return " ".join(lxml.html.fromstring(page.text).xpath(f'string(//*[@data-testid="{testid}"])').split())


def posts(pod, username="alice"):
    with pod.session_factory() as session:
        found = list(session.scalars(sa.select(Post).join(Person, Person.id == Post.author_id)
                                     .join(User, User.id == Person.user_id).where(User.username == username)
                                     .order_by(Post.created_at)))
        result = [(p.text, p.created_at, p.public, [ph.text for ph in p.photos], [ph.width for ph in p.photos])
                  for p in found]
        return result


def test_an_export_is_imported_through_the_page(pod, member):
    alice = member("alice")
    page = alice.get("/import")
    assert "An X (Twitter) archive" in page.text
    started = upload(alice, sample_export())
    pod.jobs.drain()

    done = alice.get(started.location)
    assert text_of(done, "run-state") == "Finished."
    assert (text_of(done, "count-imported"), text_of(done, "count-skipped"), text_of(done, "count-failed")) == \
        ("3", "2", "0")
    imported = posts(pod)
    assert [text for text, *_ in imported] == [
        "Tomatoes & basil, planted today #garden",
        "And the seeds came from https://seeds.example/heirloom",
        "Watch them grow https://twitter.com/gardener/status/504/photo/1",
    ]
    first = imported[0]
    assert first[1] == dt.datetime(2019, 5, 4, 9, 15, tzinfo=dt.timezone.utc)
    assert first[2] is True and first[4] == [40, 40]  # both photos, through the photo pipeline
    with pod.session_factory() as session:
        reasons = dict(session.execute(sa.select(ImportedItem.external_id, ImportedItem.reason)
                                       .where(ImportedItem.state == "skipped")).all())
    assert reasons == {"502": "a retweet of someone else's post", "503": "a reply to someone else's post"}
    assert not uploads_dir(pod).is_dir() or list(uploads_dir(pod).iterdir()) == []

    # The same export again (a later one holds the old tweets too): nothing twice.
    later = sample_tweets() + [tweet("600", "A new one", "Tue May 07 08:00:00 +0000 2019")]
    again = upload(alice, js(later), name="tweets.js")
    pod.jobs.drain()
    page = alice.get(again.location)
    assert (text_of(page, "count-imported"), text_of(page, "count-skipped")) == ("1", "5")
    assert len(posts(pod)) == 4


def test_a_file_that_is_not_an_export_fails_with_a_clear_message(pod, member):
    alice = member("alice")
    started = upload(alice, b"\x89PNG\r\n\x1a\n not a zip", name="export.zip")
    pod.jobs.drain()
    page = alice.get(started.location)
    assert text_of(page, "run-error").startswith("That file is not an X (Twitter) data export")
    assert posts(pod) == []


def test_a_file_of_another_kind_is_refused_before_upload(pod, member):
    alice = member("alice")
    page = upload(alice, b"hello", name="holiday.png", status=400)
    assert "Upload the .zip file of your X data export" in text_of(page, "content-import-error")
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ContentImport)) == 0


def test_the_importer_is_offered_only_when_the_plugin_is_enabled(make_app):
    app = make_app(plugins="")
    assert sign_up(app, "alice").status_int == 303
    assert "An X (Twitter) archive" not in app.get("/import").text


def test_seedpod_import_run_takes_an_export(pod, member, tmp_path):
    member("alice")
    path = tmp_path / "twitter.zip"
    path.write_bytes(sample_export())
    state = State(tmp_path / "pod.ini")
    State._pods[state.path] = pod
    try:
        result = CliRunner().invoke(import_group, ["run", "alice", IMPORTER, str(path)], obj=state)
    finally:
        State._pods.pop(state.path, None)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "imported 3, skipped 2, failed 0"
    assert len(posts(pod)) == 3
