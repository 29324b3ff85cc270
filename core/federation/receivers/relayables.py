"""Interactions from other pods: comments, likes, poll votes (relayables, PROTOCOL.md §10) and
participations (§9.12, §13).

A relayable is accepted from the root author (a relay), or from its own author when the root
post is ours; then we store its exact XML and relay it to everyone who got the root.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...accounts.models import Person
from ...aspects.services import is_blocked
from ...db import utcnow
from ...posts.models import Comment, Like, Mention, Participation, Poll, PollAnswer, PollParticipation, Post
from ...posts.services import mentionable_people, notify_about, participate
from ..entities import verify_relayable
from ..errors import AuthorizationError, EntityError, NotFound
from ..models import RelayableXml
from .common import by_guid, fetched, known, may_see, person, relay


def _authorize(receipt, entity, root: Post, what: str) -> Person:
    """§6.3 for relayables, the author's signature (§10.2), and who may interact with ``root``.
    Returns the relayable's author."""
    root_author = root.author.diaspora_id
    local_root = root.author.user_id is not None
    if receipt.sender != root_author and not (receipt.sender == entity.author and local_root):
        raise AuthorizationError(f"{receipt.sender} may not send a {what} by {entity.author} "
                                 f"on a post by {root_author}")
    author = person(receipt, entity.author)
    if entity.author != root_author:
        verify_relayable(entity, author.public_key_pem)
    if local_root:
        if is_blocked(receipt.dbsession, root.author.user_id, author.id):
            raise AuthorizationError(f"{root_author} ignores {entity.author}")
        if not may_see(receipt.dbsession, author, root):
            raise AuthorizationError(f"{entity.author} may not see post {root.guid}")
    return author


def _keep_xml(receipt, entity) -> None:
    """The relayable exactly as its author signed it, to relay byte for byte later."""
    exists = receipt.dbsession.scalar(sa.select(RelayableXml.id).where(
        RelayableXml.entity_type == entity.type, RelayableXml.guid == entity.guid))
    if exists is None:
        receipt.dbsession.add(RelayableXml(entity_type=entity.type, guid=entity.guid,
                                           xml=entity.to_xml().decode("utf-8")))


def _received_before(receipt, model, entity):
    """The row this relayable was stored as already (a duplicate changes nothing), after
    checking the guid is the same author's; None for a new one."""
    existing = by_guid(receipt.dbsession, model, entity.guid)
    if existing is not None:
        known(existing, person(receipt, entity.author).id)
    return existing


def _post(receipt, entity) -> Post:
    post = fetched(receipt, Post, "post", entity.get("parent_guid"), entity.author)
    if post is None:
        raise NotFound(f"parent post {entity.get('parent_guid')} not found")
    return post


# --- comments ---------------------------------------------------------------------------------

def comment(receipt, entity) -> Comment:
    dbsession = receipt.dbsession
    existing = _received_before(receipt, Comment, entity)
    if existing is not None:
        return existing
    post = _post(receipt, entity)
    author = _authorize(receipt, entity, post, "comment")
    earlier = set(dbsession.scalars(sa.select(Comment.author_id).where(Comment.post_id == post.id)))
    row = Comment(guid=entity.guid, post_id=post.id, author_id=author.id, text=entity.get("text"),
                  created_at=entity.get("created_at") or utcnow(), edited_at=entity.get("edited_at"))
    dbsession.add(row)
    post.comments_count = (post.comments_count or 0) + 1
    post.interacted_at = utcnow()
    dbsession.flush()
    participate(dbsession, author.id, post.id)
    _keep_xml(receipt, entity)
    _notify_comment(receipt, post, row, author, earlier)
    dbsession.flush()
    relay(receipt, post, entity)
    return row


def _notify_comment(receipt, post: Post, row: Comment, author: Person, earlier: set[int]) -> None:
    """The same notifications a local comment gives (core.posts.interactions)."""
    dbsession = receipt.dbsession
    told: set[int] = set()

    def tell(user_id, kind, target_type, target_id):
        if user_id is not None and user_id not in told:
            told.add(user_id)
            notify_about(dbsession, post, kind=kind, recipient_id=user_id, actor_id=author.id,
                         target_type=target_type, target_id=target_id, enqueue=receipt.enqueue)

    for mentioned in mentionable_people(dbsession, post, row.text):
        dbsession.add(Mention(person_id=mentioned.id, comment_id=row.id))
        tell(mentioned.user_id, "mentioned_in_comment", "Comment", row.id)
    tell(post.author.user_id, "comment_on_post", "Post", post.id)
    others = dbsession.scalars(sa.select(Person.user_id).where(
        Person.id.in_(earlier), Person.user_id.is_not(None)).order_by(Person.user_id))
    for other in others:
        tell(other, "also_commented", "Post", post.id)


