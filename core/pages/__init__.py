"""The pod's own pages: `/`, `/terms`, and the error pages."""


def includeme(config):
    config.add_route("home", "/")
    config.add_route("terms", "/terms")
    config.scan(".views")
