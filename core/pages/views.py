from __future__ import annotations

from pyramid.csrf import BadCSRFToken
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config, view_config

from ..security import TextWithNul


@view_config(route_name="home", request_method=("GET", "HEAD"))
def home(request):
    if request.user is not None:
        return HTTPFound(location=request.route_url("stream"))
    return request.registry.pod.pm.hook.landing_page(request=request)


@view_config(route_name="terms", request_method=("GET", "HEAD"), renderer="core:templates/pages/terms.pt")
def terms(request):
    pod = request.registry.pod
    found = pod.pm.hook.terms_of_service(pod=pod, locale=request.locale_name or "en")
    if found is None:
        raise HTTPNotFound()
    return {"page_title": found.title, "terms": found}


@forbidden_view_config(renderer="core:templates/pages/error.pt")
def forbidden(request):
    if request.user is None:
        return HTTPFound(location=request.route_url("sign_in", _query={"next": request.path_qs}))
    request.response.status = 403
    return {"page_title": "Not allowed", "message": "You don't have permission to see this page."}


@notfound_view_config(renderer="core:templates/pages/error.pt")
def not_found(request):
    request.response.status = 404
    return {"page_title": "Not found", "message": "There is nothing at this address."}


@exception_view_config(BadCSRFToken, renderer="core:templates/pages/error.pt")
def bad_csrf(request):
    request.response.status = 400
    return {"page_title": "Form expired",
            "message": "This form has expired or was not sent from this pod, so nothing was changed. "
                       "Go back, reload the page and try again."}


@exception_view_config(TextWithNul, renderer="core:templates/pages/error.pt")
def text_with_nul(request):
    request.response.status = 422
    return {"page_title": "Text not accepted",
            "message": "Text may not contain NUL characters, so nothing was changed. Go back, remove them and try again."}
