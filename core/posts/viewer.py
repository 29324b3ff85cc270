"""What the post card needs to know about its viewer: did they like it, mute it, may they
reshare or delete it. Templates call ``post_viewer(request, post)``; answers are kept per
request so a post shown twice costs its queries once."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from .models import Like, MutedPost, Post


@dataclass
class PostViewer:
    signed_in: bool = False
    own: bool = False
    liked: bool = False
    muted: bool = False
    can_reshare: bool = False
    nsfw: bool = False
    # (photo, thumbnail URL, full-size URL) of each photo.
    photos: list = field(default_factory=list)


def is_nsfw(post: Post) -> bool:
    profile = post.author.profile
    return bool(post.nsfw or (profile is not None and profile.nsfw))


def post_viewer(request, post: Post) -> PostViewer:
    cache = request.__dict__.setdefault("_post_viewers", {})
    if post.id in cache:
        return cache[post.id]
    from .photos import photo_url

    state = PostViewer(nsfw=is_nsfw(post), photos=[
        (photo, photo_url(request, photo, "thumb_large"), photo_url(request, photo, "scaled_full"))
        for photo in post.photos])
    user = request.user
    if user is not None:
        db = request.dbsession
        me = user.person.id
        state.signed_in = True
        state.own = post.author_id == me
        state.liked = db.scalar(sa.select(Like.id).where(Like.post_id == post.id, Like.author_id == me)) is not None
        state.muted = db.get(MutedPost, (user.id, post.id)) is not None
        target = post.root if post.is_reshare else post
        state.can_reshare = target is not None and target.public and target.author_id != me
    cache[post.id] = state
    return state
