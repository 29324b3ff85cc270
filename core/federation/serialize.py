"""Local objects as protocol entities (PROTOCOL.md §9): what delivery signs and sends.

Relayables (comment, like, poll_participation) are signed by their author the first time
they are serialised and stored as RelayableXml, so every later send, relay or fetch carries
exactly the bytes the author signed.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..conversations.models import Conversation, Message
from ..posts.models import Comment, Like, Participation, Photo, Poll, PollAnswer, PollParticipation, Post
from .entities import make_entity, parse_entity, sign_relayable
from .models import RelayableXml

# The protocol's name for what a retraction removes, by entity type.
RETRACTION_TARGETS = {
    "status_message": "Post", "reshare": "Post", "post": "Post", "comment": "Comment", "like": "Like",
    "poll_participation": "PollParticipation", "participation": "Participation", "photo": "Photo", "poll": "Poll",
}


def _time(value: dt.datetime | None) -> dt.datetime | None:
    """Whole seconds, as the protocol writes them (a signature must cover what is emitted)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0)


def _or_none(value):
    return value if value not in ("", None) else None


def _absolute(pod, url: str | None) -> str | None:
    if not url:
        return None
    return pod.url + url if url.startswith("/") else url


# --- posts -----------------------------------------------------------------------------------

def photo_entity(pod, photo: Photo, post: Post | None = None):
    from ..posts.photos import remote_photo_path

    return make_entity(
        "photo", guid=photo.guid, author=photo.author.diaspora_id,
        public=bool(post.public if post is not None else photo.public), created_at=_time(photo.created_at),
        remote_photo_path=photo.remote_photo_path or remote_photo_path(pod), remote_photo_name=photo.file_name,
        text=_or_none(photo.text), status_message_guid=post.guid if post is not None else None,
        height=photo.height, width=photo.width)


def poll_entity(poll: Poll):
    return make_entity("poll", guid=poll.guid, question=poll.question, poll_answers=[
        make_entity("poll_answer", guid=answer.guid, answer=answer.answer) for answer in poll.answers])


def entity_for_post(pod, post: Post):
    """A status message (with its photos, poll and location) or a reshare."""
    author = post.author.diaspora_id
    if post.is_reshare:
        root = post.root
        return make_entity("reshare", author=author, guid=post.guid, created_at=_time(post.created_at),
                           root_author=root.author.diaspora_id if root is not None else None,
                           root_guid=root.guid if root is not None else None)
    values = dict(author=author, guid=post.guid, created_at=_time(post.created_at), public=bool(post.public),
                  provider_display_name=_or_none(post.provider_display_name), text=post.text or "",
                  edited_at=_time(post.edited_at))
    photos = [photo_entity(pod, photo, post) for photo in post.photos]
    if photos:
        values["photos"] = photos
    # diaspora requires lat and lng: an address alone would get the whole post refused.
    if post.location_address and post.location_lat and post.location_lng:
        values["location"] = make_entity("location", address=post.location_address, lat=post.location_lat,
                                         lng=post.location_lng)
    if post.poll is not None:
        values["poll"] = poll_entity(post.poll)
    return make_entity("status_message", **values)


# --- relayables ------------------------------------------------------------------------------

def _relayable_values(dbsession: Session, obj) -> tuple[str, Person, dict]:
    if isinstance(obj, Comment):
        return "comment", obj.author, dict(
            author=obj.author.diaspora_id, guid=obj.guid, parent_guid=obj.post.guid, text=obj.text,
            created_at=_time(obj.created_at), edited_at=_time(obj.edited_at))
    if isinstance(obj, Like):
        if obj.target_type == "Comment":
            parent_guid = dbsession.scalar(sa.select(Comment.guid).where(Comment.id == obj.comment_id))
        else:
            parent_guid = dbsession.scalar(sa.select(Post.guid).where(Post.id == obj.post_id))
        return "like", obj.author, dict(author=obj.author.diaspora_id, guid=obj.guid, parent_guid=parent_guid,
                                        parent_type=obj.target_type, positive=bool(obj.positive))
    if isinstance(obj, PollParticipation):
        author = dbsession.get(Person, obj.author_id)
        poll_guid = dbsession.scalar(sa.select(Poll.guid).where(Poll.id == obj.poll_id))
        answer_guid = dbsession.scalar(sa.select(PollAnswer.guid).where(PollAnswer.id == obj.answer_id))
        return "poll_participation", author, dict(author=author.diaspora_id, guid=obj.guid, parent_guid=poll_guid,
                                                  poll_answer_guid=answer_guid)
    raise TypeError(f"{type(obj).__name__} is not a relayable")


