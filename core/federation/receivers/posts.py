"""Posts from other pods: status messages with their photos, poll and location, standalone
photos and reshares (PROTOCOL.md §9.13, §9.14, §9.17, §9.19)."""
from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

import sqlalchemy as sa

from ...accounts.models import Person, Role, User
from ...db import utcnow
from ...posts.models import (RESHARE, STATUS_MESSAGE, Mention, Photo, Poll, PollAnswer, Post, ShareVisibility,
                             Tag, Tagging)
from ...posts.rendering import extract_tags
from ...posts.services import mentionable_people, notify_about, participate
from .. import delivery
from ..entities import make_entity
from ..errors import AuthorizationError, EntityError, NotFound
from .common import ANOTHER_AUTHOR, by_guid, fetched, fits, known

log = logging.getLogger(__name__)


def status_message(receipt, entity) -> Post:
    dbsession = receipt.dbsession
    author = receipt.sender_person
    post = by_guid(dbsession, Post, entity.guid)
    if known(post, author.id):
        if post.type != STATUS_MESSAGE:
            raise AuthorizationError(ANOTHER_AUTHOR)
        _give_to_recipient(receipt, post)
        return post
    photos = entity.get("photos") or []
    for photo in photos:
        _check_photo(dbsession, photo, author)
    poll = entity.get("poll")
    if poll is not None:
        _check_poll(dbsession, poll)
    location = entity.get("location")
    if location is not None:
        fits(location.get("address"), 255, "location: address")
        fits(location.get("lat"), 32, "location: lat")
        fits(location.get("lng"), 32, "location: lng")
    created = entity.get("created_at") or utcnow()
    post = Post(guid=entity.guid, type=STATUS_MESSAGE, author_id=author.id, public=bool(entity.get("public")),
                text=entity.get("text") or "", provider_display_name=entity.get("provider_display_name"),
                created_at=created, edited_at=entity.get("edited_at"), interacted_at=created,
                location_address=location.get("address") if location is not None else None,
                location_lat=location.get("lat") if location is not None else None,
                location_lng=location.get("lng") if location is not None else None)
    dbsession.add(post)
    dbsession.flush()
    for photo in photos:
        _store_photo(dbsession, photo, author, post)
    if poll is not None:
        dbsession.add(Poll(guid=poll.get("guid"), post_id=post.id, question=poll.get("question"), answers=[
            PollAnswer(guid=answer.get("guid"), answer=answer.get("answer"), position=position)
            for position, answer in enumerate(poll.get("poll_answers") or [])]))
    participate(dbsession, author.id, post.id)
    _give_to_recipient(receipt, post)
    tag_post(dbsession, post)
    _mention(receipt, post)
    dbsession.flush()
    if post.public:
        participate_back(receipt, post)
    return post


def _give_to_recipient(receipt, post: Post) -> None:
    """A privately delivered post is given to the local user it was sent to, each time it
    reaches another one."""
    user = receipt.recipient_user
    if user is None or receipt.dbsession.get(ShareVisibility, (post.id, user.id)) is not None:
        return
    receipt.dbsession.add(ShareVisibility(post_id=post.id, user_id=user.id))
    receipt.dbsession.flush()


