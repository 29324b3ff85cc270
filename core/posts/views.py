"""Views of posts; thin: the logic lives in services and interactions."""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..accounts.models import Person
from ..aspects.services import blocked_person_ids
from ..notifications.services import mark_read_for_target
from .interactions import InteractionService, visible_comment
from .models import Comment, Like, Poll
from .services import MAX_PHOTOS, Draft, PostError, PostService
from .visibility import visible_post

POST_PAGE = "core:templates/posts/post.pt"
NEW_POST_PAGE = "core:templates/posts/new.pt"
REPORT_PAGE = "core:templates/posts/report.pt"
ERROR_PAGE = "core:templates/pages/error.pt"


def posts(request) -> PostService:
    return PostService(request.dbsession, request.registry.pod)


def interactions(request) -> InteractionService:
    return InteractionService(request.dbsession, request.registry.pod)


def came_from(request, default: str) -> str:
    """Only same-pod paths are followed back."""
    target = request.params.get("came_from") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and parts.path != request.route_path("post_create"):
        return target
    return default


def refused(request, error: PostError):
    """The error page with the refusal's status; the transaction rolls back on it."""
    response = render_to_response(ERROR_PAGE, {"page_title": "That didn't work", "message": error.message},
                                  request=request)
    response.status = error.status
    return response


def post_or_404(request):
    post = visible_post(request.dbsession, request.user, request.matchdict["guid"])
    if post is None:
        raise HTTPNotFound()
    return post


def comment_or_404(request):
    comment = visible_comment(request.dbsession, request.user, request.matchdict["guid"])
    if comment is None:
        raise HTTPNotFound()
    return comment


def back_to(request, post, anchor: str = ""):
    default = request.route_url("post", guid=post.guid) + anchor
    return HTTPSeeOther(location=came_from(request, default))


# --- the composer ---------------------------------------------------------------

def uploaded_photos(request) -> list[tuple[bytes, str]]:
    files = request.POST.getall("photo")
    alts = request.POST.getall("photo_alt")
    photos = []
    for index, item in enumerate(files):
        # Read one byte past the limit: enough for the photo service to refuse it, never more.
        data = item.file.read(request.registry.pod.settings["photos.max_bytes"] + 1) if hasattr(item, "file") else b""
        if data:
            photos.append((data, alts[index] if index < len(alts) else ""))
    return photos


@view_config(route_name="post_create", request_method="GET", permission="use", renderer=NEW_POST_PAGE)
def new_post(request):
    return {"page_title": "New post", "error": None}


@view_config(route_name="post_create", request_method="POST", permission="use", renderer=NEW_POST_PAGE)
def create_post(request):
    form = request.POST
    draft = Draft(text=form.get("text", ""), visibility=form.get("visibility", "all_aspects"),
                  aspect_ids=form.getall("aspect_ids"), photos=uploaded_photos(request)[:MAX_PHOTOS + 1],
                  poll_question=form.get("poll_question", ""), poll_answers=form.get("poll_answers", ""),
                  location=form.get("location", ""))
    try:
        post = posts(request).create(request.user, draft, enqueue=request.enqueue)
    except PostError as exc:
        request.response.status = exc.status
        return {"page_title": "New post", "error": exc.message}
    request.registry.pod.pm.hook.composer_submitted(request=request, post=post)
    request.session.flash("Your post is shared." if draft.visibility == "public" else
                          "Your post is shared with your chosen aspects.")
    return HTTPSeeOther(location=came_from(request, request.route_url("stream")))


# --- the single-post page ---------------------------------------------------------

def post_page(request, post, error: str | None = None, status: int = 200):
    db = request.dbsession
    user = request.user
    blocked = blocked_person_ids(db, user.id) if user is not None else set()
    comments = [c for c in db.scalars(sa.select(Comment).where(Comment.post_id == post.id)
                                      .order_by(Comment.created_at, Comment.id)) if c.author_id not in blocked]
    likers = [person for person in db.scalars(sa.select(Person).join(Like, Like.author_id == Person.id)
                                              .where(Like.post_id == post.id).order_by(Like.created_at, Like.id))
              if person.id not in blocked]
    liked_comments = set()
    if user is not None and comments:
        liked_comments = set(db.scalars(sa.select(Like.comment_id).where(
            Like.author_id == user.person.id, Like.comment_id.in_([c.id for c in comments]))))
    poll = db.scalar(sa.select(Poll).where(Poll.post_id == post.id))
    my_vote = interactions(request).vote_of(user, poll) if poll is not None and user is not None else None
    values = {"page_title": f"Post by {post.author.name}", "post": post, "comments": comments,
              "likers": likers, "liked_comments": liked_comments, "poll": poll, "my_vote": my_vote,
              "can_vote": poll is not None and user is not None and my_vote is None,
              "poll_total": sum(a.vote_count for a in poll.answers) if poll is not None else 0,
              "error": error, "comment_text": request.POST.get("text", "") if error else ""}
    response = render_to_response(POST_PAGE, values, request=request)
    response.status = status
    return response


@view_config(route_name="post", request_method=("GET", "HEAD"))
def show_post(request):
    post = post_or_404(request)
    if request.user is not None:
        # Opening the post is reading what the notifications about it said.
        mark_read_for_target(request.dbsession, request.user.id, "Post", post.id)
    return post_page(request, post)


