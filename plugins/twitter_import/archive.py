"""Reading an X (Twitter) data export: the .zip X gives, or the tweets.js file from it.

The tweets are in ``data/tweets.js`` (``data/tweet.js`` in exports made before 2020), split
into ``tweets-part1.js``... when there are many. Each file is a line of JavaScript assigning
a JSON array, ``window.YTD.tweets.part0 = [{"tweet": {...}}, ...]``. The photos of a tweet are
in ``data/tweets_media/`` (``tweet_media`` before) as ``<tweet id>-<file name>``, the file name
being that of the photo's ``media_url_https``.
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from core.importers import SourceError

# window.YTD.tweets.part0 = [ ... ]
ASSIGNMENT_RE = re.compile(rb"^\s*window\.YTD\.[A-Za-z_]+\.part\d+\s*=\s*")
TWEET_FILE_RE = re.compile(r"^(?:.*/)?data/(?:tweets|tweet)(?:-part\d+)?\.js$")
ACCOUNT_FILE_RE = re.compile(r"^(?:.*/)?data/account\.js$")
MEDIA_FOLDERS = ("tweets_media", "tweet_media")
# A tweets file past this size is not read (the largest real ones are tens of MB).
MAX_TWEETS_FILE_BYTES = 512 * 1024 * 1024

NOT_AN_EXPORT = ("That file is not an X (Twitter) data export: upload the .zip file X gave you, or the "
                 "tweets.js file from its data folder.")
NO_TWEETS = ("That zip file holds no data/tweets.js: is it the export of your X (Twitter) data? "
             "Upload the .zip file as X gave it to you.")


def parse_js(raw: bytes, name: str) -> list:
    """The JSON array a ``window.YTD...`` file assigns."""
    match = ASSIGNMENT_RE.match(raw)
    if match is None:
        raise SourceError(NOT_AN_EXPORT)
    try:
        value = json.loads(raw[match.end():].decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise SourceError(f"{name} is damaged: its tweets can't be read{where}.") from None
    if not isinstance(value, list):
        raise SourceError(f"{name} is damaged: it holds no list of tweets.")
    return value


def tweet_of(entry) -> dict | None:
    """The tweet of an entry: ``{"tweet": {...}}``, or the tweet itself in some older exports."""
    if not isinstance(entry, dict):
        return None
    tweet = entry.get("tweet", entry)
    return tweet if isinstance(tweet, dict) and (tweet.get("id_str") or tweet.get("id")) else None


@dataclass
class Export:
    tweets: list[dict] = field(default_factory=list)
    # The account's own id, when the export says (data/account.js).
    account_id: str | None = None
    zip: zipfile.ZipFile | None = None
    media_names: dict[str, str] = field(default_factory=dict)

    def media(self, tweet_id: str, file_name: str, max_bytes: int) -> bytes | None:
        """The photo's bytes from the export, or None when it isn't there (or is too large)."""
        name = self.media_names.get(f"{tweet_id}-{file_name}")
        if self.zip is None or name is None:
            return None
        info = self.zip.getinfo(name)
        if info.file_size > max_bytes:
            return None
        return self.zip.read(info)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_TWEETS_FILE_BYTES:
        raise SourceError(f"{info.filename} is larger than {MAX_TWEETS_FILE_BYTES // 2**20} MB; "
                          "it can't be imported.")
    return archive.read(info)


def _tweets(entries: list) -> list[dict]:
    return [tweet for tweet in map(tweet_of, entries) if tweet is not None]


def open_export(path: Path) -> Export:
    """Read the export's tweets (and know where its photos are); SourceError when it isn't one."""
    if zipfile.is_zipfile(path):
        return _open_zip(path)
    with open(path, "rb") as handle:
        head = handle.read(200)
        if ASSIGNMENT_RE.match(head) is None:
            raise SourceError(NOT_AN_EXPORT)
        if Path(path).stat().st_size > MAX_TWEETS_FILE_BYTES:
            raise SourceError(f"That file is larger than {MAX_TWEETS_FILE_BYTES // 2**20} MB; it can't be imported.")
        raw = head + handle.read()
    return Export(tweets=_tweets(parse_js(raw, "tweets.js")))


def _open_zip(path: Path) -> Export:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SourceError(NOT_AN_EXPORT) from None
    try:
        infos = archive.infolist()
        tweet_files = sorted((i for i in infos if TWEET_FILE_RE.match(i.filename)), key=lambda i: _part(i.filename))
        if not tweet_files:
            raise SourceError(NO_TWEETS)
        tweets = []
        for info in tweet_files:
            tweets += _tweets(parse_js(_read_member(archive, info), info.filename.rsplit("/", 1)[-1]))
        export = Export(tweets=tweets, zip=archive, account_id=_account_id(archive, infos))
        for info in infos:
            folder, _, name = info.filename.rpartition("/")
            if folder.rsplit("/", 1)[-1] in MEDIA_FOLDERS and name:
                export.media_names[name] = info.filename
        return export
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):  # damaged or encrypted members
        archive.close()
        raise SourceError("That zip file is damaged: it can't be read to the end. Download the export again.") \
            from None
    except SourceError:
        archive.close()
        raise


def _part(name: str) -> int:
    match = re.search(r"-part(\d+)\.js$", name)
    return int(match.group(1)) if match else 0


def _account_id(archive: zipfile.ZipFile, infos) -> str | None:
    info = next((i for i in infos if ACCOUNT_FILE_RE.match(i.filename)), None)
    if info is None or info.file_size > 1024 * 1024:
        return None
    try:
        entries = parse_js(archive.read(info), "account.js")
    except SourceError:
        return None
    account = entries[0].get("account") if entries and isinstance(entries[0], dict) else None
    return str(account.get("accountId")) if isinstance(account, dict) and account.get("accountId") else None
