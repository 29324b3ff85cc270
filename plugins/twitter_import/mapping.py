"""One tweet of an export as what core imports: an ImportedPost, or a SkippedItem saying why."""
from __future__ import annotations

import datetime as dt
import html
import re

from core.importers import ImportedPost, SkippedItem

CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"
LEADING_MENTIONS_RE = re.compile(r"^(?:@\w+\s+)+")


def created_at(tweet: dict) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(tweet.get("created_at", "")), CREATED_AT_FORMAT).astimezone(dt.timezone.utc)
    except ValueError:
        return None


def _entities(tweet: dict, kind: str) -> list[dict]:
    found = (tweet.get("entities") or {}).get(kind) or []
    return [entity for entity in found if isinstance(entity, dict)]


def media_of(tweet: dict) -> list[dict]:
    """Every media item once: extended_entities has them all, entities only the first."""
    extended = (tweet.get("extended_entities") or {}).get("media") or []
    seen, found = set(), []
    for media in [*extended, *_entities(tweet, "media")]:
        key = isinstance(media, dict) and (media.get("id_str") or media.get("media_url_https"))
        if key and key not in seen:
            seen.add(key)
            found.append(media)
    return found


def is_retweet(tweet: dict) -> bool:
    return bool(tweet.get("retweeted")) or str(tweet.get("full_text") or tweet.get("text") or "").startswith("RT @")


def replies_to_someone_else(tweet: dict, own_ids: set[str], account_id: str | None) -> bool:
    """A reply, unless it continues one's own thread (a tweet in the export, or one's own account)."""
    parent = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    if not parent:
        return False
    if str(parent) in own_ids:
        return False
    return not (account_id and str(tweet.get("in_reply_to_user_id_str") or "") == account_id)


def map_tweet(tweet: dict, export, own_ids: set[str], max_photo_bytes: int):
    tweet_id = str(tweet.get("id_str") or tweet.get("id"))
    if is_retweet(tweet):
        return SkippedItem(tweet_id, "a retweet of someone else's post")
    if replies_to_someone_else(tweet, own_ids, export.account_id):
        return SkippedItem(tweet_id, "a reply to someone else's post")
    when = created_at(tweet)
    if when is None:
        return SkippedItem(tweet_id, f"its date can't be read ({str(tweet.get('created_at'))[:40]!r})")
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    for entity in _entities(tweet, "urls"):
        if entity.get("url"):
            text = text.replace(entity["url"], entity.get("expanded_url") or entity["url"])
    photos = []
    for media in media_of(tweet):
        short = media.get("url") or ""
        data = None
        if media.get("type", "photo") == "photo" and media.get("media_url_https"):
            file_name = str(media["media_url_https"]).rsplit("/", 1)[-1]
            data = export.media(tweet_id, file_name, max_photo_bytes)
        if data is not None:
            photos.append((data, str(media.get("ext_alt_text") or "")))
            replacement = ""
        else:
            # Not in the export (a video, or only tweets.js uploaded): a link to it on X instead.
            replacement = media.get("expanded_url") or ""
        if short:
            text = text.replace(short, replacement)
    text = html.unescape(text).strip()
    if tweet.get("in_reply_to_status_id_str"):
        text = LEADING_MENTIONS_RE.sub("", text)  # "@me " opening a tweet of one's own thread
    tags = [str(h.get("text")) for h in _entities(tweet, "hashtags") if h.get("text")]
    if not text and not photos:
        return SkippedItem(tweet_id, "nothing left to post: no text, and its media are not in the export")
    return ImportedPost(external_id=tweet_id, text=text, created_at=when, tags=tags, photos=photos[:4])
