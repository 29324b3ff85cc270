"""Welcoming people: the community spotlight and the getting-started steps for new users."""


def includeme(config):
    config.add_route("spotlight", "/spotlight")
    config.add_route("getting_started", "/getting_started")
    config.add_route("getting_started_done", "/getting_started/done")
    config.scan(".views")
