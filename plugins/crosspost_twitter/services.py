"""Crossposting: connected accounts, and the life of each crossposted post.

Never lost, never posted twice. A row of ``crosspost_twitter_tweets`` moves through states
(models.py) only by compare-and-set UPDATEs, each in a short transaction of its own:

* a job *claims* a ``pending`` row (``pending`` -> ``sending``, ``attempts + 1``) and commits
  that before it talks to X. Two jobs for the same post (the event's and the sweep's, or a
  message delivered twice) race for the claim; only one wins, the other does nothing;
* the claiming job records X's answer only where the row is still ``sending`` with the
  attempt number it claimed: ``sent`` with the tweet id, back to ``pending`` with a due time
  (429, 5xx, no answer, 401), or ``failed`` with X's message;
* a job that crashed after X answered leaves its row ``sending``. We cannot tell whether X
  published it, so the row is never sent again: after ``LEASE`` the sweep marks it ``failed``
  with a message the user sees on the settings page. At most once, and never silently lost.

Deleting a tweet is idempotent (X answers 404 for a tweet that is gone), so ``deleting`` rows
are simply tried until X confirms.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from core.db import utcnow
from core.posts.models import Photo, Post
from core.posts.photos import CONTENT_TYPES, uploads_dir

from . import oauth
from .models import CANCELLED, DELETED, DELETING, FAILED, PENDING, SENDING, SENT, Account, Tweet
from .text import fit, plain_text

log = logging.getLogger(__name__)

MAX_MEDIA = 4
MAX_MEDIA_BYTES = 5 * 2**20  # X's limit for an image
MAX_ATTEMPTS = 10  # for X's own trouble (5xx) or no answer; a 429 or 401 does not count
MAX_RATE_LIMIT_WAIT = dt.timedelta(hours=24)  # X's windows are 15 minutes to a day; a later reset is junk
LEASE = dt.timedelta(minutes=15)  # far beyond the send job's time limit
ERROR_MAX = 1000
DISCONNECTED = "Not sent: the X account was disconnected."


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def post_url(pod, guid: str) -> str:
    return f"{pod.url}/posts/{guid}"


# --- accounts --------------------------------------------------------------------------------

def account_of(dbsession, user_id: int) -> Account | None:
    return dbsession.scalar(sa.select(Account).where(Account.user_id == user_id))


def save_account(dbsession, user_id: int, token: oauth.AccessToken) -> Account:
    """Store the access token of a (re)connected account; its waiting tweets become due."""
    account = account_of(dbsession, user_id) or Account(user_id=user_id)
    account.access_token, account.access_token_secret = token.token, token.secret
    account.x_user_id, account.screen_name = token.x_user_id, token.screen_name
    account.needs_reconnect = False
    account.connected_at = utcnow()
    dbsession.add(account)
    dbsession.execute(sa.update(Tweet).where(Tweet.user_id == user_id, Tweet.state.in_((PENDING, DELETING)))
                      .values(next_attempt_at=utcnow(), updated_at=utcnow()))
    dbsession.flush()
    return account


def due_for_user(dbsession, user_id: int) -> tuple[list[int], list[str]]:
    """Post ids to send and post guids to delete for a user, to send their jobs."""
    rows = dbsession.execute(sa.select(Tweet.state, Tweet.post_id, Tweet.post_guid).where(
        Tweet.user_id == user_id, Tweet.state.in_((PENDING, DELETING)))).all()
    return [r.post_id for r in rows if r.state == PENDING], [r.post_guid for r in rows if r.state == DELETING]


def disconnect(dbsession, user_id: int) -> bool:
    """Forget the user's tokens. Posts still waiting to go out are not sent any more."""
    account = account_of(dbsession, user_id)
    if account is None:
        return False
    dbsession.delete(account)
    dbsession.execute(sa.update(Tweet).where(Tweet.user_id == user_id, Tweet.state == PENDING).values(
        state=CANCELLED, last_error=DISCONNECTED, updated_at=utcnow()))
    dbsession.flush()
    return True


