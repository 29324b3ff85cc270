"""GET /fetch/{type}/{guid} (PROTOCOL.md §14): a public entity, signed by its local author.

Only what anyone may see is ever answered: a limited post, or anything on one, is a 404
exactly like an unknown guid. A known public entity by a remote author is a redirect to
their pod, which is the one that can sign it.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ...accounts.models import Person
from ...posts.models import Comment, Like, Photo, Poll, PollParticipation, Post
from ...posts.visibility import can_see, can_see_photo, visible_post
from ..models import Pod

GUID = re.compile(r"\A[0-9A-Za-z\-_@.:]{15,254}[0-9A-Za-z]\Z")
POST_TYPES = {"post": None, "status_message": "StatusMessage", "reshare": "Reshare"}
RELAYABLE_MODELS = {"comment": Comment, "like": Like, "poll_participation": PollParticipation}
TYPES = {*POST_TYPES, *RELAYABLE_MODELS, "poll", "photo"}


def _public_post(dbsession, guid: str, post_type: str | None) -> Post | None:
    post = visible_post(dbsession, None, guid)
    if post is None or (post_type is not None and post.type != post_type):
        return None
    return post


def _post_of(dbsession, obj) -> Post | None:
    if isinstance(obj, Comment):
        return dbsession.get(Post, obj.post_id)
    if isinstance(obj, Like):
        if obj.comment_id is not None:
            comment = dbsession.get(Comment, obj.comment_id)
            return dbsession.get(Post, comment.post_id) if comment is not None else None
        return dbsession.get(Post, obj.post_id)
    if isinstance(obj, PollParticipation):
        poll = dbsession.get(Poll, obj.poll_id)
        return poll.post if poll is not None else None
    return None


def find_public(request, entity_type: str, guid: str):
    """(author, entity builder) of the public entity, or None: one rule for 404."""
    from .. import serialize

    dbsession = request.dbsession
    pod = request.registry.pod
    if entity_type in POST_TYPES:
        post = _public_post(dbsession, guid, POST_TYPES[entity_type])
        if post is None:
            return None
        return post.author, lambda: serialize.entity_for_post(pod, post)
    if entity_type == "poll":
        poll = dbsession.scalar(sa.select(Poll).where(Poll.guid == guid))
        post = poll.post if poll is not None else None
        if post is None or not can_see(dbsession, None, post):
            return None
        # diaspora answers a poll with its whole status message (§9.14).
        return post.author, lambda: serialize.entity_for_post(pod, post)
    if entity_type == "photo":
        photo = dbsession.scalar(sa.select(Photo).where(Photo.guid == guid))
        if photo is None or not can_see_photo(dbsession, None, photo):
            return None
        post = dbsession.get(Post, photo.post_id) if photo.post_id is not None else None
        return photo.author, lambda: serialize.photo_entity(pod, photo, post)
    model = RELAYABLE_MODELS[entity_type]
    obj = dbsession.scalar(sa.select(model).where(model.guid == guid))
    if obj is None or not can_see(dbsession, None, _post_of(dbsession, obj)):
        return None
    return dbsession.get(Person, obj.author_id), lambda: serialize.relayable_entity(dbsession, obj)


@view_config(route_name="fetch", request_method=("GET", "HEAD"))
def fetch(request):
    entity_type = request.matchdict["type"]
    guid = request.matchdict["guid"]
    if entity_type not in TYPES or not GUID.match(guid):
        raise HTTPNotFound()
    found = find_public(request, entity_type, guid)
    if found is None:
        raise HTTPNotFound()
    author, build = found
    if author is None:
        raise HTTPNotFound()
    if author.user is None:
        home = request.dbsession.get(Pod, author.pod_id) if author.pod_id is not None else None
        if home is None:
            raise HTTPNotFound()
        return HTTPFound(location=f"{home.base_url}/fetch/{entity_type}/{guid}")
    from ..delivery import entity_payload
    from ..envelope import build_envelope

    payload = entity_payload(request.dbsession, build())
    body = build_envelope(payload, author.diaspora_id, author.user.private_key_pem)
    return Response(body=body, status=200, content_type="application/magic-envelope+xml", charset=None)
