"""Stream pages. Each view picks a query from services and hands a page of it to a template."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..posts.models import Post
from ..posts.viewer import prime_post_viewers
from . import services
from .services import StreamError, TagService

# The streams menu: (route, label), in diaspora*'s order.
MENU = (
    ("stream", "Stream"),
    ("aspects_stream", "My aspects"),
    ("activity", "My activity"),
    ("mentions", "@Mentions"),
    ("followed_tags", "#Followed tags"),
    ("liked", "Liked"),
    ("commented", "Commented"),
    ("public", "Public"),
)


def tags(request) -> TagService:
    return TagService(request.dbsession, request.registry.pod)


def older_url(request, cursor: str | None) -> str | None:
    """This page's address with ``max`` moved on to ``cursor``, keeping its other parameters."""
    if cursor is None:
        return None
    params = [(key, value) for key, value in request.GET.items() if key != "max"] + [("max", cursor)]
    return request.current_route_path(_query=params)


def page_values(name: str, title: str, **values) -> dict:
    """What every stream template reads, empty."""
    return {"page_title": title, "stream_name": name, "menu_items": MENU, "posts": [], "older_url": None,
            "error": None, "composer": False, "empty": "", **values}


def refused(request, message: str, name: str, title: str, **values) -> dict:
    """The page again, without posts, with status 400 and what was wrong."""
    request.response.status = 400
    return page_values(name, title, error=message, **values)


def stream_page(request, name: str, title: str, query, by=Post.created_at, **values) -> dict:
    """A page of ``query`` from the ``max`` cursor on; a broken cursor answers 400 with a message."""
    try:
        found = services.page_of(request.dbsession, query, request.GET.get("max"), by=by)
    except StreamError as exc:
        return refused(request, exc.message, name, title, **values)
    prime_post_viewers(request, found.items)
    return page_values(name, title, **values, posts=found.items, older_url=older_url(request, found.next_cursor))


@view_config(route_name="stream", permission="use", renderer="core:templates/streams/stream.pt")
def stream(request):
    return stream_page(request, "stream", "Stream", services.main_stream(request.user), composer=True,
                       empty="Your stream is empty for now. Posts from the people in your aspects, the tags you "
                             "follow, posts mentioning you and your own posts will show here.")


@view_config(route_name="aspects_stream", permission="use", renderer="core:templates/streams/aspects.pt")
def aspects_stream(request):
    try:
        chosen = services.chosen_aspect_ids(request.user, request.GET.getall("a"))
    except StreamError as exc:
        return refused(request, exc.message, "aspects_stream", "My aspects", chosen=set())
    return stream_page(request, "aspects_stream", "My aspects", services.aspects_stream(request.user, chosen),
                       chosen=set(chosen or ()), composer=True,
                       empty="No posts from these aspects yet.")


@view_config(route_name="activity", permission="use", renderer="core:templates/streams/stream.pt")
def activity(request):
    return stream_page(request, "activity", "My activity", services.activity_stream(request.user),
                       by=Post.interacted_at, composer=False,
                       empty="Posts you write, comment on, like or reshare will show here, latest activity first.")


@view_config(route_name="mentions", permission="use", renderer="core:templates/streams/stream.pt")
def mentions(request):
    return stream_page(request, "mentions", "@Mentions", services.mentions_stream(request.user), composer=False,
                       empty="Nobody has mentioned you in a post yet.")


@view_config(route_name="followed_tags", request_method="GET", permission="use",
             renderer="core:templates/streams/followed_tags.pt")
def followed_tags(request):
    return stream_page(request, "followed_tags", "#Followed tags", services.followed_tags_stream(request.user),
                       composer=True, followed=tags(request).followed(request.user), tag_value="",
                       empty="No posts with the tags you follow yet.")


@view_config(route_name="followed_tags", request_method="POST", permission="use",
             renderer="core:templates/streams/followed_tags.pt")
def follow_tag_by_name(request):
    """The followed-tags page's "Follow a tag" form: a name typed in, with or without '#'."""
    typed = request.POST.get("name", "")
    try:
        name = tags(request).follow(request.user, typed).name
    except StreamError as exc:
        return refused(request, exc.message, "followed_tags", "#Followed tags",
                       followed=tags(request).followed(request.user), tag_value=typed)
    request.session.flash(f"You follow #{name} now.")
    return HTTPSeeOther(location=request.route_path("followed_tags"))


@view_config(route_name="public", renderer="core:templates/streams/stream.pt")
def public(request):
    return stream_page(request, "public", "Public", services.public_stream(request.user),
                       composer=request.user is not None, empty="Nobody has posted publicly yet.")


@view_config(route_name="liked", permission="use", renderer="core:templates/streams/stream.pt")
def liked(request):
    return stream_page(request, "liked", "Liked", services.liked_stream(request.user), composer=False,
                       empty="Posts you like will show here.")


@view_config(route_name="commented", permission="use", renderer="core:templates/streams/stream.pt")
def commented(request):
    return stream_page(request, "commented", "Commented", services.commented_stream(request.user),
                       composer=False, empty="Posts you comment on will show here.")


# --- tags ----------------------------------------------------------------------------------

TAG_REFUSED = {"tag_name": None, "following": False}


@view_config(route_name="tag", renderer="core:templates/streams/tag.pt")
def tag(request):
    try:
        name = services.normalize_tag_name(request.matchdict["name"])
    except StreamError as exc:
        return refused(request, exc.message, "tag", "Tag", **TAG_REFUSED)
    following = request.user is not None and tags(request).follows(request.user, name)
    query = services.tag_stream(request.user, tags(request).find(name))
    return stream_page(request, "tag", f"#{name}", query, tag_name=name,
                       following=following, composer=request.user is not None,
                       empty=f"Nobody has posted with #{name} yet.")


def back_to(request, default: str) -> str:
    """Where a tag form sends the user: its same-pod ``came_from``, else ``default``."""
    target = request.POST.get("came_from", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return default


@view_config(route_name="tag_follow", request_method="POST", permission="use",
             renderer="core:templates/streams/tag.pt")
def tag_follow(request):
    try:
        name = tags(request).follow(request.user, request.matchdict["name"]).name
    except StreamError as exc:
        return refused(request, exc.message, "tag", "Tag", **TAG_REFUSED)
    request.session.flash(f"You follow #{name} now.")
    return HTTPSeeOther(location=back_to(request, request.route_path("tag", name=name)))


@view_config(route_name="tag_unfollow", request_method="POST", permission="use",
             renderer="core:templates/streams/tag.pt")
def tag_unfollow(request):
    try:
        name = tags(request).unfollow(request.user, request.matchdict["name"])
    except StreamError as exc:
        return refused(request, exc.message, "tag", "Tag", **TAG_REFUSED)
    request.session.flash(f"You no longer follow #{name}.")
    return HTTPSeeOther(location=back_to(request, request.route_path("tag", name=name)))