# --- likes ------------------------------------------------------------------------------------

def like(receipt, entity) -> Like:
    dbsession = receipt.dbsession
    existing = _received_before(receipt, Like, entity)
    if existing is not None:
        return existing
    if entity.get("parent_type") == "Comment":
        liked = fetched(receipt, Comment, "comment", entity.get("parent_guid"), entity.author)
        if liked is None:
            raise NotFound(f"parent comment {entity.get('parent_guid')} not found")
        post = liked.post
    else:
        liked = post = _post(receipt, entity)
    author = _authorize(receipt, entity, post, "like")
    column = Like.comment_id if liked is not post else Like.post_id
    if dbsession.scalar(sa.select(Like.id).where(column == liked.id, Like.author_id == author.id)) is not None:
        raise EntityError(f"{entity.author} already likes {entity.get('parent_guid')}")
    positive = entity.get("positive") is not False
    row = Like(guid=entity.guid, target_type="Comment" if liked is not post else "Post", author_id=author.id,
               positive=positive, post_id=post.id if liked is post else None,
               comment_id=liked.id if liked is not post else None)
    dbsession.add(row)
    if positive:
        liked.likes_count = (liked.likes_count or 0) + 1
    dbsession.flush()
    _keep_xml(receipt, entity)
    if liked is post:
        post.interacted_at = utcnow()
        participate(dbsession, author.id, post.id)
        if positive and post.author.user_id is not None:
            notify_about(dbsession, post, kind="liked", recipient_id=post.author.user_id, actor_id=author.id,
                         target_type="Post", target_id=post.id, enqueue=receipt.enqueue)
    elif positive and liked.author.user_id is not None:
        notify_about(dbsession, post, kind="liked_comment", recipient_id=liked.author.user_id,
                     actor_id=author.id, target_type="Comment", target_id=liked.id, enqueue=receipt.enqueue)
    dbsession.flush()
    relay(receipt, post, entity)
    return row


# --- poll votes -------------------------------------------------------------------------------

def poll_participation(receipt, entity) -> PollParticipation:
    dbsession = receipt.dbsession
    existing = _received_before(receipt, PollParticipation, entity)
    if existing is not None:
        return existing
    poll = fetched(receipt, Poll, "poll", entity.get("parent_guid"), entity.author)
    if poll is None:
        raise NotFound(f"poll {entity.get('parent_guid')} not found")
    post = poll.post
    author = _authorize(receipt, entity, post, "poll vote")
    answer = dbsession.scalar(sa.select(PollAnswer).where(
        PollAnswer.poll_id == poll.id, PollAnswer.guid == entity.get("poll_answer_guid")))
    if answer is None:
        raise NotFound(f"poll answer {entity.get('poll_answer_guid')} not found in poll {poll.guid}")
    if dbsession.scalar(sa.select(PollParticipation.id).where(
            PollParticipation.poll_id == poll.id, PollParticipation.author_id == author.id)) is not None:
        raise EntityError(f"{entity.author} already voted in poll {poll.guid}")
    dbsession.add(PollParticipation(guid=entity.guid, poll_id=poll.id, answer_id=answer.id, author_id=author.id))
    answer.vote_count = (answer.vote_count or 0) + 1
    dbsession.flush()
    participate(dbsession, author.id, post.id)
    _keep_xml(receipt, entity)
    dbsession.flush()
    relay(receipt, post, entity)
    return by_guid(dbsession, PollParticipation, entity.guid)


# --- participations ---------------------------------------------------------------------------

def participation(receipt, entity) -> Participation:
    """A remote person subscribes to one of our posts: future relays reach their pod (§13)."""
    dbsession = receipt.dbsession
    author = receipt.sender_person
    if entity.get("parent_type") not in (None, "Post"):
        raise EntityError(f"participation in a {entity.get('parent_type')} is not supported")
    post = by_guid(dbsession, Post, entity.get("parent_guid"))
    if post is None:
        raise NotFound(f"parent post {entity.get('parent_guid')} not found")
    if post.author.user_id is None:
        raise AuthorizationError("parent not local")
    if not may_see(dbsession, author, post):
        raise AuthorizationError(f"{author.diaspora_id} may not see post {post.guid}")
    existing = by_guid(dbsession, Participation, entity.guid)
    if existing is not None:
        if existing.person_id != author.id:
            raise AuthorizationError("guid belongs to another author")
        return existing
    row = dbsession.scalar(sa.select(Participation).where(
        Participation.person_id == author.id, Participation.post_id == post.id))
    if row is None:
        row = Participation(guid=entity.guid, person_id=author.id, post_id=post.id)
        dbsession.add(row)
        dbsession.flush()
    return row
