"""Aspects and people in full: ``aspect``, ``own_user`` (GET/PATCH /user) and ``user``
(GET /users/:guid). Optional keys are left out rather than sent as null, which the schema refuses."""
from __future__ import annotations

from ...accounts.models import Person
from ...aspects.models import Aspect, Contact
from ...people.services import profile_tags
from .people import avatar_sizes, display_name


def aspect(found: Aspect) -> dict:
    """An aspect; its ``order`` is its position among the user's aspects."""
    return {"id": found.id, "name": found.name, "order": found.position}


def _identity(request, person: Person) -> dict:
    shown = {"guid": person.guid, "diaspora_id": person.diaspora_id}
    avatar = avatar_sizes(request, person)
    if avatar is not None:
        shown["avatar"] = avatar
    shown["tags"] = profile_tags(person.profile)
    return shown


def _details(person: Person) -> dict:
    """Birthday, gender, location and bio, the part of a profile not everyone sees."""
    profile = person.profile
    if profile is None:
        return {}
    shown = {"gender": profile.gender or "", "location": profile.location or "", "bio": profile.bio or ""}
    if profile.birthday is not None:
        shown["birthday"] = profile.birthday.isoformat()
    return shown


def own_user(request, person: Person) -> dict:
    """The caller's own profile, with the settings only they see."""
    profile = person.profile
    shown = _identity(request, person)
    full_name = " ".join(part for part in (profile.first_name, profile.last_name) if part).strip() if profile else ""
    if full_name:
        shown["name"] = full_name
    shown.update(_details(person))
    shown.update({"searchable": bool(profile.searchable) if profile else True,
                  "show_profile_info": bool(profile.public_details) if profile else False,
                  "nsfw": bool(profile.nsfw) if profile else False})
    return shown


def user(request, person: Person, *, details: bool, blocked: bool, contact: Contact | None,
         aspects: list[Aspect]) -> dict:
    """Someone as the caller sees them: ``details`` when they may see the extended profile,
    the caller's ``contact`` for them and the caller's ``aspects`` holding them."""
    shown = _identity(request, person)
    shown["name"] = display_name(person)
    if details:
        shown.update(_details(person))
    shown.update({
        "blocked": blocked,
        "relationship": {"receiving": bool(contact and contact.receiving), "sharing": bool(contact and contact.sharing)},
        "aspects": [{"id": each.id, "name": each.name} for each in aspects],
    })
    return shown
