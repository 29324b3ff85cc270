"""The user's page under /p/crosspost_twitter/: connect an X account, see what was crossposted."""
from __future__ import annotations

import hmac

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from . import oauth, services

NAME = "crosspost_twitter"
TEMPLATE = f"plugins.{NAME}:templates/settings.pt"
SESSION_KEY = f"{NAME}.request_token"


def settings_page(request, error: str | None = None, status: int = 200):
    pod = request.registry.pod
    db = request.dbsession
    account = services.account_of(db, request.user.id)
    values = {"page_title": "X (Twitter)", "configured": oauth.configured(pod), "account": account,
              "tweets": services.recent_tweets(db, request.user.id) if account else [], "error": error}
    response = render_to_response(TEMPLATE, values, request=request)
    response.status = status
    return response


def show(request):
    return settings_page(request)


def connect(request):
    """First leg: a temporary token from X, its secret kept in the session, then off to X."""
    pod = request.registry.pod
    if not oauth.configured(pod):
        return settings_page(request, "Crossposting to X is not set up on this pod.", 400)
    try:
        token, secret = oauth.request_token(pod, request.route_url(f"{NAME}.callback"))
    except oauth.XError as exc:
        return settings_page(request, f"X did not let this pod start connecting your account ({exc}). "
                                      "Try again later.", 502)
    request.session[SESSION_KEY] = {"token": token, "secret": secret}
    return HTTPSeeOther(oauth.authorize_url(pod, token))


def callback(request):
    """Last leg: X sends the user back with the token they authorized and a verifier."""
    pod = request.registry.pod
    if not oauth.configured(pod):
        return settings_page(request, "Crossposting to X is not set up on this pod.", 400)
    started = request.session.pop(SESSION_KEY, None)  # one use only: a replayed answer finds nothing
    if request.GET.get("denied"):
        request.session.flash("You did not give this pod access to your X account; nothing changed.")
        return HTTPSeeOther(request.route_url(f"{NAME}.settings"))
    token, verifier = request.GET.get("oauth_token", ""), request.GET.get("oauth_verifier", "")
    if not token or not verifier:
        return settings_page(request, "The answer from X lacks its oauth_token or oauth_verifier. "
                                      "Connect again.", 400)
    if not isinstance(started, dict) or not started.get("token"):
        return settings_page(request, "This answer from X was already used, or no connection was started "
                                      "in this browser. Connect again.", 400)
    if not hmac.compare_digest(str(started["token"]).encode(), token.encode()):
        return settings_page(request, "This answer from X is not for the connection you started. "
                                      "Connect again.", 400)
    try:
        access = oauth.access_token(pod, token, str(started.get("secret", "")), verifier)
    except oauth.XError as exc:
        return settings_page(request, f"X refused to connect your account ({exc}). Connect again.", 502)
    services.save_account(request.dbsession, request.user.id, access)
    # Tweets that waited for this (after X refused the old tokens) go out now.
    from .jobs import delete_tweet, send_tweet

    to_send, to_delete = services.due_for_user(request.dbsession, request.user.id)
    for post_id in to_send:
        request.enqueue(send_tweet, post_id)
    for guid in to_delete:
        request.enqueue(delete_tweet, guid)
    request.session.flash(f"Your X account @{access.screen_name} is connected.")
    return HTTPSeeOther(request.route_url(f"{NAME}.settings"))


def disconnect(request):
    if services.disconnect(request.dbsession, request.user.id):
        request.session.flash("Your X account is disconnected: this pod no longer holds its keys.")
    return HTTPSeeOther(request.route_url(f"{NAME}.settings"))


def add_routes(config) -> None:
    config.add_route(f"{NAME}.settings", "/")
    config.add_route(f"{NAME}.connect", "/connect")
    config.add_route(f"{NAME}.callback", "/callback")
    config.add_route(f"{NAME}.disconnect", "/disconnect")
    config.add_view(show, route_name=f"{NAME}.settings", request_method="GET", permission="use")
    config.add_view(connect, route_name=f"{NAME}.connect", request_method="POST", permission="use")
    config.add_view(callback, route_name=f"{NAME}.callback", request_method="GET", permission="use")
    config.add_view(disconnect, route_name=f"{NAME}.disconnect", request_method="POST", permission="use")
    config.add_static_view("static", f"plugins.{NAME}:static/")
