"""People as the API shows them: ``short_profile`` everywhere a person appears."""
from __future__ import annotations

from ...accounts.models import Person


def absolute(request, url: str | None) -> str | None:
    """An avatar URL the schema accepts: absolute http(s), or nothing."""
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("/"):
        return request.registry.pod.url + url
    return None


def display_name(person: Person) -> str:
    """"First Last", or the handle when the profile has no names (as diaspora* answers)."""
    profile = person.profile
    if profile is not None:
        full = " ".join(part for part in (profile.first_name, profile.last_name) if part).strip()
        if full:
            return full
    return person.diaspora_id


def short_profile(request, person: Person) -> dict:
    shown = {"guid": person.guid, "diaspora_id": person.diaspora_id, "name": display_name(person)}
    avatar = absolute(request, person.profile.image_url_medium if person.profile else None)
    if avatar:
        shown["avatar"] = avatar
    return shown


def avatar_sizes(request, person: Person) -> dict | None:
    """The four avatar sizes of ``own_user``/``user``; None when the person has no avatar."""
    profile = person.profile
    if profile is None or not profile.image_url:
        return None
    large = absolute(request, profile.image_url)
    medium = absolute(request, profile.image_url_medium) or large
    small = absolute(request, profile.image_url_small) or medium
    if not large:
        return None
    return {"small": small, "medium": medium, "large": large, "raw": large}
