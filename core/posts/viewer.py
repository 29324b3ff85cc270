"""What the post card needs to know about its viewer: did they like it, mute it, may they
reshare or delete it. Templates call ``post_viewer(request, post)``; answers are kept per
request so a post shown twice costs its queries once."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from .models import Like, MutedPost, Photo, Poll, Post
from .rendering import remember_people


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
    if post.id not in cache:
        prime_post_viewers(request, [post])
    return cache[post.id]


def prime_post_viewers(request, posts) -> None:
    """Answer ``post_viewer`` for a whole page of posts in a fixed number of queries, so a
    stream page costs the same however many posts it shows."""
    from .photos import photo_url

    cache = request.__dict__.setdefault("_post_viewers", {})
    posts = [post for post in posts if post.id not in cache]
    if not posts:
        return
    db = request.dbsession
    ids = [post.id for post in posts]
    remember_people(db, [p.text for p in posts] + [p.root.text for p in posts if p.is_reshare and p.root])
    photos = defaultdict(list)
    for photo in db.scalars(sa.select(Photo).where(Photo.post_id.in_(ids)).order_by(Photo.id)):
        photos[photo.post_id].append(photo)
    polls = {poll.post_id: poll for poll in db.scalars(sa.select(Poll).where(Poll.post_id.in_(ids)))}
    user = request.user
    liked = muted = set()
    if user is not None:
        liked = set(db.scalars(sa.select(Like.post_id).where(Like.post_id.in_(ids),
                                                             Like.author_id == user.person.id)))
        muted = set(db.scalars(sa.select(MutedPost.post_id).where(MutedPost.user_id == user.id,
                                                                  MutedPost.post_id.in_(ids))))
    for post in posts:
        set_committed_value(post, "photos", photos[post.id])
        set_committed_value(post, "poll", polls.get(post.id))
        state = PostViewer(nsfw=is_nsfw(post), photos=[
            (photo, photo_url(request, photo, "thumb_large"), photo_url(request, photo, "scaled_full"))
            for photo in photos[post.id]])
        if user is not None:
            me = user.person.id
            target = post.root if post.is_reshare else post
            state.signed_in = True
            state.own = post.author_id == me
            state.liked = post.id in liked
            state.muted = post.id in muted
            state.can_reshare = target is not None and target.public and target.author_id != me
        cache[post.id] = state
