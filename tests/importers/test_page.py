"""The /import page, the run's progress page, and the register_importers hook."""
from __future__ import annotations

import lxml.html
import pytest

from core.hookspecs import hookimpl
from core.importers import Importer
from core.pod import StartupError
from core.testing import sign_up
from tests.importers.example import post
from tests.importers.helpers import items, posts_of, runs, uploads

ARCHIVE = "example archive\n1|First post|garden,spring\n2|-\n3|Third post #garden|garden,Roses!\n"


def start_feed(browser, value="myfeed", status=303, **fields):
    form = browser.get("/import").forms["import-example.feed"]
    form["value"] = value
    for name, field_value in fields.items():
        form[name] = field_value
    return form.submit(status=status)


def upload(browser, content: bytes, name="archive.txt", status=303, **fields):
    form = browser.get("/import").forms["import-example.archive"]
    form["file"] = (name, content)
    for name_, value in fields.items():
        form[name_] = value
    return form.submit(status=status)


def text_of(page, testid):
    return " ".join(lxml.html.fromstring(page.text).xpath(f'string(//*[@data-testid="{testid}"])').split())


class DuplicatePlugin:
    @hookimpl
    def register_importers(self, pod):
        return [Importer("example.feed", "Another feed", "text", "Name", lambda source: [])]


def test_hook_register_importers(pod, member, example, make_app):
    """Each importer a plugin registers gets its form on /import; a name used twice stops the pod."""
    alice = member("alice")
    page = alice.get("/import")
    forms = lxml.html.fromstring(page.text).xpath('//*[@data-testid="importer"]/@data-importer')
    assert forms == ["example.feed", "example.archive"]
    assert "An example feed" in page.text and "Every post of the feed." in page.text
    assert page.forms["import-example.feed"]["value"].attrs["type"] == "text"
    archive_form = page.forms["import-example.archive"]
    assert archive_form.enctype == "multipart/form-data"
    assert archive_form["file"].attrs["accept"] == ".txt,text/plain"
    assert archive_form["federate"].checked is False  # sending them as new posts is a choice
    assert "content-import-link" in alice.get("/user/edit").text

    with pytest.raises(StartupError, match="'example.feed' is registered twice"):
        make_app(extra_plugins={"example": example, "other": DuplicatePlugin()}, plugins="")


def test_a_pod_without_importers_says_so(make_app):
    app = make_app(plugins="")
    assert sign_up(app, "alice").status_int == 303
    page = app.get("/import")
    assert "This pod offers no importers" in text_of(page, "no-importers")
    assert "import-example.feed" not in page.forms


def test_visitors_are_sent_to_sign_in(app):
    assert "/users/sign_in" in app.get("/import", status=302).location
    assert "/users/sign_in" in app.get("/import/1", status=302).location


@pytest.mark.parametrize("value, message", [
    ("my feed!", "A feed name is letters and digits only."),
    ("   ", "Fill in “Feed name”."),
    ("x" * 1001, "“Feed name” is at most 1000 characters long."),
])
def test_a_refused_value_is_shown_on_the_form_and_nothing_is_stored(pod, member, value, message):
    alice = member("alice")
    page = start_feed(alice, value, status=400)
    assert text_of(page, "content-import-error") == message
    assert page.forms["import-example.feed"]["value"].value == value  # kept for correcting
    assert runs(pod) == []


def test_bad_form_fields_are_refused(pod, member):
    alice = member("alice")
    csrf = alice.get("/import").forms["import-example.feed"]["csrf_token"].value
    for fields, message in [
        ({"importer": "nope.nothing", "value": "x"}, "Choose one of the importers this pod offers."),
        ({"importer": "example.feed", "value": "abc", "visibility": "friends"}, "Choose who sees the imported"),
        ({"importer": "example.feed", "value": "abc", "visibility": "999999"}, "That aspect is not one of yours"),
        ({"importer": "example.feed", "value": "abc", "visibility": "99999999999999999999"}, "not one of yours"),
        ({"importer": "example.archive"}, "Choose the file to import"),
    ]:
        page = alice.post("/import", {"csrf_token": csrf, **fields}, status=400)
        assert message in text_of(page, "content-import-error")
    assert runs(pod) == []


