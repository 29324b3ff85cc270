"""A user's account as diaspora*'s archive (``archive-format.json``, version 2.0).

``build_archive`` returns the JSON document as a dict: the user's settings, private key,
profile, aspects ("contact groups"), contacts, own posts, own relayables (comments, likes, poll
votes, each with its author signature), followed tags, post subscriptions and blocks, plus the
relayables other people left on the user's posts (``others_data``), with the keys of those
authors who are not contacts so an importer can check their signatures.

Entities are written as diaspora* writes them in JSON: ``{"entity_type", "entity_data"}`` and,
for relayables, ``property_order`` (the order the signature covers). Every list is sorted by
values that survive a move to another pod (guids, diaspora IDs, times), so the same data
always gives the same document. Pure reading, except that a local relayable never serialised
before is signed and stored, exactly as federation does the first time it sends one.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, User
from ..aspects.models import Aspect, AspectMembership, Block, Contact
from ..federation.entities import Entity, format_timestamp
from ..federation.errors import EntityError
from ..federation.entity_types import BOOLEAN, DATE, INTEGER, NESTED, NESTED_LIST, TIMESTAMP
from ..federation.models import Delivery, Pod
from ..federation.serialize import entity_for_post, profile_entity, relayable_entity
from ..posts.models import (
    AspectVisibility, Comment, Like, MutedPost, Participation, Poll, PollParticipation, Post, ShareVisibility, Tag,
    TagFollowing,
)

VERSION = "2.0"
# Seedpod's pages are in English; the archive says so for the pod that imports it.
LANGUAGE = "en"


# --- entities as JSON ---------------------------------------------------------------------------

def _scalar(kind: str, value):
    if value is None:
        return None
    if kind == BOOLEAN:
        return bool(value)
    if kind == INTEGER:
        return int(value)
    if kind == TIMESTAMP:
        return format_timestamp(value)
    if kind == DATE:
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return value


def entity_json(entity: Entity) -> dict:
    """``{"entity_type", "entity_data"[, "property_order"]}`` as diaspora* exports an entity.

    Properties come in the entity's element order; unknown elements a relayable arrived with
    are kept (its signature covers them). A relayable carries ``author_signature`` (empty when
    there is none) and the order of the signed properties."""
    # The written order is the signed order for relayables (PROTOCOL.md §10.2).
    names = entity._written_names()
    data: dict = {}
    for name in names:
        prop = entity.spec.by_element.get(name)
        if prop is None:
            data[name] = entity.unknown.get(name) or ""
        elif prop.kind == NESTED_LIST:
            data[prop.name] = [entity_json(child) for child in entity.values.get(prop.name) or []]
        elif prop.kind == NESTED:
            child = entity.values.get(prop.name)
            if child is not None:
                data[prop.name] = entity_json(child)
        else:
            value = _scalar(prop.kind, entity.values.get(prop.name))
            if value is None:
                if not entity.relayable:
                    continue
                value = ""
            data[prop.name] = value
    result = {"entity_type": entity.type, "entity_data": data}
    if entity.relayable:
        data["author_signature"] = entity.author_signature or ""
        result["property_order"] = [entity.spec.by_element[n].name if n in entity.spec.by_element else n
                                    for n in names]
    return result


# --- the parts of the archive ---------------------------------------------------------------------

def _sort_key(row) -> tuple:
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=dt.timezone.utc)
    return (created or dt.datetime.min.replace(tzinfo=dt.timezone.utc), row.guid)


def _aspects(dbsession: Session, user: User) -> list[Aspect]:
    return list(dbsession.scalars(sa.select(Aspect).where(Aspect.user_id == user.id)
                                  .order_by(Aspect.position, Aspect.id)))


def contact_groups(aspects: list[Aspect]) -> list[dict]:
    """The aspects in the user's order. Seedpod keeps no per-aspect setting besides the
    order, which the list itself carries."""
    return [{"name": aspect.name} for aspect in aspects]


def contacts(dbsession: Session, user: User, aspects: list[Aspect]) -> list[dict]:
    order = {aspect.id: index for index, aspect in enumerate(aspects)}
    names = {aspect.id: aspect.name for aspect in aspects}
    memberships: dict[int, list[int]] = {}
    for contact_id, aspect_id in dbsession.execute(
            sa.select(AspectMembership.contact_id, AspectMembership.aspect_id)
            .join(Contact, Contact.id == AspectMembership.contact_id).where(Contact.user_id == user.id)):
        memberships.setdefault(contact_id, []).append(aspect_id)
    rows = []
    for contact in dbsession.scalars(sa.select(Contact).where(Contact.user_id == user.id)):
        person = contact.person
        groups = sorted(memberships.get(contact.id, []), key=lambda aspect_id: order.get(aspect_id, 0))
        rows.append({
            # diaspora*'s "following" is the person sharing with the user, "followed" the reverse.
            "sharing": bool(contact.sharing),
            "following": bool(contact.sharing),
            "receiving": bool(contact.receiving),
            "followed": bool(contact.receiving),
            "account_id": person.diaspora_id,
            "contact_groups_membership": [names[aspect_id] for aspect_id in groups],
            "person_name": person.name,
            "person_guid": person.guid,
            "public_key": person.public_key_pem,
        })
    return sorted(rows, key=lambda row: row["account_id"])


def _own_posts(dbsession: Session, person: Person) -> list[Post]:
    return sorted(dbsession.scalars(sa.select(Post).where(Post.author_id == person.id)), key=_sort_key)


def _subscribed_pods(dbsession: Session, pod, person: Person) -> dict[int, set[str]]:
    """Post id -> URLs of the pods that got the post or take part in it: they want its updates."""
    found: dict[int, set[str]] = {}
    delivered = (sa.select(Post.id, Pod.host, Pod.https)
                 .join(Delivery, Delivery.entity_guid == Post.guid).join(Pod, Pod.id == Delivery.pod_id)
                 .where(Post.author_id == person.id, Post.public.is_(True), Delivery.recipient_person_id.is_(None)))
    participants = (sa.select(Post.id, Pod.host, Pod.https)
                    .join(Participation, Participation.post_id == Post.id)
                    .join(Person, Person.id == Participation.person_id).join(Pod, Pod.id == Person.pod_id)
                    .where(Post.author_id == person.id, Post.public.is_(True)))
    for query in (delivered, participants):
        for post_id, host, https in dbsession.execute(query):
            found.setdefault(post_id, set()).add(f"{'https' if https else 'http'}://{host}")
    return found


def _subscribed_people(dbsession: Session, person: Person) -> dict[int, set[str]]:
    """Limited post id -> diaspora IDs of the people it was shared with (local and remote)."""
    found: dict[int, set[str]] = {}
    local = (sa.select(Post.id, Person.diaspora_id)
             .join(ShareVisibility, ShareVisibility.post_id == Post.id)
             .join(Person, Person.user_id == ShareVisibility.user_id)
             .where(Post.author_id == person.id, Post.public.is_(False), Person.id != person.id))
    remote = (sa.select(Post.id, Person.diaspora_id)
              .join(Delivery, Delivery.entity_guid == Post.guid)
              .join(Person, Person.id == Delivery.recipient_person_id)
              .where(Post.author_id == person.id, Post.public.is_(False)))
    for query in (local, remote):
        for post_id, diaspora_id in dbsession.execute(query):
            found.setdefault(post_id, set()).add(diaspora_id)
    return found


def posts(dbsession: Session, pod, user: User) -> list[dict]:
    """The user's status messages and reshares, oldest first, each with who wants its updates:
    pods for public posts and reshares, people for limited posts (which also name the aspects
    they went to)."""
    person = user.person
    pods = _subscribed_pods(dbsession, pod, person)
    people = _subscribed_people(dbsession, person)
    aspect_names: dict[int, list[str]] = {}
    for post_id, name in dbsession.execute(
            sa.select(AspectVisibility.post_id, Aspect.name).join(Aspect, Aspect.id == AspectVisibility.aspect_id)
            .where(Aspect.user_id == user.id).order_by(Aspect.name)):
        aspect_names.setdefault(post_id, []).append(name)
    rows = []
    for post in _own_posts(dbsession, person):
        item = entity_json(entity_for_post(pod, post))
        if post.is_reshare or post.public:
            item["subscribed_pods_uris"] = sorted(pods.get(post.id, set()) | {pod.url})
        else:
            item["subscribed_users_ids"] = sorted(people.get(post.id, set()))
            item["aspects"] = aspect_names.get(post.id, [])
        rows.append(item)
    return rows


def _relayables(dbsession: Session, condition_by_type: dict) -> list[dict]:
    rows = []
    for model, condition in condition_by_type.items():
        for obj in sorted(dbsession.scalars(sa.select(model).where(condition)), key=_sort_key):
            rows.append(entity_json(relayable_entity(dbsession, obj)))
    return rows


def own_relayables(dbsession: Session, person: Person) -> list[dict]:
    """The user's comments, likes and poll votes, with their signatures."""
    return _relayables(dbsession, {
        Comment: Comment.author_id == person.id,
        Like: Like.author_id == person.id,
        PollParticipation: PollParticipation.author_id == person.id,
    })


