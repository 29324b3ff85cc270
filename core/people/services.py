"""People: finding them, who sees how much of a profile, editing one's profile, and search."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, Profile, User
from ..aspects.models import Block, Contact
from ..aspects.services import shares_with
from ..events import record
from ..posts.models import Photo, Post, Tag
from ..posts.visibility import not_blocked, visible_to

NAME_MAX = 32
TAGS_MAX = 5
TAG_STRING_MAX = 255
TEXT_FIELD_MAX = 255
BIO_MAX = 5000
SEARCH_LIMIT = 50
AUTOCOMPLETE_LIMIT = 10
# A profile tag: letters, digits, '_' and '-', as diaspora* allows in #tags.
TAG_NAME_RE = re.compile(r"^[\w][\w\-]*$", re.UNICODE)


class ProfileError(ValueError):
    """Bad profile input; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def person_by_guid(dbsession: Session, guid: str) -> Person | None:
    return dbsession.scalar(sa.select(Person).where(Person.guid == guid))


def person_by_username(dbsession: Session, username: str) -> Person | None:
    """The local person with this username (lower-cased), or None."""
    return dbsession.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                            .where(User.username == (username or "").strip().lower()))


def sees_extended_profile(dbsession: Session, viewer: User | None, person: Person) -> bool:
    """Bio, location, gender and birthday: for the person, people they share with, or everyone
    when the person made them public."""
    profile = person.profile
    if profile is not None and profile.public_details:
        return True
    if viewer is None:
        return False
    if viewer.person.id == person.id:
        return True
    return person.user_id is not None and shares_with(dbsession, person.user_id, viewer.person.id)


def posts_query(viewer: User | None, person: Person) -> sa.Select:
    """The person's posts the viewer may see (paginate with core.streams.paging.keyset)."""
    return sa.select(Post).where(Post.author_id == person.id, visible_to(viewer), not_blocked(viewer))


def person_posts_query(caller: User, person: Person, limited: bool) -> sa.Select:
    """The person's posts ``caller`` may see; public ones only unless ``limited`` (an API
    token without private:read reads as a visitor would). Blocked authors stay hidden."""
    return sa.select(Post).where(Post.author_id == person.id, visible_to(caller if limited else None),
                                 not_blocked(caller))


def person_photos_query(caller: User, person: Person, limited: bool) -> sa.Select:
    """The person's photos ``caller`` may see, pending uploads left out: a photo in a post
    follows the post; one outside any post (an avatar) is seen when public. Public ones only
    unless ``limited``; the caller's own are all theirs with it."""
    query = sa.select(Photo).where(Photo.author_id == person.id, Photo.pending.is_(False), not_blocked_photo(caller))
    viewer = caller if limited else None
    if viewer is not None and viewer.person.id == person.id:
        return query
    in_visible_post = sa.select(Post.id).where(Post.id == Photo.post_id, visible_to(viewer)).exists()
    return query.where(sa.or_(sa.and_(Photo.post_id.is_not(None), in_visible_post),
                              sa.and_(Photo.post_id.is_(None), Photo.public.is_(True))))


def not_blocked_photo(caller: User) -> sa.ColumnElement[bool]:
    """Photos by people ``caller`` blocked are as hidden as their posts."""
    return Photo.author_id.not_in(sa.select(Block.person_id).where(Block.user_id == caller.id))


def parse_tags(raw: str) -> str:
    """A profile's tags as diaspora* stores them: ``#one #two``, lower-case, at most five."""
    names: list[str] = []
    for word in re.split(r"[\s,]+", raw or ""):
        name = word.lstrip("#").lower()
        if not name:
            continue
        if not TAG_NAME_RE.match(name):
            raise ProfileError(f"“{word}” is not a tag: use letters, digits, '_' and '-'.", "tags")
        if name not in names:
            names.append(name)
    if len(names) > TAGS_MAX:
        raise ProfileError(f"A profile has at most {TAGS_MAX} tags.", "tags")
    tag_string = " ".join(f"#{name}" for name in names)
    if len(tag_string) > TAG_STRING_MAX:
        raise ProfileError(f"Your tags are at most {TAG_STRING_MAX} characters in all.", "tags")
    return tag_string