def test_another_users_aspect_is_refused(pod, member):
    member("bob")
    alice = member("alice")
    from core.testing import aspects_of

    bobs = aspects_of(pod, "bob")[0][0]
    csrf = alice.get("/import").forms["import-example.feed"]["csrf_token"].value
    page = alice.post("/import", {"csrf_token": csrf, "importer": "example.feed", "value": "abc",
                                  "visibility": str(bobs)}, status=400)
    assert "That aspect is not one of yours" in page.text
    assert runs(pod) == []


def test_uploads_past_the_limit_or_empty_are_refused_and_not_kept(make_pod, example, new_browser, member):
    alice = member("alice")
    page = upload(alice, b"", status=400)
    assert text_of(page, "content-import-error") == "That file is empty; choose the file to import."
    alice.app.registry.pod.settings["imports.max_upload_bytes"] = 100
    try:
        page = upload(alice, b"example archive\n" + b"1|" + b"x" * 200 + b"\n", status=413)
    finally:
        alice.app.registry.pod.settings["imports.max_upload_bytes"] = 512 * 1024 * 1024
    assert "That file is too large: uploads are at most" in text_of(page, "content-import-error")
    assert runs(alice.app.registry.pod) == []
    assert uploads(alice.app.registry.pod) == []


def test_an_upload_is_imported_and_then_deleted(pod, member):
    alice = member("alice")
    started = upload(alice, ARCHIVE.encode())
    assert uploads(pod) and runs(pod)[0]["state"] == "queued"
    waiting = alice.get(started.location)
    assert waiting.headers["Refresh"] == "5"  # reloads itself while unfinished, no script needed
    assert "Waiting for its turn" in text_of(waiting, "run-state")

    pod.jobs.drain()
    done = alice.get(started.location)
    assert "Refresh" not in done.headers
    assert text_of(done, "run-state") == "Finished."
    progress = lxml.html.fromstring(done.text).xpath('//progress[@data-testid="run-progress"]')[0]
    assert (progress.get("max"), progress.get("value")) == ("3", "3")
    assert (text_of(done, "count-imported"), text_of(done, "count-skipped"), text_of(done, "count-failed")) == \
        ("2", "1", "0")
    assert [p.text for p in posts_of(pod, "alice")] == [
        "First post\n\n#garden #spring", "Third post #garden\n\n#Roses"]
    assert items(pod)["2"][:2] == ("skipped", "a reply to someone else")
    assert uploads(pod) == [] and runs(pod)[0]["upload_path"] is None
    assert "An example archive, started" in text_of(alice.get("/import"), "content-import-runs")


def test_a_file_that_is_not_an_export_fails_the_run_with_the_importers_message(pod, member):
    alice = member("alice")
    started = upload(alice, b"PK\x03\x04 something else")
    pod.jobs.drain()
    page = alice.get(started.location)
    assert text_of(page, "run-state") == "The import failed."
    assert text_of(page, "run-error") == "That file is not an example archive: its first line should say so."
    assert uploads(pod) == [] and posts_of(pod, "alice") == []


def test_failed_items_are_listed_with_their_reasons(pod, member, example):
    alice = member("alice")
    example.items = [post("a1"), post("a2", text="x" * 70_000), post("a3")]
    started = start_feed(alice)
    pod.jobs.drain()
    page = alice.get(started.location)
    assert text_of(page, "run-failures") == "a2: Posts are at most 65,535 characters long; this one has 70,000."
    assert (text_of(page, "count-imported"), text_of(page, "count-failed")) == ("2", "1")


def test_a_run_belongs_to_its_owner(pod, member, example):
    alice = member("alice")
    started = start_feed(alice)
    bob = member("bob")
    bob.get(started.location, status=404)
    for path in ("/import/0", "/import/abc", "/import/99999999999999999999", "/import/-1"):
        alice.get(path, status=404)
    alice.get(started.location, status=200)


def test_the_visibility_and_federate_choices_are_kept(pod, member):
    alice = member("alice")
    from core.testing import aspects_of

    family = aspects_of(pod, "alice")[0][0]
    start_feed(alice, visibility=str(family), federate=True)
    (run,) = runs(pod)
    assert (run["visibility"], run["aspect_id"], run["federate"]) == ("aspect", family, True)
