"""Conversations and their messages (API_V1.md §6.8, §6.9); everything needs ``conversations``."""
from __future__ import annotations

from ...conversations.models import Conversation
from ...conversations.services import ConversationError, ConversationService
from .. import params as p
from ..auth import api_view
from ..errors import ApiError, empty
from ..paging import page_of, time_page
from ..presenters.conversations import present_conversation, present_message

SCOPES = ("conversations",)
NOT_FOUND = "Conversation with provided guid could not be found"
# diaspora* spells the conversation's own errors with an ASCII apostrophe and the message's
# with U+2019; clients may compare the strings, so both are kept as they are.
CANT_PROCESS = "Couldn't accept or process the conversation"
CANT_PROCESS_MESSAGE = "Couldn\u2019t accept or process the conversation"
CANT_UPDATE = "Couldn't update the conversation"


def service(request) -> ConversationService:
    return ConversationService(request.dbsession, request.registry.pod)


def conversation_or_404(request) -> Conversation:
    conversation = service(request).of_participant(request.user, request.matchdict["conversation_guid"])
    if conversation is None:
        raise ApiError(404, NOT_FOUND)
    return conversation


def shown(request, conversation: Conversation) -> dict:
    return present_conversation(request, conversation, service(request).is_read(request.user, conversation))


def list_filters(request) -> tuple[bool, object]:
    """``only_unread`` and ``only_after`` of the list; unreadable values are a 422."""
    given = p.params(request)
    only_unread = p.boolean(given.get("only_unread")) if not p.blank(given.get("only_unread")) else False
    if only_unread is None:
        raise ApiError(422, "only_unread must be true or false")
    try:
        since = p.timestamp(given.get("only_after"))
    except (ValueError, OverflowError):
        raise ApiError(422, "only_after must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z") from None
    return only_unread, since


@api_view(route_name="api.conversations", request_method="GET", scopes=SCOPES)
def list_conversations(request):
    only_unread, since = list_filters(request)
    query = service(request).listed(request.user, only_unread=only_unread, since=since)
    rows = time_page(request, request.dbsession, query, Conversation.created_at, Conversation.id)
    return [shown(request, conversation) for conversation in rows]


@api_view(route_name="api.conversations", request_method="POST", scopes=SCOPES)
def start_conversation(request):
    given = p.params(request)
    subject, body = p.text(given.get("subject")), p.text(given.get("body"))
    recipients = p.string_list(given.get("recipients"))
    if p.blank(subject) or p.blank(body) or p.blank(recipients):
        raise ApiError(422, CANT_PROCESS)
    try:
        conversation = service(request).start_with_contacts(request.user, recipients, subject, body,
                                                            enqueue=request.enqueue)
    except ConversationError:
        raise ApiError(422, CANT_PROCESS) from None
    request.response.status = 201
    return shown(request, conversation)


@api_view(route_name="api.conversation", request_method="GET", scopes=SCOPES)
def show_conversation(request):
    return shown(request, conversation_or_404(request))


@api_view(route_name="api.conversation", request_method=("PATCH", "PUT"), scopes=SCOPES)
def update_conversation(request):
    read = p.boolean(p.params(request).get("read"))
    conversation = service(request).of_participant(request.user, request.matchdict["conversation_guid"])
    # diaspora* answers an unknown conversation here with a 422, not a 404.
    if read is None or conversation is None:
        raise ApiError(422, CANT_UPDATE)
    if read:
        service(request).mark_read(request.user, conversation)
    else:
        service(request).mark_unread(request.user, conversation)
    return shown(request, conversation)


@api_view(route_name="api.conversation", request_method="DELETE", scopes=SCOPES)
def delete_conversation(request):
    service(request).leave(request.user, conversation_or_404(request))
    return empty()


@api_view(route_name="api.conversation_messages", request_method="GET", scopes=SCOPES)
def list_messages(request):
    conversation = conversation_or_404(request)
    rows = page_of(request, request.dbsession, service(request).messages_query(conversation))
    return [present_message(request, message) for message in rows]


@api_view(route_name="api.conversation_messages", request_method="POST", scopes=SCOPES)
def send_message(request):
    conversation = conversation_or_404(request)
    body = p.text(p.params(request).get("body"))
    if p.blank(body):
        raise ApiError(422, CANT_PROCESS_MESSAGE)
    try:
        message = service(request).reply(request.user, conversation, body, enqueue=request.enqueue)
    except ConversationError:
        raise ApiError(422, CANT_PROCESS_MESSAGE) from None
    request.response.status = 201
    return present_message(request, message)