def relayable_entity(dbsession: Session, obj):
    """A comment, like or poll participation as an entity carrying its author's signature.

    The stored RelayableXml wins when there is one (received, or serialised before), so
    relays and fetches repeat the signed bytes exactly. Otherwise a local author signs it
    now and it is stored."""
    entity_type, author, values = _relayable_values(dbsession, obj)
    stored = dbsession.scalar(sa.select(RelayableXml).where(RelayableXml.entity_type == entity_type,
                                                            RelayableXml.guid == obj.guid))
    if stored is not None:
        return parse_entity(stored.xml.encode("utf-8"))
    entity = make_entity(entity_type, **values)
    if author.user is not None:
        sign_relayable(entity, author.user.private_key_pem)
        dbsession.add(RelayableXml(entity_type=entity_type, guid=obj.guid, xml=entity.to_xml().decode("utf-8")))
        dbsession.flush()
    return entity


# --- the rest --------------------------------------------------------------------------------

def participation_entity(participation: Participation, author: Person, post: Post):
    return make_entity("participation", author=author.diaspora_id, guid=participation.guid,
                       parent_guid=post.guid, parent_type="Post")


def retraction_entity(author: str, target_guid: str, target_type: str):
    """``author`` is the target's author, even when its root author deletes it (§9.18).
    ``target_type`` is a protocol name (Post, Comment, ...) or an entity type."""
    target_type = RETRACTION_TARGETS.get(target_type, target_type)
    return make_entity("retraction", author=author, target_guid=target_guid, target_type=target_type)


def contact_entity(author: Person, recipient: Person, *, sharing: bool, blocking: bool):
    """diaspora sends following == sharing (§12); blocking implies neither."""
    sharing = bool(sharing) and not blocking
    return make_entity("contact", author=author.diaspora_id, recipient=recipient.diaspora_id,
                       following=sharing, sharing=sharing, blocking=bool(blocking))


def profile_entity(pod, person: Person, *, extended: bool = True):
    """The whole profile; ``extended=False`` leaves out bio, birthday, gender and location
    (what may travel the public route when the details are not public, §6.3)."""
    profile = person.profile
    values = dict(author=person.diaspora_id, edited_at=_time(profile.updated_at),
                  first_name=_or_none(profile.first_name), last_name=_or_none(profile.last_name),
                  image_url=_absolute(pod, profile.image_url),
                  image_url_medium=_absolute(pod, profile.image_url_medium),
                  image_url_small=_absolute(pod, profile.image_url_small),
                  searchable=bool(profile.searchable), public=bool(profile.public_details),
                  nsfw=bool(profile.nsfw), tag_string=_or_none(profile.tag_string))
    if extended:
        values.update(bio=_or_none(profile.bio), birthday=profile.birthday, gender=_or_none(profile.gender),
                      location=_or_none(profile.location))
    return make_entity("profile", **values)


def message_entity(message: Message, conversation: Conversation):
    return make_entity("message", author=message.author.diaspora_id, guid=message.guid, text=message.text,
                       created_at=_time(message.created_at), conversation_guid=conversation.guid)


def conversation_entity(conversation: Conversation):
    """The conversation with its first message (by its author, as §9.5 requires)."""
    participants = sorted(conversation.participants, key=lambda p: p.person_id)
    ids = [conversation.author.diaspora_id] + [p.person.diaspora_id for p in participants
                                               if p.person_id != conversation.author_id]
    first = next((m for m in conversation.messages if m.author_id == conversation.author_id), None)
    return make_entity("conversation", author=conversation.author.diaspora_id, guid=conversation.guid,
                       subject=conversation.subject, created_at=_time(conversation.created_at),
                       participants=";".join(ids),
                       messages=[message_entity(first, conversation)] if first is not None else [])


def account_deletion_entity(diaspora_id: str):
    return make_entity("account_deletion", author=diaspora_id)


def account_migration_entity(pod, new_person: Person, old_diaspora_id: str):
    """``new_person`` (local) announces that ``old_diaspora_id`` moved to it (§9.2), unsigned:
    the old identity's key signs it (``entities.sign_account_migration``). The nested profile
    carries the extended fields only when they are public, as it travels the public route."""
    profile = profile_entity(pod, new_person, extended=bool(new_person.profile.public_details))
    return make_entity("account_migration", author=new_person.diaspora_id, profile=profile,
                       old_identity=old_diaspora_id)
