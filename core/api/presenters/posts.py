"""Posts as the API shows them (``post``/``posts``), and comments (``comments``).

``present_posts`` answers a whole page in a fixed number of queries, whatever its length.
The caller's side of a post (``own_interaction_state``) is read for ``request.user``.
"""
from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa

from ...accounts.models import Person
from ...admin.models import Report
from ...posts.models import (Comment, Like, Mention, MutedPost, Participation, Photo, Poll,
                             PollParticipation, Post)
from ...posts.rendering import MENTION_RE
from ..paging import iso
from .people import display_name, short_profile
from .photos import in_post

TITLE_MAX = 70
# A heading opening the text, ATX ("# Title") or setext ("Title" underlined with = or -).
ATX_HEADING = re.compile(r"\A#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*(?:\r?\n|\Z)")
SETEXT_HEADING = re.compile(r"\A(.+)\r?\n(?:=+|-+)[ \t]*(?:\r?\n|\Z)")
# Emphasis, code, quote and heading marks, and a link's opening bracket; a #tag keeps its
# '#' and snake_case words their '_'. A link then reads "text (url)".
MARKUP = re.compile(r"[*`~]|(?<!\w)_+|_+(?!\w)|^\s*>|^\s*#{1,6}\s|!?\[", re.MULTILINE)
LINK_MIDDLE = re.compile(r"\]\(")


def title_of(text: str, names: dict[str, str] | None = None) -> str:
    """The Markdown heading opening the text, else the plain text; squashed and cut to 70
    characters. Mentions read as the person's name (``names``: diaspora ID -> name)."""
    names = names or {}
    text = MENTION_RE.sub(lambda m: names.get(m.group(2).lower()) or (m.group(1) or m.group(2)).strip(),
                          (text or "").lstrip())
    heading = ATX_HEADING.match(text) or SETEXT_HEADING.match(text)
    plain = MARKUP.sub("", LINK_MIDDLE.sub(" (", heading.group(1) if heading else text))
    plain = " ".join(plain.split())
    return plain if len(plain) <= TITLE_MAX else plain[:TITLE_MAX - 3] + "..."


def location_of(post: Post) -> dict | None:
    if not post.location_address:
        return None
    try:
        lat = float(post.location_lat) if post.location_lat else 0.0
        lng = float(post.location_lng) if post.location_lng else 0.0
    except ValueError:
        lat = lng = 0.0
    return {"address": post.location_address, "lat": lat, "lng": lng}


def is_subscribed(participating: bool, muted: bool) -> bool:
    """Subscribed: taking part (wrote, commented, liked, voted or subscribed) and not muted."""
    return participating and not muted