def tag_list(names: list[str]) -> str:
    """Tags given one name each (an API's array) as ``parse_tags`` reads them; a name that
    would split into several, or more than five names, is refused."""
    if len(names) > TAGS_MAX:
        raise ProfileError(f"A profile has at most {TAGS_MAX} tags.", "tags")
    for name in names:
        if not TAG_NAME_RE.match(name.strip().lstrip("#")):
            raise ProfileError(f"“{name}” is not a tag: use letters, digits, '_' and '-'.", "tags")
    return " ".join(name.strip() for name in names)


def profile_tags(profile: Profile | None) -> list[str]:
    return [word.lstrip("#") for word in (profile.tag_string if profile else "").split() if word.lstrip("#")]


def _name(raw: str, field: str, label: str) -> str:
    value = (raw or "").strip()
    if len(value) > NAME_MAX:
        raise ProfileError(f"Your {label} is at most {NAME_MAX} characters long.", field)
    if ";" in value:
        raise ProfileError(f"Your {label} can't contain ';'.", field)
    return value


def _text(raw: str, field: str, label: str, limit: int = TEXT_FIELD_MAX) -> str:
    value = (raw or "").strip()
    if len(value) > limit:
        raise ProfileError(f"{label} is at most {limit} characters long.", field)
    return value


