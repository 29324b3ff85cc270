"""Personal access tokens in the user's settings: for scripts, and for the pod's own tests and
benchmarks. A token is shown once, on the page that answers its creation; the pod keeps only
its hash, so a lost token is revoked and replaced, never shown again."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .scopes import ALWAYS, SCOPES
from .tokens import NAME_MAX, TokenError, TokenService

TEMPLATE = "core:templates/api/tokens.pt"


def tokens_page(request, **values) -> dict:
    """The list of live personal tokens and the form for a new one."""
    return {"page_title": "Personal access tokens", "scopes": SCOPES, "always": ALWAYS, "name_max": NAME_MAX,
            "tokens": TokenService(request.dbsession).personal_tokens(request.user),
            "error": None, "created": None, "secret": None, "name": "", "chosen": (), **values}


@view_config(route_name="api_tokens", request_method="GET", permission="use", renderer=TEMPLATE)
def list_tokens(request):
    return tokens_page(request)


@view_config(route_name="api_tokens", request_method="POST", permission="use", renderer=TEMPLATE)
def create_token(request):
    name = request.POST.get("name", "")
    chosen = request.POST.getall("scope")
    try:
        token, secret = TokenService(request.dbsession).create_personal(request.user, name, chosen)
    except TokenError as exc:
        request.response.status = 422
        return tokens_page(request, error=str(exc), name=name, chosen=chosen)
    # Rendered, not redirected: the secret must not travel through the session or a URL.
    request.response.headers["Cache-Control"] = "no-store"
    return tokens_page(request, created=token, secret=secret)


@view_config(route_name="api_token_revoke", request_method="POST", permission="use", renderer=TEMPLATE)
def revoke_token(request):
    token_id = request.matchdict["token_id"]
    revoked = token_id.isdigit() and len(token_id) < 12 and TokenService(request.dbsession).revoke_personal(
        request.user, int(token_id))
    if not revoked:
        request.response.status = 404
        return tokens_page(request, error="There is no such token among yours.")
    request.session.flash("The token was revoked: it no longer works.")
    return HTTPSeeOther(location=request.route_url("api_tokens"))


def includeme(config):
    config.add_route("api_tokens", "/user/tokens")
    config.add_route("api_token_revoke", "/user/tokens/{token_id}/revoke")
    config.scan(__name__)
