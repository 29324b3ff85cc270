"""Federation's own hookimpls: it learns what local users did from events and plans deliveries."""
from contextlib import contextmanager

import sqlalchemy as sa
import transaction

from ..accounts.models import Person, User
from ..aspects.models import Contact
from ..conversations.models import Conversation, Message
from ..db import tm_session
from ..events import dispatch_context
from ..hookspecs import hookimpl
from ..jobs import JobContext
from ..posts.models import Comment, Like, Participation, Poll, PollParticipation, Post
from . import delivery, serialize
from .discovery import find_or_fetch_person
from .errors import DiscoveryError
from .models import Delivery


# --- Discovery: people on other pods, for search and mentions ------------------------------

@hookimpl(trylast=True)
def remote_person_for(diaspora_id, dbsession, pod):
    """People search and mentions find people on other pods through WebFinger and hCard."""
    try:
        person = find_or_fetch_person(dbsession, pod, diaspora_id)
    except DiscoveryError:
        return None  # the reason is logged by discovery
    return None if person.closed_at is not None else person  # closed, here or on their pod


# --- Delivery: what local users did goes out to other pods ------------------------------------
# Each handler runs in the dispatching job's transaction, plans Delivery rows through
# core.federation.delivery and enqueues the pods after commit. All are idempotent: planning
# skips targets that already have the entity from the same sender.

@contextmanager
def _unit_of_work(pod):
    """The dispatching job's context, so the planned rows commit together with the mark that
    the event was dispatched (and vanish if any handler fails); called outside a dispatch, a
    transaction of our own."""
    ctx = dispatch_context()
    if ctx is not None:
        yield ctx
        return


    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield JobContext(pod, tm_session(pod.session_factory, manager), manager)


def _local(person) -> bool:
    return person is not None and person.user is not None


def _send_interaction(ctx, obj, post, author, entity) -> None:
    """A comment, like or vote by a local ``author`` on ``post`` (§10.3): from the root
    author's pod to everyone who got the post, else to the root author, with a participation
    so the root author's pod keeps us posted."""
    if _local(post.author):
        delivery.relay(ctx.dbsession, ctx.pod, post, entity, ctx.enqueue)
        return
    delivery.deliver(ctx.dbsession, ctx.pod, author, entity, [post.author], ctx.enqueue, public=post.public)
    participation = ctx.dbsession.scalar(sa.select(Participation).where(
        Participation.person_id == author.id, Participation.post_id == post.id))
    if participation is not None:
        delivery.deliver_private(ctx.dbsession, ctx.pod, author,
                                 serialize.participation_entity(participation, author, post),
                                 [post.author], ctx.enqueue)


def _retract_interaction(ctx, payload: dict, target_type: str, entity_type: str) -> None:
    """A local user took back a comment or like: the root author's pod tells everyone who got
    the original (signing as root author); otherwise the deleter tells the root author."""
    dbsession = ctx.dbsession
    post = dbsession.scalar(sa.select(Post).where(Post.guid == payload.get("post_guid")))
    author = dbsession.get(Person, payload.get("author_id"))
    if post is None or author is None:
        return  # the post went too: its own retraction covers everything on it
    entity = serialize.retraction_entity(author.diaspora_id, payload["guid"], target_type)
    if _local(post.author):
        pods, people_ids = delivery.earlier_targets(dbsession, [entity_type], payload["guid"])
        people = {p.id: p for p in delivery.post_recipients(dbsession, post)}
        for person in dbsession.scalars(sa.select(Person).where(Person.id.in_(people_ids))).unique():
            people.setdefault(person.id, person)
        delivery.deliver(dbsession, ctx.pod, post.author, entity, people.values(), ctx.enqueue, public=post.public)
        if post.public and pods:
            delivery.deliver_public_to_pods(dbsession, ctx.pod, post.author, entity, pods, ctx.enqueue)
        return
    deleter = dbsession.get(Person, payload.get("deleted_by_id") or payload.get("author_id"))
    if not _local(deleter):
        return
    delivery.deliver(dbsession, ctx.pod, deleter, entity, [post.author], ctx.enqueue, public=post.public)


@hookimpl(trylast=True)
def on_post_published(event, pod):
    with _unit_of_work(pod) as ctx:
        post = ctx.dbsession.get(Post, event.payload.get("post_id"))
        if post is None or not _local(post.author):
            return
        entity = serialize.entity_for_post(pod, post)
        recipients = delivery.post_recipients(ctx.dbsession, post)
        delivery.deliver(ctx.dbsession, pod, post.author, entity, recipients, ctx.enqueue, public=post.public)


@hookimpl(trylast=True)
def on_post_deleted(event, pod):
    """A retraction to exactly the pods and people the post was delivered to."""
    payload = event.payload
    with _unit_of_work(pod) as ctx:
        author = ctx.dbsession.get(Person, payload.get("author_id"))
        if not _local(author):
            return
        entity = serialize.retraction_entity(author.diaspora_id, payload["guid"], "Post")
        pods, people_ids = delivery.earlier_targets(ctx.dbsession, ["status_message", "reshare"], payload["guid"],
                                                    author.id)
        if pods:
            delivery.deliver_public_to_pods(ctx.dbsession, pod, author, entity, pods, ctx.enqueue)
        if people_ids:
            people = ctx.dbsession.scalars(sa.select(Person).where(Person.id.in_(people_ids))).unique()
            delivery.deliver_private(ctx.dbsession, pod, author, entity, people, ctx.enqueue)


@hookimpl(trylast=True)
def on_comment_created(event, pod):
    with _unit_of_work(pod) as ctx:
        comment = ctx.dbsession.get(Comment, event.payload.get("comment_id"))
        if comment is None or not _local(comment.author):
            return
        entity = serialize.relayable_entity(ctx.dbsession, comment)
        _send_interaction(ctx, comment, comment.post, comment.author, entity)


