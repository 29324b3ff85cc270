"""The oEmbed cache: recording videos, fetching their title and thumbnail, retrying failures.

Pages only read the cache and record videos they meet for the first time; the fetch runs in
a job, through :mod:`core.http`. A failed fetch is retried later by the periodic sweep,
waiting twice as long after each failure, and given up after :data:`MAX_ATTEMPTS`.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from core import http
from core.db import insert_unless_present, utcnow

from .models import ERROR_MAX, FAILED, GAVE_UP, PENDING, READY, TITLE_MAX, Video
from .urls import oembed_target

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_AFTER = dt.timedelta(minutes=10)  # after the first failure; doubled after each next one
LOST_AFTER = dt.timedelta(minutes=10)   # a pending fetch whose job never ran is sent again
SWEEP_BATCH = 50

OEMBED_MAX_BYTES = 64 * 1024
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024
SOURCE_MAX_PIXELS = 4096 * 4096  # refuse decompression bombs before decoding
THUMBNAIL_BOX = (640, 480)
STORED_MAX_BYTES = 200 * 1024
SOURCE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class FetchFailed(Exception):
    """oEmbed or the thumbnail gave nothing usable; ``str(exc)`` says what."""


@dataclass(frozen=True)
class Details:
    title: str
    author_name: str
    thumbnail: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Cached:
    """What a page needs of a video: never the thumbnail's bytes."""

    state: str
    title: str | None
    author_name: str | None
    has_thumbnail: bool


# --- pages: reading and recording ------------------------------------------------------

def cached(dbsession, video_ids) -> dict[str, Cached]:
    rows = dbsession.execute(
        sa.select(Video.video_id, Video.state, Video.title, Video.author_name, Video.thumbnail_width)
        .where(Video.video_id.in_(list(video_ids))))
    return {r.video_id: Cached(r.state, r.title, r.author_name, r.thumbnail_width is not None) for r in rows}


def remember(dbsession, video_id: str, now: dt.datetime | None = None) -> bool:
    """Record a video never seen before; True when this call recorded it (and so must send its
    fetch). Two readers meeting it at once both succeed: the second finds the first's row."""
    now = now or utcnow()
    return insert_unless_present(dbsession, Video, video_id=video_id, state=PENDING, attempts=0,
                                 next_attempt_at=now + LOST_AFTER, created_at=now)


# --- the job: fetching ---------------------------------------------------------------------

def fetch(pod, dbsession, video_id: str, now: dt.datetime | None = None) -> str | None:
    """Fetch a recorded video's details and store the outcome; returns the new state, or None
    when there was nothing to do (unknown, already fetched, or given up)."""
    video = dbsession.scalar(sa.select(Video).where(Video.video_id == video_id))
    if video is None or video.state in (READY, GAVE_UP):
        return None
    try:
        details = fetch_details(pod, video_id)
    except FetchFailed as exc:
        return record_failure(video, str(exc), now or utcnow())
    video.state = READY
    video.title = details.title
    video.author_name = details.author_name
    video.thumbnail = details.thumbnail
    video.thumbnail_width, video.thumbnail_height = details.width, details.height
    video.attempts += 1
    video.next_attempt_at = None
    video.last_error = None
    video.fetched_at = now or utcnow()
    return READY


def record_failure(video: Video, reason: str, now: dt.datetime) -> str:
    video.attempts += 1
    video.last_error = reason[:ERROR_MAX]
    if video.attempts >= MAX_ATTEMPTS:
        video.state = GAVE_UP
        video.next_attempt_at = None
        log.info("youtube_embed: giving up on %s after %d attempts: %s", video.video_id, video.attempts, reason)
    else:
        video.state = FAILED
        video.next_attempt_at = now + RETRY_AFTER * 2 ** (video.attempts - 1)
        log.info("youtube_embed: fetching %s failed (attempt %d), retrying at %s: %s",
                 video.video_id, video.attempts, video.next_attempt_at, reason)
    return video.state


