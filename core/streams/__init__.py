"""Streams: the pages of posts a user reads, each keyset-paginated and index-backed."""


def includeme(config):
    config.add_route("stream", "/stream")
    config.add_route("aspects_stream", "/aspects")
    config.add_route("activity", "/activity")
    config.add_route("mentions", "/mentions")
    config.add_route("followed_tags", "/followed_tags")
    config.add_route("public", "/public")
    config.add_route("liked", "/liked")
    config.add_route("commented", "/commented")
    config.add_route("tag", "/tags/{name}")
    config.add_route("tag_follow", "/tags/{name}/follow")
    config.add_route("tag_unfollow", "/tags/{name}/unfollow")
    config.scan(".views")
