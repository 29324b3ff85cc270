"""Finding people and tags for the client API's search (API_V1.md §6.15).

Each function returns an ordered ``Select`` for the caller to page. People are found by name
or handle, or by a tag on their profile, then narrowed by contact filters. Closed accounts and
people the searcher blocked are never found.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import Person, Profile, User
from ..aspects.models import Aspect, Block, Contact
from ..posts.models import Tag
from ..streams.services import aspect_member_ids

CONTACT_FILTERS = {"contacts": "contacts", "contacts:receiving": "receiving", "contacts:sharing": "sharing"}
ASPECT_FILTER_PREFIX = "aspect:"
INVALID_FILTER = "Invalid filter"
INVALID_ASPECT_FILTER = "Invalid aspect filter"


class SearchError(ValueError):
    """A search the caller asked for wrongly; ``message`` is the API's text for it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PeopleFilter:
    """One ``filter`` value: ``contacts``, ``receiving``, ``sharing``, or ``aspects`` with ids."""

    kind: str
    aspect_ids: tuple[int, ...] = ()


def _matchable(text: str) -> bool:
    """Whether stored text could hold ``text`` at all: nothing stored holds a NUL (PostgreSQL
    refuses one even in a query), so such a query finds nobody."""
    return bool(text) and "\x00" not in text


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _aspect_filter(dbsession, user: User, ids_text: str) -> PeopleFilter:
    """``aspect:1,2``: members of any of these aspects, each of them the user's own."""
    ids = set()
    for raw in ids_text.split(","):
        raw = raw.strip()
        if not raw.isdigit() or not raw.isascii():
            raise SearchError(INVALID_ASPECT_FILTER)
        ids.add(int(raw))
    # Compared in Python: an id too large for the column must not reach the database.
    owned = set(dbsession.scalars(sa.select(Aspect.id).where(Aspect.user_id == user.id)))
    if not ids or not ids <= owned:
        raise SearchError(INVALID_ASPECT_FILTER)
    return PeopleFilter("aspects", tuple(sorted(ids)))


def parse_filters(dbsession, user: User, raw) -> list[PeopleFilter]:
    """The ``filter`` parameter (absent, one string, or a list of them) as filters."""
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise SearchError(INVALID_FILTER)
    filters = []
    for value in values:
        if value in CONTACT_FILTERS:
            filters.append(PeopleFilter(CONTACT_FILTERS[value]))
        elif value.startswith(ASPECT_FILTER_PREFIX):
            filters.append(_aspect_filter(dbsession, user, value[len(ASPECT_FILTER_PREFIX):]))
        else:
            raise SearchError(INVALID_FILTER)
    return filters


def _contact_ids(user: User, kind: str) -> sa.Select:
    query = sa.select(Contact.person_id).where(Contact.user_id == user.id)
    if kind == "receiving":
        query = query.where(Contact.receiving.is_(True))
    elif kind == "sharing":
        query = query.where(Contact.sharing.is_(True))
    return query


def _filtered(query: sa.Select, user: User, filters) -> sa.Select:
    """Several filters narrow together: a person must match every one."""
    for chosen in filters:
        if chosen.kind == "aspects":
            query = query.where(Person.id.in_(aspect_member_ids(user, chosen.aspect_ids)))
        else:
            query = query.where(Person.id.in_(_contact_ids(user, chosen.kind)))
    return query


def name_matches(query_text: str) -> sa.ColumnElement[bool]:
    """The full name holds the words in their order, or the handle starts with the query."""
    words = query_text.lower().split()
    full_name = sa.func.lower(Profile.first_name + " " + Profile.last_name)
    in_name = full_name.like("%" + "% %".join(_escape_like(word) for word in words) + "%", escape="\\")
    handle = sa.func.lower(Person.diaspora_id).like(_escape_like("".join(words)) + "%", escape="\\")
    return sa.or_(in_name, handle)


def tag_matches(tag_name: str) -> sa.ColumnElement[bool]:
    """The profile carries ``#tag_name`` among its tags (stored as ``#one #two``)."""
    padded = sa.func.lower(" " + Profile.tag_string + " ")
    return padded.like(f"% #{_escape_like(tag_name)} %", escape="\\")


def normalize_search_tag(raw: str) -> str:
    return (raw or "").strip().lstrip("#").strip().lower()


def people_query(user: User, *, name_or_handle: str | None = None, tag: str | None = None,
                 filters=(), include_contacts: bool = False) -> sa.Select:
    """People found by ``name_or_handle`` or by profile ``tag`` (give one), ordered by handle.

    Only searchable profiles are found; by name, ``include_contacts`` adds the user's contacts
    whose profiles are not searchable. A blank query finds nobody."""
    query = (sa.select(Person).join(Profile, Profile.person_id == Person.id)
             .where(Person.closed_at.is_(None),
                    Person.id.not_in(sa.select(Block.person_id).where(Block.user_id == user.id))))
    if tag is not None:
        name = normalize_search_tag(tag)
        query = query.where(tag_matches(name) if _matchable(name) else sa.false(), Profile.searchable.is_(True))
    else:
        text = (name_or_handle or "").strip()
        found = name_matches(text) if _matchable(text) else sa.false()
        visible = Profile.searchable.is_(True)
        if include_contacts:
            visible = sa.or_(visible, Person.id.in_(_contact_ids(user, "contacts")))
        query = query.where(found, visible)
    return _filtered(query, user, filters).order_by(Person.diaspora_id, Person.id)


def tag_names_query(prefix: str) -> sa.Select:
    """Names of the tags starting with ``prefix`` (a leading '#' ignored), alphabetically."""
    name = normalize_search_tag(prefix)
    if not _matchable(name):
        return sa.select(Tag.name).where(sa.false())
    return sa.select(Tag.name).where(Tag.name.like(_escape_like(name) + "%", escape="\\")).order_by(Tag.name)
