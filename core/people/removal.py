"""Removing what a person left on this pod: their posts (with everything on them), photos,
comments, likes, poll votes (and the signed copies kept to relay them), participations, the
mentions of them and the contacts local users have with them; their profile is blanked.

Used when a remote account is closed (an ``account_deletion`` arrived, or an admin closed it
locally) and when a local user closes their own account. The person row stays, so what they
wrote in conversations others keep still has a name and a key.

Nothing here records events: whoever closes the account tells other pods once with an
``account_deletion``, which covers every post and interaction (as diaspora* does).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..aspects.models import AspectMembership, Contact
from ..db import Base, utcnow
from ..notifications.models import Notification
from ..posts.models import Comment, Like, Mention, Participation, Photo, Poll, PollAnswer, PollParticipation, Post


def remove_person_content(dbsession: Session, person: Person, pod=None) -> list[str]:
    """Remove everything ``person`` left here and blank their profile; repeats find nothing left.

    Files of local photos are removed once the transaction commits (a rollback keeps them),
    which needs ``pod``; returns their names.
    """
    files: list[str] = []
    signed = _signed_relayables(dbsession, person)
    for post in dbsession.scalars(sa.select(Post).where(Post.author_id == person.id).order_by(Post.id)).unique().all():
        files.extend(_delete_post(dbsession, post))
    dbsession.flush()
    for comment in dbsession.scalars(sa.select(Comment).where(Comment.author_id == person.id)).unique().all():
        _delete_comment(dbsession, comment)
    for like in dbsession.scalars(sa.select(Like).where(Like.author_id == person.id)).unique().all():
        _delete_like(dbsession, like)
    for vote in dbsession.scalars(sa.select(PollParticipation).where(
            PollParticipation.author_id == person.id)).unique().all():
        _delete_vote(dbsession, vote)
    dbsession.flush()
    for photo in dbsession.scalars(sa.select(Photo).where(Photo.author_id == person.id)).unique().all():
        files.extend(_photo_files(photo))
        dbsession.delete(photo)
    dbsession.flush()
    dbsession.execute(sa.delete(Participation).where(Participation.person_id == person.id))
    dbsession.execute(sa.delete(Mention).where(Mention.person_id == person.id))
    theirs = sa.select(Contact.id).where(Contact.person_id == person.id)
    dbsession.execute(sa.delete(AspectMembership).where(AspectMembership.contact_id.in_(theirs)))
    dbsession.execute(sa.delete(Contact).where(Contact.person_id == person.id))
    blank_profile(person)
    _forget_signed(dbsession, signed)
    dbsession.flush()
    if files and pod is not None:
        sa.event.listen(dbsession, "after_commit", lambda session: _remove_files(pod, files), once=True)
    return files


def blank_profile(person: Person) -> None:
    """Nothing left to show or find: no names, picture, details or tags."""
    profile = person.profile
    if profile is None:
        return
    profile.first_name = profile.last_name = ""
    profile.image_url = profile.image_url_medium = profile.image_url_small = None
    profile.bio = profile.gender = profile.location = profile.tag_string = ""
    profile.birthday = None
    profile.searchable = False
    profile.public_details = False
    profile.nsfw = False
    profile.updated_at = utcnow()


# --- the signed copies of interactions kept for relaying ---------------------------------------

# Entity type of each interaction in relayable_xml, the table federation keeps its signed XML in.
RELAYABLE_TYPES = (("comment", Comment), ("like", Like), ("poll_participation", PollParticipation))
_IN_BATCH = 500


def _signed_relayables(dbsession: Session, person: Person) -> dict[str, list[str]]:
    """The guids of the interactions that go with the person: theirs, and everyone's on their posts."""
    their_posts = sa.select(Post.id).where(Post.author_id == person.id)
    comments = sa.or_(Comment.author_id == person.id, Comment.post_id.in_(their_posts))
    on_comments = sa.select(Comment.id).where(comments)
    polls = sa.select(Poll.id).where(Poll.post_id.in_(their_posts))
    wheres = {
        "comment": comments,
        "like": sa.or_(Like.author_id == person.id, Like.post_id.in_(their_posts), Like.comment_id.in_(on_comments)),
        "poll_participation": sa.or_(PollParticipation.author_id == person.id, PollParticipation.poll_id.in_(polls)),
    }
    return {name: list(dbsession.scalars(sa.select(model.guid).where(wheres[name])))
            for name, model in RELAYABLE_TYPES}


def _forget_signed(dbsession: Session, guids: dict[str, list[str]]) -> None:
    table = Base.metadata.tables.get("relayable_xml")
    if table is None:
        return
    for entity_type, names in guids.items():
        for start in range(0, len(names), _IN_BATCH):
            dbsession.execute(table.delete().where(table.c.entity_type == entity_type,
                                                   table.c.guid.in_(names[start:start + _IN_BATCH])))


# --- one row at a time, keeping the counters of what others see right ----------------------

def _photo_files(photo: Photo) -> list[str]:
    if photo.remote_photo_path:
        return []
    from ..posts.photos import file_names

    return list(file_names(photo))


def _remove_files(pod, names) -> None:
    from ..posts.photos import remove_files

    remove_files(pod, names)


def _drop_notifications(dbsession: Session, target_type: str, ids) -> None:
    ids = list(ids)
    if ids:
        dbsession.execute(sa.delete(Notification).where(
            Notification.target_type == target_type, Notification.target_id.in_(ids)))


def _delete_post(dbsession: Session, post: Post) -> list[str]:
    """A post and everything on it; returns the file names of its local photos."""
    if post.is_reshare and post.root is not None:
        post.root.reshares_count = max((post.root.reshares_count or 0) - 1, 0)
    files: list[str] = []
    for photo in list(post.photos):
        files.extend(_photo_files(photo))
        dbsession.delete(photo)
    dbsession.flush()
    dbsession.expire(post, ["photos"])
    _drop_notifications(dbsession, "Comment", dbsession.scalars(sa.select(Comment.id).where(Comment.post_id == post.id)))
    _drop_notifications(dbsession, "Post", [post.id])
    dbsession.delete(post)
    return files


def _delete_comment(dbsession: Session, comment: Comment) -> None:
    post = comment.post
    _drop_notifications(dbsession, "Comment", [comment.id])
    dbsession.delete(comment)
    if post is not None:
        post.comments_count = max((post.comments_count or 0) - 1, 0)


def _delete_like(dbsession: Session, like: Like) -> None:
    liked = dbsession.get(Post, like.post_id) if like.post_id is not None else dbsession.get(Comment, like.comment_id)
    if liked is not None and like.positive:
        liked.likes_count = max((liked.likes_count or 0) - 1, 0)
    dbsession.delete(like)


def _delete_vote(dbsession: Session, vote: PollParticipation) -> None:
    answer = dbsession.get(PollAnswer, vote.answer_id)
    if answer is not None:
        answer.vote_count = max((answer.vote_count or 0) - 1, 0)
    dbsession.delete(vote)


__all__ = ["remove_person_content", "blank_profile"]
