"""Spotlight and getting-started pages."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..posts.viewer import prime_post_viewers
from ..streams import services as streams
from ..streams.views import stream_page
from .services import NEWHERE, GettingStarted, spotlight_stream

# Spotlight posts shown under the getting-started steps.
WELCOME_POSTS = 5


@view_config(route_name="spotlight", request_method=("GET", "HEAD"), permission="use",
             renderer="core:templates/community/spotlight.pt")
def spotlight(request):
    return stream_page(request, "spotlight", "Community spotlight", spotlight_stream(request.user), composer=False,
                       empty="Nobody is in the spotlight yet. The pod's admins pick people worth following "
                             "by giving them the spotlight role.")


@view_config(route_name="getting_started", request_method=("GET", "HEAD"), permission="use",
             renderer="core:templates/community/getting_started.pt")
def getting_started(request):
    user = request.user
    if not user.getting_started:
        return HTTPSeeOther(location=request.route_url("stream"))
    steps = GettingStarted(request.dbsession, request.registry.pod).steps(user)
    posts = streams.page_of(request.dbsession, spotlight_stream(user), None, per_page=WELCOME_POSTS).items
    prime_post_viewers(request, posts)
    return {"page_title": "Getting started", "steps": {step.key: step for step in steps}, "order": steps,
            "done_count": sum(step.done for step in steps), "posts": posts, "composer_text": f"#{NEWHERE} "}


@view_config(route_name="getting_started_done", request_method="POST", permission="use")
def getting_started_done(request):
    GettingStarted(request.dbsession, request.registry.pod).finish(request.user)
    request.session.flash("Welcome aboard! You can always find people and tags with the search box.")
    return HTTPSeeOther(location=request.route_url("stream"))
