"""The caller's own profile (API_V1.md §6.12)."""
from __future__ import annotations

from ...people.services import ProfileError, ProfileService
from .. import params as p
from ..auth import api_view
from ..errors import ApiError
from ..presenters.users import own_user

TEXT_FIELDS = ("bio", "birthday", "gender", "location")
# API name -> the profile form's name.
FLAGS = {"searchable": "searchable", "show_profile_info": "public_details", "nsfw": "nsfw"}


@api_view(route_name="api.user", request_method="GET", scopes=("profile",))
def show_user(request):
    return own_user(request, request.user.person)


def requested_changes(given: dict, failed: ApiError) -> dict:
    """The profile form's fields the request sets; keys it doesn't know (``guid`` too) are
    ignored, a value of the wrong kind fails the whole update."""
    if "id" in given:
        raise failed
    changes = {}
    for key in TEXT_FIELDS:
        if key in given:
            value = "" if given[key] is None else p.text(given[key])
            if value is None:
                raise failed
            changes[key] = value
    if "name" in given:
        name = "" if given["name"] is None else p.text(given["name"])
        if name is None:
            raise failed
        changes.update(first_name=name, last_name="")
    for key, field in FLAGS.items():
        if key in given:
            flag = p.boolean(given[key])
            if flag is None:
                raise failed
            changes[field] = flag
    if "tags" in given:
        tags = [] if given["tags"] is None else p.string_list(given["tags"])
        if tags is None:
            raise failed
        changes["tags"] = tags
    return changes


@api_view(route_name="api.user", request_method="PATCH", scopes=("profile:modify",))
def update_user(request):
    failed = ApiError(422, "Failed to update the user settings")
    changes = requested_changes(p.params(request), failed)
    try:
        ProfileService(request.dbsession, request.registry.pod).change(request.user, changes, enqueue=request.enqueue)
    except ProfileError:
        raise failed from None
    return own_user(request, request.user.person)
