"""People: person pages, profile editing, avatars, and people and tag search."""


def includeme(config):
    config.add_route("profile_edit", "/profile/edit")
    config.add_route("search", "/search")
    config.add_route("people_autocomplete", "/people/autocomplete.json")
    config.add_route("tags_autocomplete", "/tags.json")
    config.add_route("person", "/people/{guid}")
    config.add_route("person_photos", "/people/{guid}/photos")
    config.add_route("user_profile", "/u/{username}")
    config.scan(".views")
