"""End to end: the /import page starts a run, the job reads the fake Tumblr or an uploaded
export and writes the posts; a second run skips them."""
from datetime import datetime, timezone

import sqlalchemy as sa
from webtest import Upload

from core.accounts.models import Person, User
from core.importers.models import ContentImport, ImportedItem
from core.posts.models import Photo, Post
from core.testing import aspects_of, sign_up

from .exports import post_page, tumblr_export
from .fake_tumblr import png
from .samples import samples


def signed_in(make_app, **settings):
    app = make_app(**settings)
    assert sign_up(app, "alice").status_int == 303
    return app


def start(app, importer: str, status=303, **fields):
    form = app.get("/import").forms[f"import-{importer}"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def posts_of(pod, username="alice"):
    with pod.session_factory() as session:
        person_id = session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                                   .where(User.username == username))
        posts = session.scalars(sa.select(Post).where(Post.author_id == person_id).order_by(Post.created_at)).all()
        photos = {p.id: session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.post_id == p.id))
                  for p in posts}
        session.expunge_all()
        return posts, photos


def last_run(pod):
    with pod.session_factory() as session:
        run = session.scalars(sa.select(ContentImport).order_by(ContentImport.id.desc())).first()
        items = {i.external_id: (i.state, i.reason) for i in session.scalars(
            sa.select(ImportedItem).where(ImportedItem.run_id == run.id))}
        session.expunge_all()
        return run, items


def test_a_blog_is_imported_through_the_page_and_a_second_run_skips_it(tumblr, make_app):
    every = samples(tumblr.media)
    tumblr.add_blog("gardenfan", [(s.legacy, s.npf) for s in every])
    app = signed_in(make_app, **tumblr.settings())
    page = app.get("/import")
    assert "A Tumblr blog" in page.text and "A Tumblr export" in page.text
    assert start(app, "tumblr_import.api", value="https://gardenfan.tumblr.com/").status_int == 303
    app.pod.jobs.drain()

    run, items = last_run(app.pod)
    assert (run.state, run.total, run.imported, run.skipped, run.failed) == ("done", 8, 8, 0, 0)
    assert tumblr.requests[0]["npf"] == "true"
    posts, photos = posts_of(app.pod)
    assert len(posts) == 8 and all(p.public for p in posts)
    by_time = {int(p.created_at.replace(tzinfo=timezone.utc).timestamp()): p for p in posts}
    text_post = by_time[every[0].npf["timestamp"]]
    assert "Sowed **six** kinds" in text_post.text and "#gardening #spring" in text_post.text
    photo_post = by_time[every[1].npf["timestamp"]]
    assert photos[photo_post.id] == 2 and len(tumblr.photo_requests) == 2
    video_post = by_time[every[6].npf["timestamp"]]
    assert video_post.text.startswith("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    run_page = app.get(f"/import/{run.id}")
    assert 'data-testid="count-imported">8<' in run_page.text and 'value="8"' in run_page.text

    # Again: nothing new, nothing twice.
    start(app, "tumblr_import.api", value="gardenfan")
    app.pod.jobs.drain()
    run, _ = last_run(app.pod)
    assert (run.state, run.imported, run.skipped, run.failed) == ("done", 0, 8, 0)
    assert len(posts_of(app.pod)[0]) == 8


def test_a_failing_post_is_recorded_and_the_rest_goes_on(tumblr, make_app):
    good = samples(tumblr.media)[0]
    broken_photo = dict(samples(tumblr.media)[1].legacy, id=1, id_string="1",
                        photos=[{"original_size": {"url": f"{tumblr.media}/gone.jpg"}}])
    poll = {"id": 2, "id_string": "2", "type": "poll", "timestamp": 1_600_000_000}
    tumblr.add_blog("mixed", [(good.legacy, good.legacy), (broken_photo, broken_photo), (poll, poll)])
    app = signed_in(make_app, **tumblr.settings(**{"tumblr_import.npf": "false"}))
    start(app, "tumblr_import.api", value="mixed")
    app.pod.jobs.drain()
    run, items = last_run(app.pod)
    assert (run.state, run.imported, run.skipped, run.failed) == ("done", 1, 1, 1)
    assert items["1"][0] == "failed" and "gone.jpg could not be downloaded" in items["1"][1]
    assert items["2"] == ("skipped", "Tumblr posts of type 'poll' cannot be imported")
    assert "gone.jpg could not be downloaded" in app.get(f"/import/{run.id}").text


def test_an_unknown_blog_fails_the_run_with_tumblrs_reason(tumblr, make_app):
    app = signed_in(make_app, **tumblr.settings())
    start(app, "tumblr_import.api", value="nobody.tumblr.com")
    app.pod.jobs.drain()
    run, _ = last_run(app.pod)
    assert run.state == "failed" and run.error == "Tumblr has no blog called 'nobody' (Blog not found.)."
    assert "Tumblr has no blog called" in app.get(f"/import/{run.id}").text


def test_a_rate_limit_leaves_the_run_to_be_tried_again(tumblr, make_app):
    tumblr.add_blog("gardenfan", [(s.legacy, s.npf) for s in samples(tumblr.media)])
    tumblr.fail_next = [429]
    app = signed_in(make_app, **tumblr.settings())
    start(app, "tumblr_import.api", value="gardenfan")
    from core.importers.services import run_import

    with app.pod.session_factory() as session:
        run_id = session.scalar(sa.select(ContentImport.id))
    assert run_import(app.pod, run_id).state == "retry"
    run, _ = last_run(app.pod)
    assert run.state == "running" and "Tumblr answered 429" in run.error
    assert run_import(app.pod, run_id).state == "done"
    assert last_run(app.pod)[0].imported == 8


def test_junk_blog_names_are_refused_on_the_page(tumblr, make_app):
    app = signed_in(make_app, **tumblr.settings())
    page = start(app, "tumblr_import.api", status=400, value="not a blog!")
    assert "Enter a Tumblr blog" in page.text
    assert tumblr.requests == []
    with app.pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ContentImport)) == 0


