"""Views of conversations; thin: the logic lives in services."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..posts.rendering import render_text
from .models import SUBJECT_MAX
from .services import MESSAGE_MAX, ConversationError, ConversationService


def conversations(request) -> ConversationService:
    return ConversationService(request.dbsession, request.registry.pod)


def participant_or_404(request):
    conversation = conversations(request).of_participant(request.user, request.matchdict["guid"])
    if conversation is None:
        raise HTTPNotFound()
    return conversation


@view_config(route_name="conversations", request_method="GET", permission="use",
             renderer="core:templates/conversations/list.pt")
def conversation_list(request):
    try:
        page = conversations(request).inbox(request.user, request.params.get("max"))
    except ConversationError as exc:
        request.response.status = 400
        return {"page_title": "Conversations", "rows": [], "older_url": None, "error": exc.message}
    older_url = (request.route_url("conversations", _query={"max": page.next_cursor})
                 if page.next_cursor else None)
    return {"page_title": "Conversations", "rows": page.items, "older_url": older_url, "error": None}


def new_page(request, error: str | None = None, chosen=(), subject: str = "", text: str = "") -> dict:
    return {"page_title": "New conversation", "error": error,
            "people": conversations(request).possible_recipients(request.user),
            "chosen": set(chosen), "subject": subject, "text": text,
            "subject_max": SUBJECT_MAX, "message_max": MESSAGE_MAX}


@view_config(route_name="conversation_new", request_method="GET", permission="use",
             renderer="core:templates/conversations/new.pt")
def conversation_new(request):
    return new_page(request, chosen=request.params.getall("person"))


@view_config(route_name="conversations", request_method="POST", permission="use",
             renderer="core:templates/conversations/new.pt")
def conversation_create(request):
    chosen = request.POST.getall("person")
    subject, text = request.POST.get("subject", ""), request.POST.get("text", "")
    try:
        conversation = conversations(request).start(request.user, chosen, subject, text, enqueue=request.enqueue)
    except ConversationError as exc:
        request.response.status = 400
        return new_page(request, exc.message, chosen, subject, text)
    return HTTPSeeOther(location=request.route_url("conversation", guid=conversation.guid))


def conversation_page(request, conversation, error: str | None = None, text: str = "") -> dict:
    return {"page_title": conversation.subject, "conversation": conversation,
            "messages": conversations(request).messages(conversation), "render_text": render_text,
            "error": error, "text": text, "message_max": MESSAGE_MAX}


@view_config(route_name="conversation", request_method="GET", permission="use",
             renderer="core:templates/conversations/show.pt")
def conversation_show(request):
    conversation = participant_or_404(request)
    conversations(request).mark_read(request.user, conversation)
    return conversation_page(request, conversation)


@view_config(route_name="conversation_reply", request_method="POST", permission="use",
             renderer="core:templates/conversations/show.pt")
def conversation_reply(request):
    conversation = participant_or_404(request)
    text = request.POST.get("text", "")
    try:
        message = conversations(request).reply(request.user, conversation, text, enqueue=request.enqueue)
    except ConversationError as exc:
        request.response.status = 400
        return conversation_page(request, conversation, exc.message, text)
    location = request.route_url("conversation", guid=conversation.guid, _anchor=f"message-{message.guid}")
    return HTTPSeeOther(location=location)


@view_config(route_name="conversation_hide", request_method="POST", permission="use")
def conversation_hide(request):
    conversation = participant_or_404(request)
    conversations(request).hide(request.user, conversation)
    request.session.flash(f"“{conversation.subject}” was hidden; it comes back when someone writes in it.")
    return HTTPSeeOther(location=request.route_url("conversations"))
