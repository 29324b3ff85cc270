"""Fetching a video's title and thumbnail from oEmbed, serving the thumbnail, and retrying."""
from __future__ import annotations

import datetime as dt
import io

import lxml.html
import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import utcnow
from core.jobs import Periodic
from plugins.youtube_embed import services
from plugins.youtube_embed.cards import thumbnail_token
from plugins.youtube_embed.jobs import fetch_video, retry_overdue
from plugins.youtube_embed.models import FAILED, GAVE_UP, PENDING, READY, Video

from .conftest import OTHER, THIRD, VIDEO


def thumbnail_path(pod, video_id=VIDEO) -> str:
    return f"/p/youtube_embed/thumbnails/{video_id}/{thumbnail_token(pod, video_id)}.jpg"


def card_title(page) -> str:
    return lxml.html.fromstring(page.text).cssselect("figure[data-testid=youtube-embed] .youtube-embed-title")[0].text


def test_the_job_asks_oembed_once_and_keeps_a_jpeg_thumbnail(member, publish, youtube, pod, videos):
    alice = member("alice")
    guid = publish(alice, f"https://m.youtube.com/watch?v={VIDEO}&t=30&list=PL123abc")
    alice.get(f"/posts/{guid}")
    pod.jobs.drain()

    oembed, thumbnail = youtube.requests
    assert oembed.path == "/oembed"
    assert oembed.query == {"url": f"https://www.youtube.com/watch?v={VIDEO}", "format": "json"}
    assert thumbnail.path == f"/vi/{VIDEO}/hqdefault.jpg"
    row = videos()[VIDEO]
    assert (row.state, row.title, row.author_name, row.attempts) == (READY, f"Video {VIDEO}", f"Channel of {VIDEO}", 1)
    assert row.next_attempt_at is None and row.fetched_at is not None
    with Image.open(io.BytesIO(row.thumbnail)) as image:
        assert (image.format, image.size) == ("JPEG", (480, 360))

    # Read again and again: nothing more is asked.
    alice.get(f"/posts/{guid}")
    alice.get("/stream")
    pod.jobs.drain()
    assert len(youtube.requests) == 2


