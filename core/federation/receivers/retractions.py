"""Retractions (PROTOCOL.md §9.18, §10.4, §11): delete what another pod's user took back.

The envelope sender must be the target's author, or for a comment, like or vote the author of
its root post. A retraction of an interaction on one of our posts is relayed on, like the
interaction was.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...notifications.models import Notification
from ...posts.models import Comment, Like, Participation, Photo, Poll, PollAnswer, PollParticipation, Post
from ..errors import AuthorizationError, EntityError, NotFound
from ..models import RelayableXml
from .common import relay

TARGETS = {"Post": Post, "Comment": Comment, "Like": Like, "PollParticipation": PollParticipation,
           "Participation": Participation, "Photo": Photo, "Poll": Poll}
# Interactions whose root author may retract them too, with the entity type their XML is kept under.
RELAYABLE_TYPES = {"Comment": "comment", "Like": "like", "PollParticipation": "poll_participation"}


def _author_id(target_type: str, target) -> int:
    if target_type == "Participation":
        return target.person_id
    if target_type == "Poll":
        return target.post.author_id
    return target.author_id


def _root(dbsession, target_type: str, target) -> Post | None:
    if target_type == "Comment":
        return target.post
    if target_type == "Like":
        if target.post_id is not None:
            return dbsession.get(Post, target.post_id)
        comment = dbsession.get(Comment, target.comment_id)
        return comment.post if comment is not None else None
    if target_type == "PollParticipation":
        poll = dbsession.get(Poll, target.poll_id)
        return poll.post if poll is not None else None
    return None


def retraction(receipt, entity):
    dbsession = receipt.dbsession
    target_type = entity.get("target_type")
    model = TARGETS.get(target_type)
    if model is None:
        raise EntityError(f"retraction of a {target_type} is not supported")
    target = dbsession.scalar(sa.select(model).where(model.guid == entity.get("target_guid")))
    if target is None:
        raise NotFound("target not found")
    sender_id = receipt.sender_person.id
    root = _root(dbsession, target_type, target)
    if sender_id != _author_id(target_type, target) and not (root is not None and sender_id == root.author_id):
        raise AuthorizationError(f"{receipt.sender} may not retract {target_type} {target.guid}")
    if root is not None:
        relay(receipt, root, entity)
    DELETERS[target_type](dbsession, target)
    if target_type in RELAYABLE_TYPES:
        dbsession.execute(sa.delete(RelayableXml).where(
            RelayableXml.entity_type == RELAYABLE_TYPES[target_type], RelayableXml.guid == target.guid))
    dbsession.flush()
    return None


def _drop_notifications(dbsession, target_type: str, ids) -> None:
    ids = list(ids)
    if ids:
        dbsession.execute(sa.delete(Notification).where(
            Notification.target_type == target_type, Notification.target_id.in_(ids)))


def delete_post(dbsession, post: Post) -> None:
    """A post and everything on it; its photos are remote, so no files go."""
    if post.is_reshare and post.root is not None:
        post.root.reshares_count = max((post.root.reshares_count or 0) - 1, 0)
    for photo in list(post.photos):
        dbsession.delete(photo)
    dbsession.flush()
    dbsession.expire(post, ["photos"])
    _drop_notifications(dbsession, "Comment", dbsession.scalars(sa.select(Comment.id).where(Comment.post_id == post.id)))
    _drop_notifications(dbsession, "Post", [post.id])
    dbsession.delete(post)


def _delete_comment(dbsession, comment: Comment) -> None:
    post = comment.post
    _drop_notifications(dbsession, "Comment", [comment.id])
    dbsession.delete(comment)
    post.comments_count = max((post.comments_count or 0) - 1, 0)


def _delete_like(dbsession, like: Like) -> None:
    liked = dbsession.get(Post, like.post_id) if like.post_id is not None else dbsession.get(Comment, like.comment_id)
    if liked is not None and like.positive:
        liked.likes_count = max((liked.likes_count or 0) - 1, 0)
    dbsession.delete(like)


def _delete_vote(dbsession, vote: PollParticipation) -> None:
    answer = dbsession.get(PollAnswer, vote.answer_id)
    if answer is not None:
        answer.vote_count = max((answer.vote_count or 0) - 1, 0)
    dbsession.delete(vote)


def _delete_photo(dbsession, photo: Photo) -> None:
    if photo.remote_photo_path is None:
        # Only a local author can retract a local photo, and their pod doesn't send itself retractions.
        raise AuthorizationError(f"photo {photo.guid} is local")
    dbsession.delete(photo)


DELETERS = {
    "Post": delete_post,
    "Comment": _delete_comment,
    "Like": _delete_like,
    "PollParticipation": _delete_vote,
    "Participation": lambda dbsession, row: dbsession.delete(row),
    "Photo": _delete_photo,
    "Poll": lambda dbsession, poll: dbsession.delete(poll),
}
