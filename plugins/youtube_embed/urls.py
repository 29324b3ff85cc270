"""Reading YouTube links: which video, from which second, in which playlist.

:func:`parse` never raises: anything that is not a YouTube link to a well-formed video id
gives None, and the link then stays a plain link.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
PLAYLIST_ID = re.compile(r"[A-Za-z0-9_-]{2,64}")
# "90", "90s", "2m", "1h2m3s", "1m30": hours, minutes and seconds, each optional.
OFFSET = re.compile(r"(?:([0-9]{1,3})h)?(?:([0-9]{1,5})m)?(?:([0-9]{1,7})s?)?")
MAX_START = 7 * 24 * 3600  # beyond a week it is not a real position in a video

WATCH_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
NOCOOKIE_HOSTS = frozenset({"youtube-nocookie.com", "www.youtube-nocookie.com"})
# /shorts/ID, /embed/ID, /live/ID, /v/ID, with an optional trailing slash.
PATH_ID = re.compile(r"/(?:shorts|embed|live|v)/([^/]+)/?")
NOCOOKIE_PATH_ID = re.compile(r"/embed/([^/]+)/?")


@dataclass(frozen=True)
class Video:
    id: str
    start: int = 0  # seconds; 0 plays from the beginning
    playlist: str | None = None


def parse(url: str) -> Video | None:
    """The video a link points at, or None when it is not a YouTube video link."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
        host = (parts.hostname or "").lower()
    except ValueError:  # a malformed port or IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https") or port is not None or parts.username or parts.password:
        return None
    query = first_values(parts.query)
    candidate = None
    if host in SHORT_HOSTS:
        match = re.fullmatch(r"/([^/]+)/?", parts.path)
        candidate = match.group(1) if match else None
    elif host in WATCH_HOSTS:
        if parts.path in ("/watch", "/watch/"):
            candidate = query.get("v")
        else:
            match = PATH_ID.fullmatch(parts.path)
            candidate = match.group(1) if match else None
    elif host in NOCOOKIE_HOSTS:
        match = NOCOOKIE_PATH_ID.fullmatch(parts.path)
        candidate = match.group(1) if match else None
    if candidate is None or not VIDEO_ID.fullmatch(candidate):
        return None
    fragment = first_values(parts.fragment)
    start = offset(query.get("t") or query.get("start") or fragment.get("t") or "")
    playlist = query.get("list")
    return Video(candidate, start, playlist if playlist and PLAYLIST_ID.fullmatch(playlist) else None)


def first_values(query: str) -> dict[str, str]:
    """The first value of each parameter (YouTube reads the first ``v`` too)."""
    values: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=False, max_num_fields=100)
    except ValueError:  # more fields than any real link has
        return values
    for name, value in pairs:
        values.setdefault(name, value)
    return values


def offset(text: str) -> int:
    """Seconds from ``90``, ``90s`` or ``1h2m3s``; 0 for anything else."""
    match = OFFSET.fullmatch(text.strip().lower())
    if not match or not any(match.groups()):
        return 0
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    return total if total <= MAX_START else 0


def watch_url(video: Video) -> str:
    """The video's page on YouTube, where a reader without the player goes."""
    params = [("v", video.id)]
    if video.start:
        params.append(("t", f"{video.start}s"))
    if video.playlist:
        params.append(("list", video.playlist))
    return "https://www.youtube.com/watch?" + urlencode(params)


def oembed_target(video_id: str) -> str:
    """The URL we ask oEmbed about: always the plain watch page, whatever link was posted."""
    return f"https://www.youtube.com/watch?v={video_id}"


def player_src(player_url: str, video: Video, autoplay: bool) -> str:
    """``{player_url}{id}?autoplay=1&start=N&list=...``, leaving out what does not apply."""
    params = []
    if autoplay:
        params.append(("autoplay", "1"))
    if video.start:
        params.append(("start", str(video.start)))
    if video.playlist:
        params.append(("list", video.playlist))
    return player_url + video.id + ("?" + urlencode(params) if params else "")


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a Content-Security-Policy source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