class PostPage:
    """What a page of posts needs beyond the rows, loaded once for all of them."""

    def __init__(self, request, posts: list[Post]):
        self.request = request
        db = request.dbsession
        user = request.user
        originals = [p.root for p in posts if p.is_reshare and p.root is not None]
        every = {p.id: p for p in [*posts, *originals]}
        ids = list(every)
        self.photos = defaultdict(list)
        self.polls = {}
        self.mentions = defaultdict(list)
        if ids:
            for photo in db.scalars(sa.select(Photo).where(Photo.post_id.in_(ids)).order_by(Photo.id)):
                self.photos[photo.post_id].append(photo)
            self.polls = {poll.post_id: poll for poll in db.scalars(sa.select(Poll).where(Poll.post_id.in_(ids)))}
            for post_id, person in db.execute(sa.select(Mention.post_id, Person).join(Person, Person.id == Mention.person_id)
                                              .where(Mention.post_id.in_(ids)).order_by(Mention.id)):
                self.mentions[post_id].append(person)
        self.liked = self.reshared = self.participating = self.muted = self.reported = set()
        self.votes = {}
        if user is not None and ids:
            me = user.person.id
            self.liked = set(db.scalars(sa.select(Like.post_id).where(Like.post_id.in_(ids), Like.author_id == me)))
            self.reshared = set(db.scalars(sa.select(Post.root_id).where(Post.root_id.in_(ids), Post.author_id == me)))
            self.participating = set(db.scalars(sa.select(Participation.post_id).where(
                Participation.post_id.in_(ids), Participation.person_id == me)))
            self.muted = set(db.scalars(sa.select(MutedPost.post_id).where(
                MutedPost.post_id.in_(ids), MutedPost.user_id == user.id)))
            self.reported = set(db.scalars(sa.select(Report.item_id).where(
                Report.item_type == "Post", Report.item_id.in_(ids), Report.user_id == user.id)))
            poll_ids = [poll.id for poll in self.polls.values()]
            if poll_ids:
                self.votes = dict(db.execute(sa.select(PollParticipation.poll_id, PollParticipation.answer_id)
                                             .where(PollParticipation.poll_id.in_(poll_ids),
                                                    PollParticipation.author_id == me)).all())

    def poll(self, post: Post) -> dict | None:
        poll = self.polls.get(post.id)
        if poll is None:
            return None
        voted = self.votes.get(poll.id)
        return {"guid": poll.guid, "participation_count": sum(a.vote_count for a in poll.answers),
                "already_participated": voted is not None, "question": poll.question,
                "poll_answers": [{"id": a.id, "answer": a.answer, "vote_count": a.vote_count,
                                  "own_answer": a.id == voted} for a in poll.answers]}

    def content(self, post: Post) -> dict:
        """What a post says: its own for a status message, the original's for a reshare."""
        source = post.root if post.is_reshare and post.root is not None else post
        request = self.request
        names = {person.diaspora_id.lower(): display_name(person) for person in self.mentions[source.id]}
        title = title_of(source.text, names) or f"A post from {display_name(source.author)}"
        shown = {"title": title, "body": source.text,
                 "nsfw": bool(source.nsfw or (source.author.profile is not None and source.author.profile.nsfw)),
                 "mentioned_people": [short_profile(request, person) for person in self.mentions[source.id]],
                 "photos": [in_post(request, photo) for photo in self.photos[source.id]]}
        poll = self.poll(source)
        if poll is not None:
            shown["poll"] = poll
        location = location_of(source)
        if location is not None:
            shown["location"] = location
        return shown

    def present(self, post: Post, with_root: bool = True) -> dict:
        shown = {"guid": post.guid, "created_at": iso(post.created_at), "post_type": post.type,
                 "public": post.public, "author": short_profile(self.request, post.author),
                 **self.content(post),
                 "interaction_counters": {"comments": post.comments_count, "likes": post.likes_count,
                                          "reshares": post.reshares_count},
                 "own_interaction_state": {
                     "liked": post.id in self.liked, "reshared": post.id in self.reshared,
                     "subscribed": is_subscribed(post.id in self.participating, post.id in self.muted),
                     "reported": post.id in self.reported}}
        if post.provider_display_name:
            shown["provider_display_name"] = post.provider_display_name
        if with_root and post.is_reshare and post.root is not None:
            shown["root"] = self.present(post.root, with_root=False)
        return shown


def present_posts(request, posts) -> list[dict]:
    posts = list(posts)
    page = PostPage(request, posts)
    return [page.present(post) for post in posts]


def present_post(request, post: Post) -> dict:
    return present_posts(request, [post])[0]


def present_comments(request, comments) -> list[dict]:
    """``comments`` items; ``reported`` and ``interactions.liked`` are the caller's."""
    comments = list(comments)
    db = request.dbsession
    ids = [c.id for c in comments]
    mentions = defaultdict(list)
    liked = reported = set()
    if ids:
        for comment_id, person in db.execute(sa.select(Mention.comment_id, Person).join(Person, Person.id == Mention.person_id)
                                             .where(Mention.comment_id.in_(ids)).order_by(Mention.id)):
            mentions[comment_id].append(person)
        user = request.user
        if user is not None:
            liked = set(db.scalars(sa.select(Like.comment_id).where(Like.comment_id.in_(ids),
                                                                    Like.author_id == user.person.id)))
            reported = set(db.scalars(sa.select(Report.item_id).where(
                Report.item_type == "Comment", Report.item_id.in_(ids), Report.user_id == user.id)))
    return [{"guid": c.guid, "created_at": iso(c.created_at), "author": short_profile(request, c.author),
             "body": c.text, "mentioned_people": [short_profile(request, p) for p in mentions[c.id]],
             "reported": c.id in reported,
             "interactions": {"liked": c.id in liked, "likes_count": c.likes_count}} for c in comments]


def present_comment(request, comment: Comment) -> dict:
    return present_comments(request, [comment])[0]
