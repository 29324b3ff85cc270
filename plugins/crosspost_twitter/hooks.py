"""crosspost_twitter: every hookimpl of the plugin.

Off until the podmin sets the consumer key and secret of their X app: until then the
composer, the events and the sweep do nothing, and the settings page says so.
"""
from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from core.events.services import dispatch_context
from core.hookspecs import hookimpl
from core.settings import Setting
from core.theming import Asset, MenuItem

from . import jobs, oauth, services

NAME = "crosspost_twitter"
FIELD = NAME


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.consumer_key", "", "API key (consumer key) of the pod's X app, from developer.x.com; "
                                            "empty turns crossposting off."),
        Setting(f"{NAME}.consumer_secret", "", "API key secret (consumer secret) of the pod's X app.", secret=True),
        Setting(f"{NAME}.api_url", "https://api.twitter.com", "Base URL of the X API and its OAuth endpoints."),
        Setting(f"{NAME}.upload_url", "https://upload.twitter.com", "Base URL of X's media upload API."),
    ]


@hookimpl
def register_routes(config, pod):
    from .views import add_routes

    add_routes(config)


@hookimpl
def register_migrations(pod):
    return Path(__file__).parent / "migrations"


@hookimpl
def register_jobs(pod):
    return jobs.JOBS


@hookimpl
def register_periodic_jobs(pod):
    return jobs.PERIODIC


@hookimpl
def settings_menu(request, scope):
    if scope == "user":
        return [MenuItem("X (Twitter)", request.route_url(f"{NAME}.settings"))]
    return None


def _connected_account(request):
    if request.user is None or not oauth.configured(request.registry.pod):
        return None
    return services.account_of(request.dbsession, request.user.id)


@hookimpl
def render_slot(request, slot, context):
    if slot != "composer_options":
        return None
    account = _connected_account(request)
    if account is None:
        return None
    return Markup(
        '<div class="crosspost-twitter" data-crosspost-twitter>'
        '<label><input type="checkbox" name="{field}" value="1" data-testid="crosspost-twitter"> '
        'Also post to X (@{name})</label>'
        '<p class="hint" data-crosspost-twitter-hint>Only public posts are sent to X.</p>'
        '</div>').format(field=FIELD, name=account.screen_name)


@hookimpl
def extra_assets(request, template_name):
    if request.user is None or not oauth.configured(request.registry.pod):
        return None
    return [Asset(request.static_url(f"plugins.{NAME}:static/composer.js"), "js")]


@hookimpl
def composer_submitted(request, post):
    # Only public posts, whatever the form says: a forged field on a limited post is ignored.
    if not request.POST.get(FIELD) or not oauth.configured(request.registry.pod):
        return
    services.want_crosspost(request.dbsession, request.user, post)


@hookimpl
def on_post_published(event, pod):
    if not oauth.configured(pod):
        return
    ctx = dispatch_context()
    post_id = event.payload["post_id"]
    if ctx is not None and services.pending_post(ctx.dbsession, post_id):
        ctx.enqueue(jobs.send_tweet, post_id)


@hookimpl
def on_post_deleted(event, pod):
    if not oauth.configured(pod):
        return
    ctx = dispatch_context()
    guid = event.payload["guid"]
    if ctx is not None and services.post_deleted(ctx.dbsession, guid):
        ctx.enqueue(jobs.delete_tweet, guid)
