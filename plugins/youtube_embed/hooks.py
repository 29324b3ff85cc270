"""youtube_embed: every hookimpl of the plugin."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from core.events import dispatch_context
from core.hookspecs import hookimpl
from core.jobs import Periodic
from core.pod import StartupError
from core.posts.models import Comment, Post
from core.posts.page_html import links_in_text
from core.settings import Setting, as_bool, as_int
from core.theming import Asset

from . import services
from .cards import card
from .jobs import fetch_video, retry_overdue
from .urls import origin, parse

NAME = "youtube_embed"
MAX_EMBEDS_LIMIT = 20
SWEEP_EVERY = 300  # seconds
# Keys of the plugin's state in a request's WSGI environ.
PLAYER_KEY = f"{NAME}.player"   # this page shows a video: its policy lets the player in
SHOWN_KEY = f"{NAME}.shown"     # per item: the links embedded, and the videos they show
CACHE_KEY = f"{NAME}.cached"    # the cache rows already read for this page


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.privacy_mode", True, "Show a thumbnail card that loads YouTube's player only when the "
                                              "reader clicks it; off shows the player at once.", as_bool),
        Setting(f"{NAME}.max_embeds_per_post", 3, "Videos shown under one post or comment; the links after "
                                                  "them stay plain links. 0 shows none.", as_int),
        Setting(f"{NAME}.oembed_url", "https://www.youtube.com/oembed",
                "YouTube's oEmbed endpoint, asked for each video's title and thumbnail."),
        Setting(f"{NAME}.player_url", "https://www.youtube-nocookie.com/embed/",
                "Where the player is loaded from; the video id is added at its end."),
    ]


@hookimpl
def on_startup(pod):
    settings = pod.settings
    limit = settings[f"{NAME}.max_embeds_per_post"]
    if not 0 <= limit <= MAX_EMBEDS_LIMIT:
        raise StartupError(f"setting {NAME}.max_embeds_per_post is {limit}: use 0 to {MAX_EMBEDS_LIMIT}")
    check_url(f"{NAME}.oembed_url", settings[f"{NAME}.oembed_url"], allow_http=settings["federation.allow_http"])
    player = settings[f"{NAME}.player_url"]
    check_url(f"{NAME}.player_url", player, allow_http=False)
    if not player.endswith("/"):
        raise StartupError(f"setting {NAME}.player_url is {player!r}: end it with '/' (the video id follows)")


def check_url(name: str, url: str, allow_http: bool) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        parts = None
    schemes = ("https", "http") if allow_http else ("https",)
    if (parts is None or parts.scheme not in schemes or not parts.hostname or parts.username or parts.password
            or parts.query or parts.fragment or any(c in url for c in " \t\r\n;,'\"")):
        needs = "an https URL" + (" (or http)" if allow_http else "")
        raise StartupError(f"setting {name} is {url!r}: it must be {needs} with a host and a path, "
                           f"without credentials, query or fragment")


@hookimpl
def register_routes(config, pod):
    config.add_route(f"{NAME}.thumbnail", "/thumbnails/{video_id}/{token}.jpg")
    config.add_view("plugins.youtube_embed.views.thumbnail", route_name=f"{NAME}.thumbnail",
                    request_method="GET")
    config.add_static_view("static", "plugins.youtube_embed:static/", cache_max_age=3600)


@hookimpl
def register_migrations(pod):
    return Path(__file__).resolve().parent / "migrations"


@hookimpl
def register_jobs(pod):
    return [fetch_video, retry_overdue]


@hookimpl
def register_periodic_jobs(pod):
    return [Periodic(retry_overdue, every=SWEEP_EVERY)]


# --- pages ------------------------------------------------------------------------------

@hookimpl
def extra_assets(request, template_name):
    return [Asset(request.static_url("plugins.youtube_embed:static/youtube_embed.css"), "css"),
            Asset(request.static_url("plugins.youtube_embed:static/youtube_embed.js"), "js")]


@hookimpl
def extra_csp_sources(request):
    # Only a page that shows a video lets the player in; every other answer keeps core's policy.
    if not request.environ.get(PLAYER_KEY):
        return None
    return {"frame-src": [origin(request.registry.pod.settings[f"{NAME}.player_url"])]}


@hookimpl
def embed_for_url(url, request, item):
    video = parse(url)
    if video is None:
        return None
    limit = request.registry.pod.settings[f"{NAME}.max_embeds_per_post"]
    # Per item, the links already embedded on this page and the videos they show: the same
    # item shown twice (a post and its reshare) gets the same embeds, a second link to the
    # same video none, and the links beyond the limit stay plain links.
    shown = request.environ.setdefault(SHOWN_KEY, {}).setdefault((type(item).__name__, item.id), {})
    if url not in shown:
        if len(shown) >= limit or video.id in shown.values():
            return None
        shown[url] = video.id
    request.environ[PLAYER_KEY] = True
    return card(request, video, cached_video(request, video.id))


def cached_video(request, video_id: str):
    """The cache row of a video; one never met before is recorded and its fetch sent after
    the page's transaction commits. Never any network here."""
    page_cache = request.environ.setdefault(CACHE_KEY, {})
    if video_id not in page_cache:
        found = services.cached(request.dbsession, [video_id]).get(video_id)
        if found is None and services.remember(request.dbsession, video_id):
            request.enqueue(fetch_video, video_id)
        page_cache[video_id] = found
    return page_cache[video_id]


# --- events: fetch as soon as a local post or comment is written --------------------------

@hookimpl
def on_post_published(event, pod):
    prefetch(pod, Post, event.payload["post_id"])


@hookimpl
def on_comment_created(event, pod):
    prefetch(pod, Comment, event.payload["comment_id"])


def prefetch(pod, model, item_id: int) -> None:
    ctx = dispatch_context()
    if ctx is None:  # the hook called outside a dispatch: nothing to write into
        return
    item = ctx.dbsession.get(model, item_id)
    if item is None or not item.text:
        return
    limit = pod.settings[f"{NAME}.max_embeds_per_post"]
    video_ids: list[str] = []
    for link in links_in_text(item.text):
        video = parse(link)
        if video is not None and video.id not in video_ids and len(video_ids) < limit:
            video_ids.append(video.id)
    for video_id in video_ids:
        if services.remember(ctx.dbsession, video_id):
            ctx.enqueue(fetch_video, video_id)
