"""Closing one's own account: the confirmation page."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config

from .closing import close_account
from .services import AccountError, AccountService

TEMPLATE = "core:templates/accounts/close.pt"


def close_page(request, **values):
    return {"page_title": "Close your account", "error": None, **values}


@view_config(route_name="account_close", request_method="GET", permission="use", renderer=TEMPLATE)
def close_form(request):
    return close_page(request)


@view_config(route_name="account_close", request_method="POST", permission="use", renderer=TEMPLATE)
def close(request):
    """The password confirms it; a wrong one changes nothing."""
    user = request.user
    pod = request.registry.pod
    password = request.POST.get("current_password", "")
    try:
        if "\x00" in password:
            raise AccountError("Your current password is wrong.", "current_password")
        AccountService(request.dbsession, pod).verify(user, password)
    except AccountError as exc:
        request.response.status = 422
        return close_page(request, error=exc.message)
    username = user.username
    close_account(request.dbsession, pod, user, request.enqueue)
    request.session.flash(f"The account {username} is closed and what it held is removed. Goodbye!")
    return HTTPSeeOther(location=request.route_url("home"), headers=forget(request))
