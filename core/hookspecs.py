"""Every hook a Seedpod plugin can implement, each with its contract.

Naming tells the semantics: ``register_*`` collects a list from every plugin;
``on_*`` is an event whose return value is ignored; ``*_for`` and single nouns are
``firstresult`` (the first plugin to answer wins). Core's own behaviour is written
as ``trylast`` hookimpls in :mod:`core.defaults`, so a plugin overrides it simply
by answering. docs/plugins.md documents each hook under its exact signature.
"""
from __future__ import annotations

import pluggy

PROJECT = "seedpod"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_settings(pod):
    """Declare the plugin's settings.

    Return a list of :class:`core.settings.Setting`, each named with the plugin's
    name as prefix (``terms.jurisdiction``). Values are read from the ini file and
    the environment like core's and are available as ``pod.settings[name]``.
    Called once while the pod is configured, for enabled plugins only.
    """


@hookspec
def register_routes(config, pod):
    """Add the plugin's routes and views to the Pyramid ``config``.

    Every route a plugin adds is mounted under ``/p/<plugin name>``: a route with
    pattern ``/settings`` answers at ``/p/<plugin name>/settings``. Use
    ``config.add_route`` and ``config.add_view`` (or ``config.scan`` of the plugin's
    views module). Called once while the pod is configured; return nothing.
    """


@hookspec
def settings_menu(request, scope):
    """Entries for a settings menu.

    ``scope`` is ``"user"`` (the account settings pages) or ``"admin"``. Return a
    list of :class:`core.theming.MenuItem` (label and URL) or None; entries of all
    plugins are shown after core's.
    """


@hookspec
def render_slot(request, slot, context):
    """HTML for a named slot of a page.

    Layouts and core templates call ``render_slot`` at fixed places: ``head``,
    ``header``, ``footer``, ``sign_up_form``, ``stream_top``, ``settings_page``,
    ``admin_dashboard`` (on ``/admin``, for admins only), and ``composer_options`` (inside the composer's form, above its button; the context holds
    ``user``; the fields added there reach ``composer_submitted``).
    ``context`` is a dict of what the page shows. Return safe HTML as a ``str`` (use
    ``markupsafe.escape`` for any text that came from a user) or None; the fragments
    of all plugins are shown in plugin order.
    """


@hookspec
def extra_template_vars(request, template_name):
    """Extra variables for a template.

    ``template_name`` is the asset spec of the template being rendered
    (``core:templates/stream.pt``). Return a dict (merged into the template's
    variables, core's own names win) or None.
    """


@hookspec
def extra_assets(request, template_name):
    """Stylesheets and scripts to add to a page.

    Return a list of :class:`core.theming.Asset` (a URL and ``kind`` ``"css"`` or
    ``"js"``) or None. Scripts must be served by the pod: the Content-Security-Policy
    allows no other origin. The ``plain`` theme leaves out every script.
    """


@hookspec
def register_themes(pod):
    """Offer themes.

    Return a list of :class:`core.theming.Theme`: a name and a directory holding
    ``templates/`` (overriding core's templates by the same relative path) and
    ``static/`` (served at ``/static/theme/``). The ``theme`` setting picks one.
    """


@hookspec(firstresult=True)
def landing_page(request):
    """The page a visitor who is not signed in sees at ``/``.

    Return a Pyramid response, or None to let the next plugin (and finally core's
    plain page) answer. Signed-in users are sent to their stream before this hook
    is called.
    """


@hookspec(firstresult=True)
def terms_of_service(pod, locale):
    """The pod's terms of service.

    ``locale`` is the reader's language (``"en"``). Return a
    :class:`core.theming.Terms` (title and sanitised HTML body) or None. When no
    plugin answers, ``/terms`` is a 404 and sign-up mentions no terms.
    """


@hookspec
def register_jobs(pod):
    """Background jobs of the plugin.

    Return a list of functions decorated with :func:`core.jobs.job`. Each runs in a
    worker with a :class:`core.jobs.JobContext` as first argument, inside its own
    transaction; its other arguments must be JSON-serialisable. Jobs are sent with
    ``request.enqueue(fn, *args)`` and only after the sending transaction commits.
    """


@hookspec
def register_periodic_jobs(pod):
    """Jobs to run every so often.

    Return a list of :class:`core.jobs.Periodic` (a registered job and an interval
    in seconds). However many workers run, each periodic job is sent once per
    interval: workers claim it through the database.
    """


@hookspec
def register_migrations(pod):
    """The plugin's alembic migrations.

    Return the path of a directory of alembic revisions whose first revision has
    ``branch_labels = ("<plugin name>",)`` and ``depends_on = "core"``.
    ``seedpod db upgrade`` applies the heads of core and of every enabled plugin.
    """


