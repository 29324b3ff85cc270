"""Search: people, posts by tag, tag names (API_V1.md §6.15)."""
from __future__ import annotations

from ...people import search
from ...posts.models import Post
from ...streams.services import public_only, tag_stream_named
from .. import params as p
from ..auth import api_view, has_scope
from ..errors import ApiError
from ..paging import page_of, time_page
from ..presenters.people import short_profile
from ..presenters.posts import present_posts


@api_view(route_name="api.search_users", request_method="GET", scopes=("public:read",))
def search_users(request):
    """By ``name_or_handle`` or by profile ``tag``, maybe narrowed by contact filters. The
    parameters are checked before the filters' need for contacts:read, as diaspora* does."""
    given = p.params(request)
    if "tag" in given and "name_or_handle" in given:
        raise ApiError(422, "Parameters tag and name_or_handle are exclusive")
    tag = p.text(given.get("tag"))
    name_or_handle = p.text(given.get("name_or_handle"))
    if tag is None and name_or_handle is None:
        raise ApiError(422, "Missing parameter tag or name_or_handle")
    try:
        filters = search.parse_filters(request.dbsession, request.user, given.get("filter"))
    except search.SearchError as exc:
        raise ApiError(422, exc.message) from None
    reads_contacts = has_scope(request, "contacts:read")
    if filters and not reads_contacts:
        raise ApiError(403, "insufficient_scope")
    query = search.people_query(request.user, name_or_handle=name_or_handle, tag=tag, filters=filters,
                                include_contacts=reads_contacts)
    return [short_profile(request, person) for person in page_of(request, request.dbsession, query)]


@api_view(route_name="api.search_posts", request_method="GET", scopes=("public:read",))
def search_posts(request):
    """Posts with the tag the caller may see, newest first; limited ones need private:read."""
    tag = p.text(p.required(request, "tag"))
    if tag is None:
        raise ApiError(422, "param is missing or the value is empty: tag")
    query = tag_stream_named(request.dbsession, request.user, tag)
    if not has_scope(request, "private:read"):
        query = public_only(query)
    posts = time_page(request, request.dbsession, query, Post.created_at, Post.id)
    return present_posts(request, posts)


@api_view(route_name="api.search_tags", request_method="GET", scopes=("public:read",))
def search_tags(request):
    prefix = p.text(p.required(request, "query"))
    if prefix is None:
        raise ApiError(422, "param is missing or the value is empty: query")
    return page_of(request, request.dbsession, search.tag_names_query(prefix))