def others_relayables(dbsession: Session, person: Person) -> tuple[list[dict], set[int]]:
    """Comments, likes and poll votes of other people on the user's posts (and likes of the
    comments there), and the ids of their authors."""
    own_posts = sa.select(Post.id).where(Post.author_id == person.id)
    comments_there = sa.select(Comment.id).where(Comment.post_id.in_(own_posts))
    own_polls = sa.select(Poll.id).where(Poll.post_id.in_(own_posts))
    conditions = {
        Comment: sa.and_(Comment.post_id.in_(own_posts), Comment.author_id != person.id),
        Like: sa.and_(sa.or_(Like.post_id.in_(own_posts), Like.comment_id.in_(comments_there)),
                      Like.author_id != person.id),
        PollParticipation: sa.and_(PollParticipation.poll_id.in_(own_polls),
                                   PollParticipation.author_id != person.id),
    }
    authors: set[int] = set()
    for model, condition in conditions.items():
        authors.update(dbsession.scalars(sa.select(model.author_id).where(condition)))
    return _relayables(dbsession, conditions), authors


def non_contact_authors(dbsession: Session, user: User, author_ids: set[int]) -> list[dict]:
    contact_ids = set(dbsession.scalars(sa.select(Contact.person_id).where(Contact.user_id == user.id)))
    wanted = sorted(author_ids - contact_ids)
    if not wanted:
        return []
    people = dbsession.scalars(sa.select(Person).where(Person.id.in_(wanted)))
    return sorted(({"account_id": p.diaspora_id, "guid": p.guid, "public_key": p.public_key_pem} for p in people),
                  key=lambda row: row["account_id"])