def _birthday(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ProfileError("Give your birthday as a date, like 1990-04-23.", "birthday") from None
    if day > dt.date.today() or day.year < 1900:
        raise ProfileError("That birthday can't be right; check the year.", "birthday")
    return day


@dataclass
class ProfileService:
    dbsession: Session
    pod: object
    # People whose profile_updated this service (one request or job) already recorded: saving the
    # profile form with a new avatar is one change for the people who get the profile.
    _announced: set = field(default_factory=set, init=False, repr=False)

    def _updated(self, user: User, enqueue) -> None:
        if user.person.id not in self._announced:
            self._announced.add(user.person.id)
            record(self.dbsession, "profile_updated", {"person_id": user.person.id}, enqueue)

    def profile_of(self, user: User) -> Profile:
        person = user.person
        if person.profile is None:
            person.profile = Profile(person_id=person.id)
            self.dbsession.flush()
        return person.profile

    def update(self, user: User, form, enqueue=None) -> Profile:
        """Check every field first, then change them all at once (bad input changes nothing)."""
        values = {
            "first_name": _name(form.get("first_name", ""), "first_name", "first name"),
            "last_name": _name(form.get("last_name", ""), "last_name", "last name"),
            "tag_string": parse_tags(form.get("tags", "")),
            "bio": _text(form.get("bio", ""), "bio", "Your bio", BIO_MAX),
            "location": _text(form.get("location", ""), "location", "Your location"),
            "gender": _text(form.get("gender", ""), "gender", "Your gender"),
            "birthday": _birthday(form.get("birthday", "")),
            "searchable": bool(form.get("searchable")),
            "public_details": bool(form.get("public_details")),
            "nsfw": bool(form.get("nsfw")),
        }
        profile = self.profile_of(user)
        for key, value in values.items():
            setattr(profile, key, value)
        self.dbsession.flush()
        self._updated(user, enqueue)
        return profile

    def change(self, user: User, changes: dict, enqueue=None) -> Profile:
        """Change only the fields in ``changes`` (keys as ``update``'s form; ``tags`` may be a
        list of names), checking everything as the profile form does."""
        profile = self.profile_of(user)
        form = {"first_name": profile.first_name or "", "last_name": profile.last_name or "",
                "tags": profile.tag_string or "", "bio": profile.bio or "", "location": profile.location or "",
                "gender": profile.gender or "", "birthday": profile.birthday.isoformat() if profile.birthday else "",
                "searchable": profile.searchable, "public_details": profile.public_details, "nsfw": profile.nsfw}
        changes = dict(changes)
        if isinstance(changes.get("tags"), list):
            changes["tags"] = tag_list(changes["tags"])
        form.update(changes)
        return self.update(user, form, enqueue)

    def set_avatar(self, user: User, photo, urls: dict, enqueue=None) -> Profile:
        """Use an uploaded photo as the avatar: it becomes public, like every avatar."""
        photo.pending = False
        photo.public = True
        photo.post_id = None
        profile = self.profile_of(user)
        profile.image_url = urls["thumb_large"]
        profile.image_url_medium = urls["thumb_medium"]
        profile.image_url_small = urls["thumb_small"]
        self.dbsession.flush()
        self._updated(user, enqueue)
        return profile


def _like(q: str) -> str:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_people(dbsession: Session, viewer: User | None, q: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    """People whose name or diaspora ID contains ``q``: searchable profiles and the viewer's own
    contacts, never people the viewer blocked. The viewer's contacts come first."""
    q = (q or "").strip()
    if not q:
        return []
    pattern = _like(q)
    matches = sa.or_(sa.func.lower(Profile.first_name).like(pattern, escape="\\"),
                     sa.func.lower(Profile.last_name).like(pattern, escape="\\"),
                     sa.func.lower(Person.diaspora_id).like(pattern, escape="\\"))
    query = sa.select(Person).outerjoin(Profile, Profile.person_id == Person.id).where(matches)
    contact_ids = sa.select(Contact.person_id)
    if viewer is None:
        query = query.where(Profile.searchable.is_(True))
    else:
        contact_ids = contact_ids.where(Contact.user_id == viewer.id)
        query = query.where(
            sa.or_(Profile.searchable.is_(True), Person.id.in_(contact_ids), Person.id == viewer.person.id),
            Person.id.not_in(sa.select(Block.person_id).where(Block.user_id == viewer.id)))
    if viewer is None:
        return _by_name(dbsession.scalars(query.order_by(Person.diaspora_id).limit(limit)).unique())
    # The viewer's contacts first, so a long list of strangers can't push them out.
    contacts = _by_name(dbsession.scalars(query.where(Person.id.in_(contact_ids))
                                          .order_by(Person.diaspora_id).limit(limit)).unique())
    others = _by_name(dbsession.scalars(query.where(Person.id.not_in(contact_ids))
                                        .order_by(Person.diaspora_id).limit(limit - len(contacts))).unique())
    return contacts + others


# A full diaspora ID (``alice@pod.example``, maybe with ``acct:``), as opposed to a name.
DIASPORA_ID_QUERY_RE = re.compile(r"^(?:acct:)?[^@\s]+@[^@\s]+$", re.IGNORECASE)


def remote_person(dbsession: Session, pod, viewer: User | None, q: str) -> Person | None:
    """The person a signed-in user asked for by full diaspora ID, looked up on their pod when
    nobody here has it (through the ``remote_person_for`` hook, as federation is not ours to
    import). Visitors don't get lookups: each one makes the pod ask another server."""
    q = (q or "").strip()
    if viewer is None or not DIASPORA_ID_QUERY_RE.match(q):
        return None
    person = pod.pm.hook.remote_person_for(diaspora_id=q, dbsession=dbsession, pod=pod)
    if person is None or dbsession.scalar(sa.select(Block.person_id).where(Block.user_id == viewer.id,
                                                                            Block.person_id == person.id)):
        return None
    return person


def _by_name(people) -> list[Person]:
    return sorted(people, key=lambda person: (person.name.lower(), person.diaspora_id))


def autocomplete_people(dbsession: Session, viewer: User, q: str) -> list[Person]:
    """For mentions: like search, contacts first, at most ten, never the viewer."""
    people = search_people(dbsession, viewer, q, limit=AUTOCOMPLETE_LIMIT * 3)
    return [person for person in people if person.id != viewer.person.id][:AUTOCOMPLETE_LIMIT]


def autocomplete_tags(dbsession: Session, q: str) -> list[str]:
    """Tag names starting with ``q`` (a leading '#' ignored), at most ten."""
    prefix = (q or "").strip().lstrip("#").lower()
    if not prefix:
        return []
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(dbsession.scalars(sa.select(Tag.name).where(Tag.name.like(escaped + "%", escape="\\"))
                                  .order_by(Tag.name).limit(AUTOCOMPLETE_LIMIT)))
