"""The diaspora* protocol (PROTOCOL.md): discovery, envelopes, entities, inbox, delivery, fetch.

Domain packages never import this one; it imports their services to apply what it
receives, and learns what local users did from events (``core.federation.hooks``).
"""


def includeme(config):
    # Discovery, served at the host root as every pod expects (PROTOCOL.md §4, §5.4).
    config.add_route("webfinger", "/.well-known/webfinger")
    config.add_route("host_meta", "/.well-known/host-meta")
    config.add_route("hcard", "/hcard/users/{guid}")
    config.add_route("nodeinfo_links", "/.well-known/nodeinfo")
    config.add_route("nodeinfo", "/nodeinfo/{version}")
    # Receiving (§5.1) and fetching (§14).
    config.add_route("receive_public", "/receive/public")
    config.add_route("receive_private", "/receive/users/{guid}")
    config.add_route("fetch", "/fetch/{type}/{guid}")
    # The podmin's view of federation: pods, blocking them (and retry now), closing a remote
    # account on this pod only.
    config.add_route("admin_pods", "/admin/pods")
    config.add_route("admin_pod_block", "/admin/pods/{pod_id}/{action}")
    config.add_route("admin_person_close", "/admin/people/{guid}/close")
    # The pods page's old address, redirected; its retry form still answers there.
    config.add_route("admin_federation", "/admin/federation")
    config.add_route("admin_federation_retry", "/admin/federation/pods/{pod_id}/retry")
    config.scan(".views")
