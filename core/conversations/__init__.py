"""Conversations: private messages between people who share with each other."""


def includeme(config):
    config.add_route("conversations", "/conversations")
    config.add_route("conversation_new", "/conversations/new")
    config.add_route("conversation", "/conversations/{guid}")
    config.add_route("conversation_reply", "/conversations/{guid}/messages")
    config.add_route("conversation_hide", "/conversations/{guid}/hide")
    config.scan(".views")