def test_an_uploaded_export_is_imported_for_an_aspect(tmp_path, make_app):
    app = signed_in(make_app, plugins="tumblr_import")
    assert "A Tumblr blog" not in app.get("/import").text  # no API key: only the export
    aspect_id, _name = aspects_of(app.pod, "alice")[0]
    export = tumblr_export(tmp_path / "tumblr.zip", {
        "700001": post_page("<p>From the export</p>", tags=("saved",)),
        "700002": post_page('<img src="../../media/700002.png" alt="Bees">'),
    }, {"700002.png": png(2)})
    start(app, "tumblr_import.export", file=Upload("tumblr.zip", export.read_bytes(), "application/zip"),
          visibility=str(aspect_id))
    app.pod.jobs.drain()
    run, _ = last_run(app.pod)
    assert (run.state, run.total, run.imported) == ("done", 2, 2)
    posts, photos = posts_of(app.pod)
    assert [p.public for p in posts] == [False, False]
    assert posts[0].created_at.replace(tzinfo=timezone.utc) == datetime(2023, 4, 1, 14, 5, tzinfo=timezone.utc)
    assert "From the export" in posts[0].text or "From the export" in posts[1].text
    assert sorted(photos.values()) == [0, 1]


def test_a_junk_upload_fails_with_a_clear_message(make_app):
    app = signed_in(make_app, plugins="tumblr_import")
    page = start(app, "tumblr_import.export", status=400, file=Upload("notes.txt", b"hello", "text/plain"))
    assert "Upload the .zip file of your Tumblr export" in page.text
    start(app, "tumblr_import.export", file=Upload("tumblr.zip", b"not a zip at all", "application/zip"))
    app.pod.jobs.drain()
    run, _ = last_run(app.pod)
    assert run.state == "failed" and run.error.startswith("This file is not a zip archive")
    assert len(posts_of(app.pod)[0]) == 0