@hookimpl(trylast=True)
def on_like_created(event, pod):
    with _unit_of_work(pod) as ctx:
        like = ctx.dbsession.get(Like, event.payload.get("like_id"))
        if like is None or not _local(like.author):
            return
        if like.comment_id is not None:
            post = ctx.dbsession.get(Comment, like.comment_id).post
        else:
            post = ctx.dbsession.get(Post, like.post_id)
        entity = serialize.relayable_entity(ctx.dbsession, like)
        _send_interaction(ctx, like, post, like.author, entity)


@hookimpl(trylast=True)
def on_poll_voted(event, pod):
    with _unit_of_work(pod) as ctx:
        vote = ctx.dbsession.get(PollParticipation, event.payload.get("poll_participation_id"))
        if vote is None:
            return
        author = ctx.dbsession.get(Person, vote.author_id)
        if not _local(author):
            return
        post = ctx.dbsession.get(Poll, vote.poll_id).post
        entity = serialize.relayable_entity(ctx.dbsession, vote)
        _send_interaction(ctx, vote, post, author, entity)


@hookimpl(trylast=True)
def on_comment_deleted(event, pod):
    with _unit_of_work(pod) as ctx:
        _retract_interaction(ctx, event.payload, "Comment", "comment")


@hookimpl(trylast=True)
def on_like_deleted(event, pod):
    with _unit_of_work(pod) as ctx:
        _retract_interaction(ctx, event.payload, "Like", "like")


@hookimpl(trylast=True)
def on_contact_changed(event, pod):
    """The contact entity privately to the person; after starting to share, the profile too
    (with the extended fields: they may now see them) (§12)."""
    payload = event.payload
    with _unit_of_work(pod) as ctx:
        user = ctx.dbsession.get(User, payload.get("user_id"))
        person = ctx.dbsession.get(Person, payload.get("person_id"))
        if user is None or person is None or person.user_id is not None:
            return
        sharing, blocking = bool(payload.get("sharing")), bool(payload.get("blocking"))
        entity = serialize.contact_entity(user.person, person, sharing=sharing, blocking=blocking)
        key = f"event:{event.id}"
        delivery.deliver_private(ctx.dbsession, pod, user.person, entity, [person], ctx.enqueue, dedupe_key=key)
        if sharing and not blocking:
            delivery.deliver_private(ctx.dbsession, pod, user.person, serialize.profile_entity(pod, user.person),
                                     [person], ctx.enqueue, dedupe_key=key)


@hookimpl(trylast=True)
def on_profile_updated(event, pod):
    """Privately to everyone the user shares with; on the public route to all contacts' pods
    too when the details are public (§9.16, §13)."""
    with _unit_of_work(pod) as ctx:
        person = ctx.dbsession.get(Person, event.payload.get("person_id"))
        if not _local(person):
            return
        key = f"event:{event.id}"
        entity = serialize.profile_entity(pod, person)
        shared_with = ctx.dbsession.scalars(sa.select(Person).join(Contact, Contact.person_id == Person.id).where(
            Contact.user_id == person.user_id, Contact.receiving.is_(True))).unique()
        delivery.deliver_private(ctx.dbsession, pod, person, entity, shared_with, ctx.enqueue, dedupe_key=key)
        if person.profile.public_details:
            contacts = ctx.dbsession.scalars(sa.select(Person).join(Contact, Contact.person_id == Person.id)
                                             .where(Contact.user_id == person.user_id)).unique()
            delivery.deliver_public(ctx.dbsession, pod, person, entity, contacts, ctx.enqueue, dedupe_key=key)


@hookimpl(trylast=True)
def on_conversation_started(event, pod):
    with _unit_of_work(pod) as ctx:
        conversation = ctx.dbsession.get(Conversation, event.payload.get("conversation_id"))
        if conversation is None or not _local(conversation.author):
            return
        recipients = [p.person for p in conversation.participants if p.person_id != conversation.author_id]
        delivery.deliver_private(ctx.dbsession, pod, conversation.author, serialize.conversation_entity(conversation),
                                 recipients, ctx.enqueue)


@hookimpl(trylast=True)
def on_message_sent(event, pod):
    with _unit_of_work(pod) as ctx:
        message = ctx.dbsession.get(Message, event.payload.get("message_id"))
        if message is None or not _local(message.author):
            return
        conversation = message.conversation
        recipients = [p.person for p in conversation.participants if p.person_id != message.author_id]
        delivery.deliver_private(ctx.dbsession, pod, message.author, serialize.message_entity(message, conversation),
                                 recipients, ctx.enqueue)


@hookimpl(trylast=True)
def on_account_closed(event, pod):
    """account_deletion on the public route to the pods of all contacts, and of everyone the
    person ever delivered to (contacts may already be gone when the account closes)."""
    with _unit_of_work(pod) as ctx:
        person = ctx.dbsession.get(Person, event.payload.get("person_id"))
        if not _local(person):
            return
        contacts = ctx.dbsession.scalars(sa.select(Person).join(Contact, Contact.person_id == Person.id)
                                         .where(Contact.user_id == person.user_id)).unique()
        pods = {p.pod_id for p in delivery.remote_people(contacts)}
        pods.update(ctx.dbsession.scalars(sa.select(Delivery.pod_id).where(
            Delivery.sender_person_id == person.id).distinct()))
        entity = serialize.account_deletion_entity(person.diaspora_id)
        delivery.deliver_public_to_pods(ctx.dbsession, pod, person, entity, pods, ctx.enqueue)