def recent_tweets(dbsession, user_id: int, limit: int = 10) -> list[Tweet]:
    return list(dbsession.scalars(sa.select(Tweet).where(Tweet.user_id == user_id)
                                  .order_by(Tweet.created_at.desc(), Tweet.id.desc()).limit(limit)))


# --- from the composer and the events -------------------------------------------------------

def want_crosspost(dbsession, user, post) -> bool:
    """Queue ``post`` for X: only a public status message of a user with a connected account.
    A second call for the same post changes nothing."""
    if not post.public or post.type != "StatusMessage" or account_of(dbsession, user.id) is None:
        return False
    if dbsession.scalar(sa.select(Tweet.id).where(Tweet.post_id == post.id)) is not None:
        return False
    now = utcnow()
    dbsession.add(Tweet(post_id=post.id, post_guid=post.guid, user_id=user.id, state=PENDING, attempts=0,
                        next_attempt_at=now, created_at=now, updated_at=now))
    dbsession.flush()
    return True


def pending_post(dbsession, post_id: int) -> bool:
    return dbsession.scalar(sa.select(Tweet.id).where(Tweet.post_id == post_id, Tweet.state == PENDING)) is not None


def post_deleted(dbsession, guid: str) -> bool:
    """The post is gone: a tweet not sent yet never will be; a sent one is to be deleted
    (one being sent right now is deleted as soon as its sending is recorded). True when a
    tweet is to be deleted now."""
    now = utcnow()
    dbsession.execute(sa.update(Tweet).where(Tweet.post_guid == guid, Tweet.post_deleted_at.is_(None)).values(
        post_deleted_at=now, next_attempt_at=now, updated_at=now,
        state=sa.case((Tweet.state == PENDING, CANCELLED), (Tweet.state == SENT, DELETING), else_=Tweet.state)))
    return dbsession.scalar(sa.select(Tweet.id).where(Tweet.post_guid == guid, Tweet.state == DELETING)) is not None


# --- sending -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    tweet_id: int
    attempts: int


def _working_account(user_id_column):
    return sa.select(Account.id).where(Account.user_id == user_id_column, Account.needs_reconnect.is_(False)).exists()


def claim(pod, post_id: int, now: dt.datetime) -> Claim | None:
    """Take the post's pending row for this job alone, committed before X hears of it."""
    with pod.session_factory() as session, session.begin():
        row = session.execute(sa.select(Tweet.id, Tweet.attempts).where(Tweet.post_id == post_id)).first()
        if row is None:
            return None
        taken = session.execute(sa.update(Tweet).where(
            Tweet.id == row.id, Tweet.state == PENDING, Tweet.attempts == row.attempts,
            Tweet.next_attempt_at <= now, Tweet.post_deleted_at.is_(None), _working_account(Tweet.user_id),
        ).values(state=SENDING, attempts=Tweet.attempts + 1, updated_at=now))
        return Claim(row.id, row.attempts + 1) if taken.rowcount == 1 else None


def _record(pod, claim: Claim, **values) -> bool:
    """Write the outcome of a claimed attempt, unless the row moved on (then nothing)."""
    with pod.session_factory() as session, session.begin():
        if "last_error" in values and values["last_error"]:
            values["last_error"] = values["last_error"][:ERROR_MAX]
        done = session.execute(sa.update(Tweet).where(
            Tweet.id == claim.tweet_id, Tweet.state == SENDING, Tweet.attempts == claim.attempts,
        ).values(updated_at=utcnow(), **values))
        return done.rowcount == 1