def fetch_details(pod, video_id: str) -> Details:
    """oEmbed's title and author, and its thumbnail re-encoded by us. Its ``html`` is never read:
    what the page shows is built by the pod from these plain values."""
    document = oembed(pod, video_id)
    title = plain_text(document.get("title"))
    author = plain_text(document.get("author_name"))
    thumbnail_url = document.get("thumbnail_url")
    if not title:
        raise FetchFailed("oEmbed gave no title")
    if not isinstance(thumbnail_url, str) or not thumbnail_url.startswith(("https://", "http://")):
        raise FetchFailed("oEmbed gave no thumbnail_url")
    jpeg, width, height = reencode(download(pod, thumbnail_url))
    return Details(title, author, jpeg, width, height)


def oembed(pod, video_id: str) -> dict:
    url = pod.settings["youtube_embed.oembed_url"]
    try:
        answer = http.request(pod, "GET", url, purpose="oembed", max_bytes=OEMBED_MAX_BYTES,
                              params={"url": oembed_target(video_id), "format": "json"},
                              headers={"Accept": "application/json"})
    except http.RequestFailed as exc:
        raise FetchFailed(f"oEmbed: {exc}") from None
    if answer.status != 200:
        # 401: private or not embeddable; 404: removed or never existed; 5xx: YouTube's trouble.
        raise FetchFailed(f"oEmbed answered {answer.status}")
    try:
        document = json.loads(answer.body)
    except ValueError:
        raise FetchFailed("oEmbed answered something that is not JSON") from None
    if not isinstance(document, dict):
        raise FetchFailed("oEmbed answered JSON that is not an object")
    return document


def download(pod, url: str) -> bytes:
    try:
        answer = http.request(pod, "GET", url, purpose="oembed-thumbnail", max_bytes=THUMBNAIL_MAX_BYTES)
    except http.RequestFailed as exc:
        raise FetchFailed(f"thumbnail: {exc}") from None
    if answer.status != 200:
        raise FetchFailed(f"thumbnail answered {answer.status}")
    return answer.body


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """Our own JPEG of an image in a common format, at most 640x480: nothing of the original
    file (metadata, a polyglot payload) reaches readers."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in SOURCE_FORMATS:
                raise FetchFailed(f"thumbnail is a {image.format} image, not JPEG, PNG, WebP or GIF")
            if image.width * image.height > SOURCE_MAX_PIXELS:
                raise FetchFailed(f"thumbnail is too large ({image.width}x{image.height})")
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise FetchFailed("thumbnail is not an image") from None
    picture.thumbnail(THUMBNAIL_BOX)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80, optimize=True)
    jpeg = out.getvalue()
    if len(jpeg) > STORED_MAX_BYTES:
        raise FetchFailed(f"thumbnail is {len(jpeg)} bytes once re-encoded, more than {STORED_MAX_BYTES}")
    return jpeg, picture.width, picture.height


def plain_text(value) -> str:
    """A one-line string of at most TITLE_MAX characters; anything else is empty."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\x00", "").split())[:TITLE_MAX]


def thumbnail_of(dbsession, video_id: str) -> bytes | None:
    return dbsession.scalar(sa.select(Video.thumbnail).where(Video.video_id == video_id, Video.state == READY))


# --- the sweep -----------------------------------------------------------------------------

def overdue(dbsession, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> list[str]:
    """Videos whose fetch is due again (a failure's retry, or a fetch whose job was lost);
    each is pushed back by LOST_AFTER so the next sweep does not send it twice."""
    now = now or utcnow()
    ids = list(dbsession.scalars(
        sa.select(Video.video_id)
        .where(Video.state.in_((PENDING, FAILED)), Video.next_attempt_at <= now)
        .order_by(Video.next_attempt_at).limit(limit)))
    if ids:
        dbsession.execute(sa.update(Video).where(Video.video_id.in_(ids))
                          .values(next_attempt_at=now + LOST_AFTER))
    return ids