def tag_post(dbsession, post: Post) -> None:
    """The post's #tags, as local posts get them (core.posts.services)."""
    tags = extract_tags(post.text)
    post.nsfw = "nsfw" in tags
    for name in sorted(tags):
        tag = dbsession.scalar(sa.select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            dbsession.add(tag)
            dbsession.flush()
        dbsession.add(Tagging(tag_id=tag.id, post_id=post.id))


def _mention(receipt, post: Post) -> None:
    """Mentions of known people who may see the post; local ones are notified."""
    for mentioned in mentionable_people(receipt.dbsession, post, post.text):
        receipt.dbsession.add(Mention(person_id=mentioned.id, post_id=post.id))
        if mentioned.user_id is not None:
            notify_about(receipt.dbsession, post, kind="mentioned", recipient_id=mentioned.user_id,
                         actor_id=post.author_id, target_type="Post", target_id=post.id, enqueue=receipt.enqueue)


# --- photos -----------------------------------------------------------------------------------

def _check_photo(dbsession, photo, author: Person) -> None:
    if photo.get("author") != author.diaspora_id:
        raise EntityError(f"photo {photo.get('guid')} is not by the post's author")
    path = photo.get("remote_photo_path") or ""
    if urlsplit(path).scheme not in ("http", "https"):
        raise EntityError(f"photo {photo.get('guid')}: remote_photo_path is not an http(s) URL")
    fits(path, 1024, f"photo {photo.get('guid')}: remote_photo_path")
    fits(photo.get("remote_photo_name"), 255, f"photo {photo.get('guid')}: remote_photo_name")
    known(by_guid(dbsession, Photo, photo.get("guid")), author.id)


def _store_photo(dbsession, photo, author: Person, post: Post | None) -> Photo:
    row = by_guid(dbsession, Photo, photo.get("guid"))
    if row is None:
        row = Photo(guid=photo.get("guid"), author_id=author.id, pending=False,
                    public=bool(photo.get("public")) or bool(post is not None and post.public),
                    text=photo.get("text") or "", file_name=photo.get("remote_photo_name"),
                    remote_photo_path=photo.get("remote_photo_path"), width=photo.get("width"),
                    height=photo.get("height"), created_at=photo.get("created_at") or utcnow())
        dbsession.add(row)
    if post is not None and row.post_id is None:
        row.post_id = post.id
    dbsession.flush()
    return row


def photo(receipt, entity) -> Photo:
    """A standalone photo, attached to its status message when that one is known already."""
    author = receipt.sender_person
    _check_photo(receipt.dbsession, entity, author)
    post = None
    if entity.get("status_message_guid"):
        post = by_guid(receipt.dbsession, Post, entity.get("status_message_guid"))
        if post is not None and post.author_id != author.id:
            raise AuthorizationError(f"status message {post.guid} is not by {author.diaspora_id}")
    return _store_photo(receipt.dbsession, entity, author, post)


def _check_poll(dbsession, poll) -> None:
    guids = [poll.get("guid")] + [answer.get("guid") for answer in poll.get("poll_answers") or []]
    if len(set(guids)) != len(guids):
        raise EntityError("poll: guids repeat")
    if by_guid(dbsession, Poll, guids[0]) is not None or dbsession.scalar(
            sa.select(PollAnswer.id).where(PollAnswer.guid.in_(guids[1:])).limit(1)) is not None:
        raise AuthorizationError(ANOTHER_AUTHOR)


# --- reshares ---------------------------------------------------------------------------------

def reshare(receipt, entity) -> Post:
    dbsession = receipt.dbsession
    author = receipt.sender_person
    post = by_guid(dbsession, Post, entity.guid)
    if known(post, author.id):
        if post.type != RESHARE:
            raise AuthorizationError(ANOTHER_AUTHOR)
        return post
    root = None
    if entity.get("root_guid"):
        root = fetched(receipt, Post, "post", entity.get("root_guid"), entity.get("root_author"))
        if root is None:
            raise NotFound(f"the reshared post {entity.get('root_guid')} was not found")
        if root.author.diaspora_id != entity.get("root_author"):
            raise AuthorizationError(f"the reshared post {root.guid} is not by {entity.get('root_author')}")
        if not root.public:
            raise AuthorizationError(f"the reshared post {root.guid} is not public")
        if root.is_reshare:
            raise EntityError(f"the reshared post {root.guid} is itself a reshare")
    created = entity.get("created_at") or utcnow()
    post = Post(guid=entity.guid, type=RESHARE, author_id=author.id, public=True, text="",
                root_id=root.id if root is not None else None, created_at=created, interacted_at=created)
    dbsession.add(post)
    dbsession.flush()
    participate(dbsession, author.id, post.id)
    if root is not None:
        root.reshares_count = (root.reshares_count or 0) + 1
        root.interacted_at = utcnow()
        participate(dbsession, author.id, root.id)
        if root.author.user_id is not None:
            notify_about(dbsession, root, kind="reshared", recipient_id=root.author.user_id, actor_id=author.id,
                         target_type="Post", target_id=root.id, enqueue=receipt.enqueue)
    dbsession.flush()
    participate_back(receipt, post)
    return post


# --- participation back (§13) -----------------------------------------------------------------

def pod_person(dbsession) -> Person | None:
    """Who subscribes this pod to remote posts: the first admin, else the first unlocked user."""
    is_admin = sa.exists().where(Role.user_id == User.id, Role.name == "admin")
    return dbsession.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                            .where(User.locked_at.is_(None))
                            .order_by(sa.case((is_admin, 0), else_=1), User.id).limit(1))


def participation_guid(pod, post: Post) -> str:
    """One fixed guid per (this pod, post): the participation is sent once, however often the
    post arrives."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{pod.url}/participation/{post.guid}").hex


def participate_back(receipt, post: Post) -> None:
    """Tell the author's pod we hold their public post, so it relays the interactions on it."""
    if post.author.user_id is not None:
        return
    subscriber = pod_person(receipt.dbsession)
    if subscriber is None:
        log.info("no local user to subscribe to %s with", post.guid)
        return
    # Planning skips a target that has this guid already: the post arriving again sends nothing.
    guid = participation_guid(receipt.pod, post)
    entity = make_entity("participation", author=subscriber.diaspora_id, guid=guid, parent_guid=post.guid,
                         parent_type="Post")
    delivery.deliver_private(receipt.dbsession, receipt.pod, subscriber, entity, [post.author], receipt.enqueue)