def send(pod, post_id: int, now: dt.datetime | None = None) -> str | None:
    """Send the post's tweet if it is due and nobody else is sending it; returns the new state."""
    now = now or utcnow()
    claimed = claim(pod, post_id, now)
    if claimed is None:
        return None
    with pod.session_factory() as session:
        post = session.get(Post, post_id)
        account = session.scalar(sa.select(Account).join(Tweet, Tweet.user_id == Account.user_id)
                                 .where(Tweet.id == claimed.tweet_id))
        if account is None:  # disconnected since the claim, which cancels what waits
            session.close()
            _record(pod, claimed, state=CANCELLED, last_error=DISCONNECTED)
            return CANCELLED
        if post is None or not post.public:
            session.close()
            _record(pod, claimed, state=CANCELLED, last_error="Not sent: the post is gone or not public.")
            return CANCELLED
        text = fit(plain_text(post.text), post_url(pod, post.guid))
        photos = list(session.scalars(sa.select(Photo).where(Photo.post_id == post_id, Photo.remote_photo_path.is_(None))
                                      .order_by(Photo.id).limit(MAX_MEDIA)))
        files = [(f, photo.text) for photo in photos if (f := media_file(pod, photo)) is not None]
        account_id, token, token_secret = account.id, account.access_token, account.access_token_secret
    # No transaction stays open while X answers (SQLite would keep the writes below waiting).
    auth = oauth.signer(pod, token, token_secret)
    try:
        media_ids = [upload(pod, auth, media, alt_text) for media, alt_text in files]
        tweet_id = oauth.create_tweet(pod, auth, text, media_ids)
    except oauth.XError as exc:
        return _failed(pod, claimed, account_id, exc, now)
    # The post may have been deleted while we were sending: the tweet then goes too.
    _record(pod, claimed, tweet_id=tweet_id, last_error=None, next_attempt_at=now,
            state=sa.case((Tweet.post_deleted_at.is_(None), SENT), else_=DELETING))
    with pod.session_factory() as session:
        state = session.scalar(sa.select(Tweet.state).where(Tweet.id == claimed.tweet_id))
        guid = session.scalar(sa.select(Tweet.post_guid).where(Tweet.id == claimed.tweet_id))
    if state == DELETING:
        delete(pod, guid, now)
    return state


def upload(pod, auth, media: tuple[bytes, str, str], alt_text: str) -> str:
    media_id = oauth.upload_media(pod, auth, *media)
    if alt_text:
        try:
            oauth.describe_media(pod, auth, media_id, alt_text)
        except oauth.XError as exc:
            if exc.unauthorized or exc.temporary:
                raise
            log.warning("X refused the alt text of media %s: %s", media_id, exc)  # the photo still goes
    return media_id


def media_file(pod, photo: Photo) -> tuple[bytes, str, str] | None:
    """The photo's bytes to upload: the stored original, or its largest size when X would
    refuse that; None when its file is gone (the tweet goes without it)."""
    folder = uploads_dir(pod)
    path = folder / photo.file_name
    try:
        if path.stat().st_size > MAX_MEDIA_BYTES:
            path = folder / f"scaled_full_{photo.file_name}"
        data = path.read_bytes()
    except OSError as exc:
        log.warning("photo %s is not crossposted: %s", photo.guid, exc)
        return None
    extension = photo.file_name.rsplit(".", 1)[-1]
    return data, photo.file_name, CONTENT_TYPES.get(extension, "application/octet-stream")


