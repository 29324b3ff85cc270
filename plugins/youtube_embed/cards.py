"""The HTML of an embed: a card that loads the player on click, or the player itself.

Everything shown comes from the pod: the thumbnail is served by the pod, the title and author
are plain text escaped here, and no HTML of oEmbed's is ever used.
"""
from __future__ import annotations

import hashlib
import hmac

from markupsafe import Markup

from .services import Cached
from .urls import Video, player_src, watch_url

GENERIC_TITLE = "YouTube video"
# YouTube's player refuses to play without knowing which site embeds it; the pod's own
# Referrer-Policy (same-origin) would hide that, so the iframe sends its origin.
IFRAME_ATTRIBUTES = Markup('allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen '
                           'referrerpolicy="strict-origin-when-cross-origin"')


def thumbnail_token(pod, video_id: str) -> str:
    """A key in the thumbnail's URL, so that nobody can probe which videos this pod has shown
    (some in limited posts) by asking for thumbnails of ids they guess."""
    key = hashlib.sha256(("youtube_embed.thumbnail:" + pod.settings["secret"]).encode()).digest()
    return hmac.new(key, video_id.encode(), hashlib.sha256).hexdigest()[:24]


def card(request, video: Video, cached: Cached | None) -> Markup:
    pod = request.registry.pod
    player_url = pod.settings["youtube_embed.player_url"]
    ready = cached is not None and bool(cached.title)
    title = cached.title if ready else GENERIC_TITLE
    author = cached.author_name if ready else None
    if not pod.settings["youtube_embed.privacy_mode"]:
        return Markup(
            '<figure class="youtube-embed youtube-embed-playing" data-testid="youtube-embed">'
            '<iframe class="youtube-embed-player" src="{src}" title="{title}" width="560" height="315" '
            'loading="lazy" {attributes}></iframe>'
            '<figcaption><a href="{watch}" rel="nofollow noopener noreferrer">{title}</a></figcaption></figure>'
        ).format(src=player_src(player_url, video, autoplay=False), title=title, attributes=IFRAME_ATTRIBUTES,
                 watch=watch_url(video))
    image = Markup("")
    if ready and cached.has_thumbnail:
        src = request.route_url("youtube_embed.thumbnail", video_id=video.id,
                                token=thumbnail_token(pod, video.id))
        image = Markup('<img class="youtube-embed-thumbnail" src="{}" alt="" loading="lazy">').format(src)
    byline = Markup('<span class="youtube-embed-author">{}</span>').format(author) if author else Markup("")
    return Markup(
        '<figure class="youtube-embed" data-testid="youtube-embed" data-youtube-player="{src}" '
        'data-youtube-title="{title}">'
        '<a class="youtube-embed-card" href="{watch}" rel="nofollow noopener noreferrer">{image}'
        '<span class="youtube-embed-play" aria-hidden="true"></span>'
        '<span class="youtube-embed-caption"><span class="youtube-embed-title">{title}</span>{byline}</span>'
        '</a></figure>'
    ).format(src=player_src(player_url, video, autoplay=True), title=title, watch=watch_url(video),
             image=image, byline=byline)