@hookspec
def register_commands(cli):
    """Add commands to the ``seedpod`` command line.

    ``cli`` is the ``click.Group`` of ``seedpod``; add one group named after the
    plugin (``cli.add_command(group)``). Commands get the pod with
    ``core.cli.context.pass_pod``.
    """


@hookspec
def on_startup(pod):
    """The pod has been configured, in a web process or a worker.

    Called once per process after configuration, before any request or job. Return
    nothing. Raise to refuse to start, with a message that says what to fix.
    """


# --- posts: rendering and the composer ----------------------------------------------------

@hookspec
def filter_post_html(post, fragment, request):
    """Change the HTML of a post's or comment's text before it is shown.

    ``post`` is the ``Post`` or ``Comment`` being shown; ``fragment`` is its text already
    rendered from Markdown and sanitised (a ``str`` of HTML), including the changes of the
    plugins called before. Return the new fragment, or None to leave it as it is. Anything
    you add is shown as it is: escape text with ``markupsafe.escape`` and never pass on HTML
    that came from outside the pod. Called for every plugin, in plugin order, each time a
    page shows the text; keep it fast and never make a network request here.
    """


@hookspec(firstresult=True)
def embed_for_url(url, request, item):
    """A card or player for a link in a post or comment, shown below its text.

    Core calls this once for each distinct ``http(s)`` link of the text of ``item`` (the
    ``Post`` or ``Comment`` being shown), in the order they appear. Return safe HTML (a
    ``markupsafe.Markup``) or None to let the next plugin answer; with no answer the link
    stays a plain link. Called while a page renders: never make a network request here
    (fetch in a job and cache in the database), and never return HTML that came from outside
    the pod.
    """


@hookspec
def extra_csp_sources(request):
    """Origins to add to the page's Content-Security-Policy.

    Return a dict from a directive (``"frame-src"``, ``"img-src"``, ``"media-src"``,
    ``"connect-src"``) to a list of sources (``"https://www.youtube-nocookie.com"``), or
    None. ``script-src`` and ``style-src`` are never widened: scripts and styles must be
    served by the pod.
    """


@hookspec
def composer_submitted(request, post):
    """A post was just written from the composer.

    Called for every plugin inside the request's transaction, after ``post`` (the new
    ``Post``) and its visibility are stored and before the event that federates it is
    dispatched. ``request.POST`` holds the form, including the fields the plugin added to
    the ``composer_options`` slot. Write your own rows with ``request.dbsession`` (they
    commit or roll back with the post); send jobs with ``request.enqueue``. Return nothing.
    Raising refuses the post with a server error: check the form and ignore what is wrong
    instead.
    """


# --- importing content ----------------------------------------------------------------

@hookspec
def register_importers(pod):
    """Importers of posts from elsewhere (a blog, an archive of another network).

    Return a list of :class:`core.importers.Importer`. Each is offered on the user's
    "Import posts" page (``/import``) and by ``seedpod import``; core runs it in a job,
    records every item it yields, skips what an earlier run imported, and shows progress.
    """


# --- the pod's addresses ------------------------------------------------------------------

@hookspec
def alternate_origins(pod):
    """Other origins the pod answers on besides its ``url`` (an onion service address).

    Return a list of origins (``"http://abc...xyz.onion"``) or None. A request whose host is
    one of them gets links, redirects and cookies for that origin instead of the pod's main
    URL. Federation keeps using the main URL: identities never change origin.
    """


@hookspec
def register_checks(pod):
    """Checks of the plugin for ``seedpod doctor``.

    Return a list of functions, each taking the ``pod`` and returning a
    :class:`core.cli.doctor.Result` (``name``, ``ok``, ``message``): name it after the plugin
    (``"tor_onion.control_port"``) and say in the message what to fix when it fails. A check
    that raises is reported as failed with the exception. Called only by ``seedpod doctor``.
    """


# --- federation: discovery and outbound HTTP ---------------------------------------------

@hookspec(firstresult=True)
def http_transport_for(url, purpose, pod):
    """A transport for one outbound request of the pod, or None for the default.

    Every request another pod gets from us (WebFinger, hCard, fetch, delivery, NodeInfo)
    goes through :mod:`core.federation.http`, which asks this hook before each request and
    each redirect hop. ``url`` is the full URL, ``purpose`` says why (``"webfinger"``,
    ``"hcard"``, ``"fetch"``, ``"deliver"``, ``"nodeinfo"``). Return a
    ``requests.adapters.BaseAdapter`` (mounted for that URL's origin) or a
    ``requests.Session``-like object whose ``request(method, url, **kwargs)`` carries the
    request itself (e.g. through a SOCKS proxy for ``.onion`` hosts; it is called with
    ``allow_redirects=False`` and ``stream=True`` and returns an unread ``requests.Response``).
    A returned transport decides where the connection goes, so the private-address check
    is then its responsibility; the https rule, timeouts, size limit and redirect limit
    still apply.
    Return None to leave the URL to the next plugin and finally to core's direct transport.
    """