def _failed(pod, claimed: Claim, account_id: int, exc: oauth.XError, now: dt.datetime) -> str:
    log.info("crossposting to X failed (row %s, attempt %s): %s", claimed.tweet_id, claimed.attempts, exc)
    if exc.unauthorized:
        # The user revoked the app, or X changed the tokens: wait for them to connect again.
        mark_needs_reconnect(pod, account_id)
        _record(pod, claimed, state=PENDING, attempts=claimed.attempts - 1, next_attempt_at=now, last_error=str(exc))
        return PENDING
    if exc.status == 429:
        due = min(max(exc.retry_at or now + backoff(1), now), now + MAX_RATE_LIMIT_WAIT) + dt.timedelta(seconds=1)
        _record(pod, claimed, state=PENDING, attempts=claimed.attempts - 1, next_attempt_at=due, last_error=str(exc))
        return PENDING
    if exc.temporary and claimed.attempts < MAX_ATTEMPTS:
        _record(pod, claimed, state=PENDING, next_attempt_at=now + backoff(claimed.attempts), last_error=str(exc))
        return PENDING
    if exc.temporary:
        _record(pod, claimed, state=FAILED, last_error=f"Gave up after {claimed.attempts} attempts: {exc}")
        return FAILED
    _record(pod, claimed, state=FAILED, last_error=str(exc))
    return FAILED


def mark_needs_reconnect(pod, account_id: int) -> None:
    with pod.session_factory() as session, session.begin():
        session.execute(sa.update(Account).where(Account.id == account_id).values(needs_reconnect=True))


# --- deleting ------------------------------------------------------------------------------------

def delete(pod, guid: str, now: dt.datetime | None = None) -> str | None:
    """Delete the tweet of a deleted post when it is due; returns the new state."""
    now = now or utcnow()
    with pod.session_factory() as session:
        row = session.scalar(sa.select(Tweet).where(Tweet.post_guid == guid))
        if row is None or row.state != DELETING or row.next_attempt_at > now:
            return None
        account = account_of(session, row.user_id)
        if account is None or account.needs_reconnect:
            return None  # waits for the user to connect again
        row_id, tweet_id, attempts = row.id, row.tweet_id, row.attempts
        account_id, token, token_secret = account.id, account.access_token, account.access_token_secret
    try:
        oauth.delete_tweet(pod, oauth.signer(pod, token, token_secret), tweet_id)
    except oauth.XError as exc:
        values = {"last_error": str(exc)[:ERROR_MAX]}
        if exc.unauthorized:
            mark_needs_reconnect(pod, account_id)
        elif exc.status == 429:
            values["next_attempt_at"] = min(max(exc.retry_at or now, now), now + MAX_RATE_LIMIT_WAIT) \
                + dt.timedelta(seconds=1)
        elif exc.temporary:
            values.update(attempts=attempts + 1, next_attempt_at=now + backoff(attempts + 1))
        else:
            values.update(state=FAILED, last_error=f"Deleting the tweet failed: {exc}"[:ERROR_MAX])
        _update(pod, row_id, DELETING, values)
        return values.get("state", DELETING)
    _update(pod, row_id, DELETING, {"state": DELETED, "last_error": None})
    return DELETED


def _update(pod, row_id: int, state: str, values: dict) -> None:
    with pod.session_factory() as session, session.begin():
        session.execute(sa.update(Tweet).where(Tweet.id == row_id, Tweet.state == state)
                        .values(updated_at=utcnow(), **values))


# --- the sweep ----------------------------------------------------------------------------------

def sweep(pod, now: dt.datetime | None = None, limit: int = 100) -> tuple[list[int], list[str]]:
    """Give up on rows left ``sending`` by a crash, and find what is due: (post ids to send,
    post guids whose tweet to delete)."""
    now = now or utcnow()
    with pod.session_factory() as session, session.begin():
        session.execute(sa.update(Tweet).where(Tweet.state == SENDING, Tweet.updated_at < now - LEASE).values(
            state=FAILED, updated_at=now,
            last_error="Sending was interrupted and X may or may not have the post: not sent again, "
                       "to never post it twice."))
        due = session.execute(sa.select(Tweet.state, Tweet.post_id, Tweet.post_guid).where(
            Tweet.state.in_((PENDING, DELETING)), Tweet.next_attempt_at <= now, _working_account(Tweet.user_id),
        ).order_by(Tweet.next_attempt_at).limit(limit)).all()
    return [r.post_id for r in due if r.state == PENDING], [r.post_guid for r in due if r.state == DELETING]
