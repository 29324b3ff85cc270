"""X data exports made for the tests, shaped like real ones (a few tweets, photos by Pillow)."""
from __future__ import annotations

import io
import json
import zipfile

from PIL import Image

ACCOUNT_ID = "1001"
USERNAME = "gardener"


def jpeg(colour=(30, 120, 60), size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def tweet(id_str: str, full_text: str, created_at: str = "Wed Oct 10 20:19:24 +0000 2018", **extra) -> dict:
    entities = {"hashtags": extra.pop("hashtags", []), "symbols": [], "user_mentions": extra.pop("mentions", []),
                "urls": extra.pop("urls", [])}
    media = extra.pop("media", None)
    value = {"retweeted": False, "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
             "entities": entities, "display_text_range": ["0", str(len(full_text))], "favorite_count": "3",
             "id_str": id_str, "truncated": False, "retweet_count": "0", "id": id_str, "created_at": created_at,
             "favorited": False, "full_text": full_text, "lang": "en"}
    if media:
        entities["media"] = media[:1]
        value["extended_entities"] = {"media": media}
    value.update(extra)
    return value


def hashtag(text: str, start: int) -> dict:
    return {"text": text, "indices": [str(start), str(start + len(text) + 1)]}


def link(short: str, expanded: str) -> dict:
    return {"url": short, "expanded_url": expanded, "display_url": expanded.split("//", 1)[-1][:26],
            "indices": ["0", "23"]}


def photo(tweet_id: str, media_id: str, short: str, name: str, kind: str = "photo") -> dict:
    return {"expanded_url": f"https://twitter.com/{USERNAME}/status/{tweet_id}/photo/1", "indices": ["10", "33"],
            "url": short, "media_url": f"http://pbs.twimg.com/media/{name}",
            "media_url_https": f"https://pbs.twimg.com/media/{name}", "id_str": media_id, "id": media_id,
            "type": kind, "display_url": "pic.twitter.com/" + short[-10:],
            "sizes": {"large": {"w": "40", "h": "30", "resize": "fit"}}}


def js(tweets: list[dict], variable: str = "tweets", part: int = 0, wrap: bool = True) -> bytes:
    entries = [{"tweet": t} for t in tweets] if wrap else tweets
    return f"window.YTD.{variable}.part{part} = ".encode() + json.dumps(entries, indent=2).encode()


def account_js() -> bytes:
    return js([{"account": {"email": "g@example.org", "createdVia": "web", "username": USERNAME,
                            "accountId": ACCOUNT_ID, "createdAt": "2011-03-01T10:00:00.000Z",
                            "accountDisplayName": "Gardener"}}], "account", wrap=False)


def export_zip(files: dict[str, bytes], top: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(top + name, data)
    return out.getvalue()


def sample_tweets() -> list[dict]:
    """A thread with a photo, a link, an escaped ampersand, a retweet, a reply and a video."""
    return [
        tweet("500", "Tomatoes &amp; basil, planted today #garden https://t.co/pic1", "Sat May 04 09:15:00 +0000 2019",
              hashtags=[hashtag("garden", 32)],
              media=[photo("500", "9001", "https://t.co/pic1", "Tomato01.jpg"),
                     photo("500", "9002", "https://t.co/pic1", "Tomato02.jpg")]),
        tweet("501", "@gardener And the seeds came from https://t.co/link1", "Sat May 04 09:20:00 +0000 2019",
              in_reply_to_status_id_str="500", in_reply_to_status_id="500", in_reply_to_user_id_str=ACCOUNT_ID,
              in_reply_to_screen_name=USERNAME, urls=[link("https://t.co/link1", "https://seeds.example/heirloom")]),
        tweet("502", "RT @someone: Compost is life", "Sun May 05 10:00:00 +0000 2019", retweeted=False),
        tweet("503", "@someone I disagree", "Sun May 05 11:00:00 +0000 2019", in_reply_to_status_id_str="777",
              in_reply_to_user_id_str="2002", in_reply_to_screen_name="someone"),
        tweet("504", "Watch them grow https://t.co/vid1", "Mon May 06 08:00:00 +0000 2019",
              media=[photo("504", "9003", "https://t.co/vid1", "VidThumb.jpg", kind="video")]),
    ]


def sample_export(tweets: list[dict] | None = None, variable="tweets", media_folder="tweets_media",
                  account=True) -> bytes:
    files = {f"data/{variable}.js": js(tweets if tweets is not None else sample_tweets(), variable)}
    if account:
        files["data/account.js"] = account_js()
    files[f"data/{media_folder}/500-Tomato01.jpg"] = jpeg()
    files[f"data/{media_folder}/500-Tomato02.jpg"] = jpeg((200, 30, 30))
    files["data/manifest.js"] = b"window.__THAR_CONFIG = {}"
    return export_zip(files)
