"""Conversations: private messages between people who share with each other."""


def includeme(config):
    config.add_route("conversations", "/conversations")
    config.add_route("conversation_new", "/conversations/new")
    config.add_route("conversation", "/conversations/{guid}")
    config.add_route("conversation_reply", "/conversations/{guid}/messages")
    config.add_route("conversation_hide", "/conversations/{guid}/hide")

    def unread_conversations(request) -> int:
        """Listed conversations with unread messages, for the header's badge."""
        from .services import unread_conversations as count

        return count(request.dbsession, request.user.person.id) if request.user else 0

    config.add_request_method(unread_conversations, reify=True)
    config.scan(".views")
