"""Streams: the pages of posts a user reads. The social core fills them."""


def includeme(config):
    config.add_route("stream", "/stream")
    config.scan(".views")