# --- interactions ---------------------------------------------------------------

@view_config(route_name="post_comment", request_method="POST", permission="use")
def comment(request):
    post = post_or_404(request)
    try:
        made = interactions(request).comment(request.user, post, request.POST.get("text", ""),
                                             enqueue=request.enqueue)
    except PostError as exc:
        return post_page(request, post, error=exc.message, status=exc.status)
    return HTTPSeeOther(location=request.route_url("post", guid=post.guid) + f"#comment-{made.guid}")


@view_config(route_name="comment_delete", request_method="POST", permission="use")
def delete_comment(request):
    comment = comment_or_404(request)
    post = comment.post
    try:
        interactions(request).delete_comment(request.user, comment, enqueue=request.enqueue)
    except PostError as exc:
        return refused(request, exc)
    request.session.flash("The comment is deleted.")
    return back_to(request, post, "#comments")


def act(request, action, target_of=post_or_404, anchor: str = ""):
    """Run ``action(service, user, target)`` and go back, or show why it was refused."""
    target = target_of(request)
    post = target.post if isinstance(target, Comment) else target
    try:
        action(interactions(request), request.user, target)
    except PostError as exc:
        return refused(request, exc)
    return back_to(request, post, anchor)


@view_config(route_name="post_like", request_method="POST", permission="use")
def like(request):
    return act(request, lambda s, u, p: s.like_post(u, p, enqueue=request.enqueue))


@view_config(route_name="post_unlike", request_method="POST", permission="use")
def unlike(request):
    return act(request, lambda s, u, p: s.unlike_post(u, p, enqueue=request.enqueue))


@view_config(route_name="comment_like", request_method="POST", permission="use")
def like_comment(request):
    return act(request, lambda s, u, c: s.like_comment(u, c, enqueue=request.enqueue), comment_or_404, "#comments")


@view_config(route_name="comment_unlike", request_method="POST", permission="use")
def unlike_comment(request):
    return act(request, lambda s, u, c: s.unlike_comment(u, c, enqueue=request.enqueue), comment_or_404, "#comments")


@view_config(route_name="post_reshare", request_method="POST", permission="use")
def reshare(request):
    post = post_or_404(request)
    try:
        made = interactions(request).reshare(request.user, post, request.POST.get("text", ""),
                                             enqueue=request.enqueue)
    except PostError as exc:
        return refused(request, exc)
    request.session.flash("You reshared the post.")
    return HTTPSeeOther(location=came_from(request, request.route_url("post", guid=made.guid)))


@view_config(route_name="post_vote", request_method="POST", permission="use")
def vote(request):
    return act(request, lambda s, u, p: s.vote(u, p, request.POST.get("answer_id"), enqueue=request.enqueue),
               anchor="#poll")


@view_config(route_name="post_hide", request_method="POST", permission="use")
def hide(request):
    post = post_or_404(request)
    interactions(request).hide(request.user, post)
    request.session.flash("The post is hidden from your streams.")
    return HTTPSeeOther(location=came_from(request, request.route_url("stream")))


@view_config(route_name="post_mute", request_method="POST", permission="use")
def mute(request):
    post = post_or_404(request)
    now_muted = interactions(request).toggle_mute(request.user, post)
    request.session.flash("You won't get notifications about this post." if now_muted else
                          "You'll get notifications about this post again.")
    return back_to(request, post)


@view_config(route_name="post_delete", request_method="POST", permission="use")
def delete_post(request):
    post = post_or_404(request)
    try:
        interactions(request).delete(request.user, post, enqueue=request.enqueue)
    except PostError as exc:
        return refused(request, exc)
    request.session.flash("Your post is deleted.")
    return HTTPSeeOther(location=request.route_url("stream"))


# --- reports --------------------------------------------------------------------

def report_page(request, item_type: str, target, post, error=None, status=200):
    action = request.route_url("post_report" if item_type == "Post" else "comment_report", guid=target.guid)
    own = target.author_id == request.user.person.id
    if own and error is None:
        error = f"You can't report your own {'post' if item_type == 'Post' else 'comment'}."
    values = {"page_title": "Report", "item_type": item_type, "target": target, "post": post, "own": own,
              "action": action, "error": error, "reason": request.POST.get("reason", "")}
    response = render_to_response(REPORT_PAGE, values, request=request)
    response.status = status
    return response


def report(request, item_type: str, target, post):
    if request.method != "POST":
        return report_page(request, item_type, target, post)
    try:
        interactions(request).report(request.user, item_type, target.id, request.POST.get("reason", ""),
                                     enqueue=request.enqueue)
    except PostError as exc:
        return report_page(request, item_type, target, post, error=exc.message, status=exc.status)
    request.session.flash("Thank you. The moderators will look at your report.")
    return HTTPSeeOther(location=request.route_url("post", guid=post.guid))


@view_config(route_name="post_report", request_method=("GET", "POST"), permission="use")
def report_post(request):
    post = post_or_404(request)
    return report(request, "Post", post, post)


@view_config(route_name="comment_report", request_method=("GET", "POST"), permission="use")
def report_comment(request):
    comment = comment_or_404(request)
    return report(request, "Comment", comment, comment.post)