def followed_tags(dbsession: Session, user: User) -> list[str]:
    return sorted(dbsession.scalars(sa.select(Tag.name).join(TagFollowing, TagFollowing.tag_id == Tag.id)
                                    .where(TagFollowing.user_id == user.id)))


def post_subscriptions(dbsession: Session, user: User) -> list[str]:
    """Other people's posts the user takes part in and has not muted."""
    muted = sa.select(MutedPost.post_id).where(MutedPost.user_id == user.id)
    return sorted(set(dbsession.scalars(
        sa.select(Post.guid).join(Participation, Participation.post_id == Post.id)
        .where(Participation.person_id == user.person.id, Post.author_id != user.person.id,
               Post.id.not_in(muted)))))


def blocks(dbsession: Session, user: User) -> list[str]:
    return sorted(dbsession.scalars(sa.select(Person.diaspora_id).join(Block, Block.person_id == Person.id)
                                    .where(Block.user_id == user.id)))


def profile(pod, person: Person) -> dict:
    """The whole profile entity. A profile the protocol would refuse (a field stored before a
    rule existed) is still exported as it is: the archive is the user's copy, not a message."""
    try:
        return entity_json(profile_entity(pod, person, extended=True))
    except EntityError:
        def absolute(url):
            return pod.url + url if url and url.startswith("/") else url or None

        values = dict(author=person.diaspora_id, first_name=person.profile.first_name or None,
                      last_name=person.profile.last_name or None, image_url=absolute(person.profile.image_url),
                      image_url_medium=absolute(person.profile.image_url_medium),
                      image_url_small=absolute(person.profile.image_url_small), bio=person.profile.bio or None,
                      birthday=person.profile.birthday, gender=person.profile.gender or None,
                      location=person.profile.location or None, searchable=bool(person.profile.searchable),
                      public=bool(person.profile.public_details), nsfw=bool(person.profile.nsfw),
                      tag_string=person.profile.tag_string or None)
        values = {name: value for name, value in values.items() if value is not None}
        return entity_json(Entity("profile", values, order=list(values)))


def build_archive(dbsession: Session, pod, user: User) -> dict:
    """Everything of ``user`` in diaspora*'s archive format (a dict ready for ``json.dumps``)."""
    person = user.person
    aspects = _aspects(dbsession, user)
    others, author_ids = others_relayables(dbsession, person)
    return {
        "version": VERSION,
        "user": {
            "username": user.username,
            "email": user.email,
            "language": LANGUAGE,
            "private_key": user.private_key_pem,
            "profile": profile(pod, person),
            "contact_groups": contact_groups(aspects),
            "contacts": contacts(dbsession, user, aspects),
            "posts": posts(dbsession, pod, user),
            "relayables": own_relayables(dbsession, person),
            "followed_tags": followed_tags(dbsession, user),
            "post_subscriptions": post_subscriptions(dbsession, user),
            "blocks": blocks(dbsession, user),
        },
        "others_data": {
            "relayables": others,
            "non_contact_authors": non_contact_authors(dbsession, user, author_ids),
        },
    }