def test_the_thumbnail_route(member, publish, youtube, pod, app):
    alice = member("alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    app.get(thumbnail_path(pod), status=404)  # recorded by nobody yet
    alice.get(f"/posts/{guid}")
    app.get(thumbnail_path(pod), status=404)  # recorded, not fetched yet
    pod.jobs.drain()

    answer = app.get(thumbnail_path(pod), status=200)  # a visitor may see it: it is public on YouTube
    assert answer.content_type == "image/jpeg"
    assert answer.headers["Cache-Control"] in ("public, max-age=604800", "max-age=604800, public")
    assert Image.open(io.BytesIO(answer.body)).format == "JPEG"
    assert app.get(thumbnail_path(pod), headers={"If-None-Match": answer.headers["ETag"]}, status=304)
    # The page links to exactly this URL.
    page = alice.get(f"/posts/{guid}")
    assert lxml.html.fromstring(page.text).cssselect("img.youtube-embed-thumbnail")[0].get("src") == \
        "http://localhost" + thumbnail_path(pod)

    # Unknown videos, guessed keys and junk are 404s, never errors.
    app.get(thumbnail_path(pod, OTHER), status=404)
    app.get(f"/p/youtube_embed/thumbnails/{VIDEO}/{'0' * 24}.jpg", status=404)
    app.get(f"/p/youtube_embed/thumbnails/{VIDEO}/caf%C3%A9.jpg", status=404)
    app.get("/p/youtube_embed/thumbnails/short/abc.jpg", status=404)
    app.get(f"/p/youtube_embed/thumbnails/{VIDEO}.jpg", status=404)


@pytest.mark.parametrize("behaviour, reason", [
    ("removed", "oEmbed answered 404"),
    ("private", "oEmbed answered 401"),
    ("error", "oEmbed answered 503"),
    ("junk", "oEmbed answered something that is not JSON"),
    ("slow", "oEmbed: GET http://127.0.0.1"),
    ("not_image", "thumbnail is not an image"),
])
def test_a_failed_fetch_is_recorded_for_a_retry_and_the_card_stays_generic(
        make_app, publish, youtube, videos, behaviour, reason):
    from core.testing import sign_in_as_new_member

    youtube.behaviour[VIDEO] = behaviour
    app = make_app(federation__timeout="1")
    alice = sign_in_as_new_member(app.pod, app, "alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    alice.get(f"/posts/{guid}")
    before = utcnow()
    app.pod.jobs.drain()

    row = videos()[VIDEO]
    assert (row.state, row.attempts, row.title, row.thumbnail) == (FAILED, 1, None, None)
    assert reason in row.last_error
    assert before + dt.timedelta(minutes=9) < row.next_attempt_at < utcnow() + dt.timedelta(minutes=11)
    page = alice.get(f"/posts/{guid}", status=200)
    assert card_title(page) == "YouTube video"
    assert "img class=\"youtube-embed-thumbnail\"" not in page.text
    app.get(thumbnail_path(app.pod), status=404)


def test_retries_wait_twice_as_long_each_time_then_give_up(pod, youtube):
    youtube.behaviour[VIDEO] = "error"
    now = utcnow()
    with pod.session_factory() as session:
        services.remember(session, VIDEO, now)
        session.commit()
        waits = []
        for attempt in range(1, services.MAX_ATTEMPTS + 1):
            assert services.overdue(session, now) == []  # not due before its time
            now = session.scalar(sa.select(Video.next_attempt_at)) + dt.timedelta(seconds=1)
            assert services.overdue(session, now) == [VIDEO]
            assert services.overdue(session, now) == []  # sent once, not again by the next sweep
            state = services.fetch(pod, session, VIDEO, now)
            session.commit()
            row = session.scalar(sa.select(Video))
            assert row.attempts == attempt
            if row.next_attempt_at is not None:
                waits.append(row.next_attempt_at - now)
        assert state == GAVE_UP and row.next_attempt_at is None
        assert waits == [dt.timedelta(minutes=m) for m in (10, 20, 40, 80)]
        assert services.overdue(session, now + dt.timedelta(days=365)) == []  # given up for good
        assert services.fetch(pod, session, VIDEO, now) is None
    assert len(youtube.oembed_requests()) == services.MAX_ATTEMPTS


def test_the_periodic_sweep_fetches_what_failed_once_it_works_again(member, publish, youtube, pod, videos):
    assert Periodic(retry_overdue, 300) in pod.jobs.periodic
    youtube.behaviour[VIDEO] = "error"
    alice = member("alice")
    guid = publish(alice, f"https://youtu.be/{VIDEO}")
    alice.get(f"/posts/{guid}")
    pod.jobs.drain()
    assert videos()[VIDEO].state == FAILED

    pod.jobs.send(retry_overdue)  # too early: nothing is sent
    pod.jobs.drain()
    assert len(youtube.oembed_requests()) == 1

    youtube.behaviour.clear()
    with pod.session_factory() as session:  # ten minutes later
        session.execute(sa.update(Video).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    pod.jobs.send(retry_overdue)
    pod.jobs.drain()
    row = videos()[VIDEO]
    assert (row.state, row.attempts, row.last_error) == (READY, 2, None)
    assert card_title(alice.get(f"/posts/{guid}")) == f"Video {VIDEO}"


def test_a_fetch_whose_job_was_lost_is_sent_again_by_the_sweep(pod, youtube, videos):
    with pod.session_factory() as session:
        services.remember(session, VIDEO, utcnow() - services.LOST_AFTER - dt.timedelta(seconds=1))
        services.remember(session, OTHER)  # recorded just now: its job may still be on its way
        session.commit()
    pod.jobs.send(retry_overdue)
    pod.jobs.drain()
    assert videos()[VIDEO].state == READY
    assert videos()[OTHER].state == PENDING
    assert [r.query["url"][-11:] for r in youtube.oembed_requests()] == [VIDEO]


def test_a_fetch_job_for_a_fetched_or_unknown_video_does_nothing(pod, youtube, videos):
    with pod.session_factory() as session:
        services.remember(session, VIDEO)
        session.commit()
    pod.jobs.send(fetch_video, VIDEO)
    pod.jobs.send(fetch_video, VIDEO)
    pod.jobs.send(fetch_video, OTHER)  # never recorded
    pod.jobs.drain()
    assert len(youtube.oembed_requests()) == 1
    assert list(videos()) == [VIDEO]


def test_a_new_post_or_comment_is_fetched_before_anyone_reads_it(member, publish, add_comment, youtube, pod, videos):
    alice = member("alice")
    guid = publish(alice, f"https://www.youtube.com/shorts/{VIDEO} https://example.org/")
    pod.jobs.drain()  # the event's dispatch records the video and sends its fetch
    assert videos()[VIDEO].state == READY

    add_comment(alice, guid, f"and https://music.youtube.com/watch?v={OTHER}")
    pod.jobs.drain()
    assert videos()[OTHER].state == READY
    assert len(youtube.oembed_requests()) == 2


def test_prefetching_stops_at_the_limit(make_app, youtube, publish, videos):
    from core.testing import sign_in_as_new_member

    app = make_app(**{"youtube_embed.max_embeds_per_post": "2"})
    alice = sign_in_as_new_member(app.pod, app, "alice")
    publish(alice, f"https://youtu.be/{VIDEO} https://youtu.be/{VIDEO}?t=3 https://youtu.be/{OTHER} "
                   f"https://youtu.be/{THIRD}")
    app.pod.jobs.drain()
    assert sorted(videos()) == sorted([VIDEO, OTHER])


@pytest.mark.parametrize("image, message", [
    (lambda: b"GIF89a not really", "thumbnail is not an image"),
    (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", "thumbnail is not an image"),
    (lambda: png(5000, 5000, mode="1"), "thumbnail is too large"),
    (lambda: tiff(), "thumbnail is a TIFF image"),
])
def test_only_ordinary_images_become_thumbnails(image, message):
    with pytest.raises(services.FetchFailed, match=message):
        services.reencode(image())


def test_thumbnails_are_re_encoded_small():
    jpeg, width, height = services.reencode(png(1280, 720))
    assert (width, height) == (640, 360)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and image.info.get("exif") is None
    assert len(jpeg) <= services.STORED_MAX_BYTES


def png(width, height, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "TIFF")
    return out.getvalue()
