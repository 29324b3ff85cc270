"""The job that runs an import: items each in their own transaction, skips on a second run,
retries of an unreachable source, photos, visibility and federation."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import User
from core.db import utcnow
from core.events.models import Event
from core.federation.models import Delivery
from core.http import Unreachable
from core.importers import SkippedItem, SourceError
from core.importers.jobs import run_content_import, sweep_content_imports
from core.importers.models import ContentImport
from core.importers.services import (MAX_ATTEMPTS, RETRY, Choices, lost_runs, retry_delay, run_import, start_run,
                                     tag_line)
from core.posts.services import can_user_see
from core.testing import aspects_of, share
from tests.importers.example import post, png
from tests.importers.helpers import items, posts_of, runs, user_id


def start(pod, username="alice", importer="example.feed", value="feed", **choices) -> int:
    from core.accounts.models import User

    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        row = start_run(session, pod, user, Choices(importer=importer, value=value, **choices))
        session.commit()
        return row.id


def counts(pod, run_id):
    run = next(r for r in runs(pod) if r["id"] == run_id)
    return run["state"], run["imported"], run["skipped"], run["failed"]


def published_events(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.name == "post_published"))


def test_posts_keep_their_date_and_get_their_tags(pod, member, example):
    member("alice")
    naive = dt.datetime(2015, 1, 2, 3, 4, 5)
    aware = dt.datetime(2016, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    example.items = [post("1", text="Hello #world", created_at=naive, tags=["world", "two words", "c++", "--", "ok"]),
                     post("2", created_at=aware)]
    example.total = 2
    run_id = start(pod)
    assert run_import(pod, run_id).state == "done"
    first, second = posts_of(pod, "alice")
    assert first.text == "Hello #world\n\n#twowords #c #ok"
    assert first.created_at == naive.replace(tzinfo=dt.timezone.utc)
    assert second.created_at == dt.datetime(2016, 6, 1, 10, 0, tzinfo=dt.timezone.utc)
    assert first.public and second.public
    assert runs(pod)[0]["total"] == 2
    assert example.seen == [(user_id(pod, "alice"), "feed", None)]


def test_tag_line_leaves_out_what_the_text_has_and_what_no_tag_can_hold():
    assert tag_line("About #Garden", ["garden", "Garden", "spring", "été", "a/b", "-x-", "#y"]) == "#spring #été #ab #x #y"
    assert tag_line("", []) == ""


def test_a_second_run_skips_what_the_first_imported_and_retries_what_failed(pod, member, example):
    member("alice")
    example.items = [post("1"), post("2", text="x" * 70_000), post("3"), SkippedItem("4", "a reblog")]
    first = start(pod)
    run_import(pod, first)
    assert counts(pod, first) == ("done", 2, 1, 1)
    assert items(pod)["2"][:2] == ("failed", "Posts are at most 65,535 characters long; this one has 70,000.")

    example.items[1] = post("2", text="Shorter now")
    second = start(pod)
    run_import(pod, second)
    assert counts(pod, second) == ("done", 1, 3, 0)
    assert sorted(p.text for p in posts_of(pod, "alice")) == ["Post 1", "Post 3", "Shorter now"]
    state, _reason, post_id, run_id = items(pod)["2"]
    assert (state, run_id) == ("imported", second) and post_id is not None
    assert counts(pod, first) == ("done", 2, 1, 1)  # the first run's page still says what it did


def test_a_failing_item_is_recorded_and_the_run_goes_on(pod, member, example):
    member("alice")
    example.items = [post("1", photos=[(b"not an image at all", "")]), post("2")]
    run_id = start(pod)
    run_import(pod, run_id)
    assert counts(pod, run_id) == ("done", 1, 0, 1)
    assert "not an image" in items(pod)["1"][1]
    assert [p.text for p in posts_of(pod, "alice")] == ["Post 2"]


def test_a_source_error_fails_the_run_with_its_message(pod, member, example):
    member("alice")
    example.items = [post("1"), SourceError("No blog named feed.")]
    run_id = start(pod)
    assert run_import(pod, run_id).state == "failed"
    run = runs(pod)[0]
    assert (run["state"], run["error"], run["imported"]) == ("failed", "No blog named feed.", 1)


def test_an_unexpected_error_of_an_importer_fails_the_run_without_details(pod, member, example):
    member("alice")
    example.items = [KeyError("oops")]
    run_id = start(pod)
    assert run_import(pod, run_id).state == "failed"
    assert runs(pod)[0]["error"] == "The importer stopped on an unexpected error; the pod's log has the details."


def test_an_unreachable_source_is_tried_again_later_keeping_the_counts(pod, member, example):
    member("alice")
    example.items = [post("1"), Unreachable("connection refused"), post("2")]
    run_id = start(pod)
    outcome = run_import(pod, run_id)
    assert (outcome.state, outcome.delay) == (RETRY, 60)
    assert counts(pod, run_id) == ("running", 1, 0, 0)
    assert "connection refused" in runs(pod)[0]["error"]

    assert run_import(pod, run_id).state == "done"
    assert counts(pod, run_id) == ("done", 2, 0, 0)  # item 1 is not counted twice
    assert [p.text for p in posts_of(pod, "alice")] == ["Post 1", "Post 2"]


def test_the_job_sends_itself_again_after_a_delay_and_gives_up_in_the_end(pod, member, example):
    member("alice")
    assert [retry_delay(n) for n in (1, 2, 3, 5, 9)] == [60, 120, 240, 900, 900]
    example.items = [Unreachable("no route to host")]
    run_id = start(pod)
    pod.jobs.actor(run_content_import).fn(run_id)  # the job itself, here
    delayed = pod.jobs.broker.queues.get("default.DQ")
    assert delayed is not None and delayed.qsize() == 1  # sent again, to run in a minute
    pod.jobs.broker.flush_all()
    assert counts(pod, run_id)[0] == "running"

    for _ in range(MAX_ATTEMPTS):
        example.items = [Unreachable("no route to host")]
        outcome = run_import(pod, run_id)
    assert outcome.state == "failed"
    assert runs(pod)[0]["error"] == f"Could not reach the source after {MAX_ATTEMPTS} tries: no route to host"


def test_federating_is_off_unless_asked(pod, member, example):
    member("alice")
    example.items = [post("1")]
    quiet = start(pod)
    pod.jobs.drain()
    run_import(pod, quiet)
    pod.jobs.drain()
    assert published_events(pod) == 0
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0

    example.items = [post("2")]
    loud = start(pod, federate=True)
    run_import(pod, loud)
    assert published_events(pod) == 1


def test_photos_are_downloaded_through_the_pipeline_up_to_the_limit(pod, member, example, photo_server):
    member("alice")
    base = photo_server.url
    urls = [(f"{base}/photos/{n}.png", f"photo {n}") for n in range(5)]
    example.items = [post("1", photos=[(png(), "held")], photo_urls=urls),
                     post("2", photo_urls=[(f"{base}/gone.png", "")])]
    run_id = start(pod)
    run_import(pod, run_id)
    assert counts(pod, run_id) == ("done", 1, 0, 1)
    (imported,) = posts_of(pod, "alice")
    assert [p.text for p in imported.photos] == ["held", "photo 0", "photo 1", "photo 2"]
    assert all(p.width == 32 and p.height == 24 and p.public for p in imported.photos)
    # The photos past the post's limit are linked in the text instead, and never fetched.
    assert imported.text == f"Post 1\n\n<{base}/photos/3.png>\n\n<{base}/photos/4.png>"
    assert sorted(photo_server.requests) == ["/gone.png", "/photos/0.png", "/photos/1.png", "/photos/2.png"]
    assert items(pod)["2"][1] == f"The photo {base}/gone.png could not be downloaded: the server answered 404."


def test_an_unreachable_photo_fails_its_item_only(pod, member, example):
    member("alice")
    example.items = [post("1", photo_urls=[("http://127.0.0.1:9/nothing.png", "")]), post("2")]
    run_id = start(pod)
    run_import(pod, run_id)
    assert counts(pod, run_id) == ("done", 1, 0, 1)
    assert items(pod)["1"][1].startswith("The photo http://127.0.0.1:9/nothing.png could not be downloaded")


def test_posts_to_an_aspect_are_seen_by_that_aspect_only(pod, member, example, person_of):
    member("bob")
    member("carol")
    alice = member("alice")
    bob, carol = person_of("bob"), person_of("carol")
    family, friends = [aid for aid, _name in aspects_of(pod, "alice")[:2]]
    share(alice, bob, ["Family"], pod, "alice")
    share(alice, carol, ["Friends"], pod, "alice")
    example.items = [post("1", photos=[(png(), "")])]
    run_import(pod, start(pod, visibility=str(family)))
    (imported,) = posts_of(pod, "alice")
    assert not imported.public and not imported.photos[0].public
    with pod.session_factory() as session:
        fresh = session.get(type(imported), imported.id)
        assert can_user_see(session, bob.user_id, fresh)
        assert not can_user_see(session, carol.user_id, fresh)
    assert friends != family


def test_a_run_is_refused_when_its_plugin_aspect_or_account_went_away(pod, member, example, make_pod):
    member("alice")
    family = aspects_of(pod, "alice")[0][0]
    run_id = start(pod, visibility=str(family))
    with pod.session_factory() as session:
        session.get(ContentImport, run_id).aspect_id = None
        session.commit()
    run_import(pod, run_id)
    assert runs(pod)[0]["error"] == "The aspect the posts were to go to was deleted; start the import again."

    other = start(pod)
    without = make_pod(plugins="")  # the same database, the example plugin switched off
    run_import(without, other)
    assert runs(pod)[1]["error"] == "The importer example.feed is not available any more: its plugin was switched off."

    example.items = [post("1")]
    last = start(pod)
    with pod.session_factory() as session:
        session.get(User, user_id(pod, "alice")).closed_at = utcnow()
        session.commit()
    run_import(pod, last)
    assert runs(pod)[2]["error"] == "The account was closed." and posts_of(pod, "alice") == []


def test_the_sweep_sends_again_a_run_nothing_touched_for_long(pod, member, example):
    member("alice")
    example.items = [post("1")]
    run_id = start(pod)
    with pod.session_factory() as session:
        assert lost_runs(session) == []
    with pod.session_factory() as session:
        session.get(ContentImport, run_id).updated_at = utcnow() - dt.timedelta(hours=1)
        session.commit()
    with pod.session_factory() as session:
        assert lost_runs(session) == [run_id]
    pod.jobs.send(sweep_content_imports)
    pod.jobs.drain()
    assert counts(pod, run_id) == ("done", 1, 0, 0)