@hookspec(firstresult=True)
def remote_person_for(diaspora_id, dbsession, pod):
    """The Person with this diaspora ID on another pod, looked up over the network if needed.

    Domain packages (people search, mentions) call this instead of importing federation.
    ``diaspora_id`` is what the user typed (``alice@example.org``, maybe with ``acct:``);
    ``dbsession`` is the caller's session, in which a newly discovered Person is added.
    Return a ``core.accounts.models.Person`` or None when nobody could be found. Core's
    ``trylast`` implementation (in ``core.federation.hooks``) runs WebFinger and hCard
    discovery and answers None when it fails.
    """


# --- events (core/events): what local users did, after commit ---------------------

@hookspec
def on_post_published(event, pod):
    """A local user published a post: a status message or a reshare.

    ``event.payload`` is ``{"post_id": int}``: the new ``Post``'s id (its ``type`` says
    which kind).

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_post_deleted(event, pod):
    """A local user deleted one of their posts.

    ``event.payload`` is ``{"guid": str, "author_id": int, "type": "StatusMessage" |
    "Reshare", "public": bool}``, captured before the deletion: the post itself is gone when
    the hook runs.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_comment_created(event, pod):
    """A local user commented on a post.

    ``event.payload`` is ``{"comment_id": int}``.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_comment_deleted(event, pod):
    """A local user deleted a comment: their own, or one on their post.

    ``event.payload`` is ``{"guid": str, "author_id": int, "post_guid": str,
    "deleted_by_id": int}``: the comment and its author's person id, the post it was on, and
    the person id of who deleted it. The comment is gone when the hook runs.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_like_created(event, pod):
    """A local user liked a post or a comment.

    ``event.payload`` is ``{"like_id": int}`` (the ``Like``'s ``target_type`` is ``"Post"``
    or ``"Comment"``).

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_like_deleted(event, pod):
    """A local user took back a like.

    ``event.payload`` is ``{"guid": str, "author_id": int, "target_type": "Post" |
    "Comment", "post_guid": str}``: ``post_guid`` is the liked post, or the post of the
    liked comment. The like is gone when the hook runs.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_poll_voted(event, pod):
    """A local user answered a poll.

    ``event.payload`` is ``{"poll_participation_id": int}``.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_contact_changed(event, pod):
    """A local user's stance towards a person changed: they started or stopped sharing with
    them, or blocked or unblocked them.

    ``event.payload`` is ``{"user_id": int, "person_id": int, "sharing": bool, "blocking":
    bool}``: the stance after the change (``sharing``: the user shares with the person, i.e.
    has them in an aspect). Sent only when one of the two actually changed; the person may
    be local or remote.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_profile_updated(event, pod):
    """A local user changed their profile or avatar.

    ``event.payload`` is ``{"person_id": int}``.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_conversation_started(event, pod):
    """A local user started a conversation (with its first message).

    ``event.payload`` is ``{"conversation_id": int}``.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_message_sent(event, pod):
    """A local user replied in a conversation.

    ``event.payload`` is ``{"message_id": int}``. The first message of a conversation comes
    with ``on_conversation_started`` instead.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_account_closed(event, pod):
    """A local user's account was closed.

    ``event.payload`` is ``{"person_id": int, "diaspora_id": str}``.

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """


@hookspec
def on_account_migrated(event, pod):
    """An identity moved to another one (diaspora*'s ``account_migration``): a local user
    imported the archive of their old account and the move was sent, or a move was received
    and applied here (contacts now point at the new identity, the old one is closed; an old
    account of this pod is also locked).

    ``event.payload`` is ``{"person_id": int, "old_diaspora_id": str}``: ``person_id`` is the
    new identity's person on this pod (local when the archive was imported here, remote when
    the move was received).

    Runs in a job after the change committed, never in the request. ``event`` is a
    :class:`core.events.EventData` (``id``, ``name``, ``payload``, ``created_at``), never an
    ORM object: load what you need by id and expect it may be gone by now. Be idempotent:
    after a failure, or a crash, the event is dispatched again. Raising makes the dispatch
    fail and be retried later; the return value is ignored.
    """
