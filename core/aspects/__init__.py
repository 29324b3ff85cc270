"""Aspects, contacts, sharing and blocking."""


def includeme(config):
    config.add_route("contacts", "/contacts")
    config.add_route("aspects_manage", "/contacts/aspects")
    config.add_route("aspect_create", "/contacts/aspects/new")
    config.add_route("aspect_order", "/contacts/aspects/order")
    config.add_route("aspect_rename", "/contacts/aspects/{id:\\d+}/rename")
    config.add_route("aspect_delete", "/contacts/aspects/{id:\\d+}/delete")
    config.add_route("person_aspects", "/people/{guid}/aspects")
    config.add_route("person_block", "/people/{guid}/block")
    config.add_route("person_unblock", "/people/{guid}/unblock")
    config.add_route("blocks", "/user/blocks")
    config.scan(".views")
