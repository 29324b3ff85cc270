"""Account pages. Each view reads the form, calls a service and picks a page."""
from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..admin import registrations
from ..mail import queue_email
from .services import AccountError, AccountService, SessionService


def accounts(request) -> AccountService:
    return AccountService(request.dbsession, request.registry.pod)


def sessions(request) -> SessionService:
    return SessionService(request.dbsession, request.registry.pod)


def safe_next(request, default: str = "/stream") -> str:
    """Only same-pod paths are followed after sign-in."""
    target = request.params.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


def sign_in_and_redirect(request, user, location: str):
    token = sessions(request).start(user, request.client_addr or "", request.user_agent or "")
    return HTTPSeeOther(location=location, headers=remember(request, token))


def failed(request, status: int, **values):
    request.response.status = status
    return values


# --- sign-up ------------------------------------------------------------------
# settings.registrations decides what the form does: `open` makes the account, `approval`
# holds it for an admin (core.admin.registrations), `closed` shows no form. A valid invite
# link makes the account whatever the setting says.

def sign_up_page(request, **values):
    mode = registrations.mode(request.registry.pod)
    page = {"page_title": "Sign up", "mode": mode, "registrations_open": mode != registrations.CLOSED,
            "invite": None, "invite_error": None, "note_max": registrations.NOTE_MAX_LENGTH,
            "error": None, "field": None, "values": {}}
    page.update(values)
    if page["invite"] or page["invite_error"]:
        page["registrations_open"] = page["invite"] is not None
    return page


def invite_token(request) -> str | None:
    """The invite token sent with the form or the link, if any."""
    token = request.POST.get("invite") if request.method == "POST" else request.GET.get("invite")
    return token if token else None


@view_config(route_name="sign_up", request_method="GET", renderer="core:templates/accounts/sign_up.pt")
def sign_up_form(request):
    if request.user is not None:
        return HTTPFound(location=request.route_url("stream"))
    token = invite_token(request)
    if token is not None:
        try:
            registrations.usable_invite(request.dbsession, token)
        except registrations.RegistrationError as exc:
            return failed(request, 410, **sign_up_page(request, invite_error=exc.message))
        return sign_up_page(request, invite=token)
    return sign_up_page(request)


@view_config(route_name="sign_up", request_method="POST", renderer="core:templates/accounts/sign_up.pt")
def sign_up(request):
    pod = request.registry.pod
    values = {"username": request.POST.get("username", ""), "email": request.POST.get("email", ""),
              "note": request.POST.get("note", "")}
    token = invite_token(request)
    if token is not None:
        try:
            registrations.usable_invite(request.dbsession, token)
        except registrations.RegistrationError as exc:
            return failed(request, 410, **sign_up_page(request, invite_error=exc.message))
    elif registrations.mode(pod) == registrations.CLOSED:
        return failed(request, 403, **sign_up_page(request, error="This pod is not accepting new accounts."))
    page = {"values": values, "invite": token}
    address = request.client_addr or ""
    limiter = request.rate_limiter
    if not limiter.hit("sign_up_per_address", address):
        minutes = limiter.wait_minutes("sign_up_per_address", address)
        return failed(request, 429, **sign_up_page(
            request, **page, error=f"Too many sign-ups from your address. Try again in {minutes} minutes."))
    password = request.POST.get("password", "")
    if password != request.POST.get("password_confirmation", password):
        return failed(request, 422, **sign_up_page(
            request, **page, field="password_confirmation", error="The password and its confirmation differ."))
    try:
        if token is not None:
            user = registrations.sign_up_with_invite(request.dbsession, pod, token, values["username"],
                                                     values["email"], password)
        elif registrations.mode(pod) == registrations.APPROVAL:
            waiting = registrations.request_sign_up(request.dbsession, pod, values["username"], values["email"],
                                                    password, values["note"])
            tell_admins_of_sign_up(request, waiting)
            request.session.flash(f"Thank you, {waiting.username}. Your request to join {pod.name} is waiting for "
                                  f"an administrator's approval; we will write to {waiting.email} when it is decided.")
            return HTTPSeeOther(location=request.route_url("sign_in"))
        else:
            user = accounts(request).sign_up(values["username"], values["email"], password)
    except AccountError as exc:
        return failed(request, 422, **sign_up_page(request, **page, error=exc.message, field=exc.field))
    request.session.flash(f"Welcome, {user.username}! Your diaspora* ID is {user.diaspora_id}.")
    return sign_in_and_redirect(request, user, request.route_url("getting_started"))


def tell_admins_of_sign_up(request, waiting) -> None:
    pod = request.registry.pod
    note = f"\nTheir note:\n\n{waiting.note}\n" if waiting.note else "\nThey left no note.\n"
    body = (f"{waiting.username} ({waiting.email}) asks to join {pod.name}.\n{note}\n"
            f"Approve or reject the request at {pod.url + request.route_path('admin_sign_ups')}\n")
    for address in registrations.admin_addresses(request.dbsession):
        queue_email(request, address, f"Sign-up waiting for approval on {pod.name}: {waiting.username}", body)


# --- sign-in and sign-out ---------------------------------------------------------

def sign_in_page(request, **values):
    return {"page_title": "Sign in", "error": None, "login": "", "next": request.params.get("next", ""), **values}


@view_config(route_name="sign_in", request_method="GET", renderer="core:templates/accounts/sign_in.pt")
def sign_in_form(request):
    if request.user is not None:
        return HTTPFound(location=safe_next(request))
    return sign_in_page(request)


@view_config(route_name="sign_in", request_method="POST", renderer="core:templates/accounts/sign_in.pt")
def sign_in(request):
    login = request.POST.get("login", "").strip().lower()
    address = request.client_addr or ""
    limiter = request.rate_limiter
    # Count per account, not per spelling: the username and the email address share one budget.
    known = accounts(request).by_login(login)
    account_key = f"user:{known.id}" if known is not None else f"login:{login}"
    for rule, key, whose in (("sign_in_per_account", account_key, "this account"),
                             ("sign_in_per_address", address, "your address")):
        if not limiter.allowed(rule, key):
            minutes = limiter.wait_minutes(rule, key)
            return failed(request, 429, **sign_in_page(
                request, login=login, error=f"Too many failed sign-ins for {whose}. Try again in {minutes} minutes."))
    try:
        user = accounts(request).authenticate(login, request.POST.get("password", ""))
    except AccountError as exc:
        limiter.hit("sign_in_per_account", account_key)
        limiter.hit("sign_in_per_address", address)
        return failed(request, 401, **sign_in_page(request, login=login, error=exc.message))
    limiter.clear("sign_in_per_account", account_key)
    return sign_in_and_redirect(request, user, safe_next(request))


@view_config(route_name="sign_out", request_method="POST")
def sign_out(request):
    sessions(request).end(request.cookies.get("seedpod_signin", ""))
    return HTTPSeeOther(location=request.route_url("home"), headers=forget(request))


# --- password reset -------------------------------------------------------------

@view_config(route_name="password_new", request_method="GET", renderer="core:templates/accounts/password_new.pt")
def password_new_form(request):
    return {"page_title": "Forgot your password?", "error": None, "sent": False, "email": ""}


@view_config(route_name="password_new", request_method="POST", renderer="core:templates/accounts/password_new.pt")
def password_new(request):
    email = request.POST.get("email", "")
    page = {"page_title": "Forgot your password?", "error": None, "sent": False, "email": email}
    address = request.client_addr or ""
    if not request.rate_limiter.hit("password_reset_per_address", address):
        minutes = request.rate_limiter.wait_minutes("password_reset_per_address", address)
        return failed(request, 429, **{**page, "error": f"Too many reset requests. Try again in {minutes} minutes."})
    try:
        found = accounts(request).start_password_reset(email)
    except AccountError as exc:
        return failed(request, 422, **{**page, "error": exc.message})
    if found is not None:
        user, token = found
        pod = request.registry.pod
        # Links in mail use the pod's public URL, whatever host the request came through.
        link = pod.url + request.route_path("password_edit", _query={"reset_password_token": token})
        queue_email(request, user.email, f"Reset your password on {pod.name}", (
            f"Hello {user.username},\n\nSomeone asked to reset the password of your account on {pod.name}.\n"
            f"To choose a new password, open this link within six hours:\n\n{link}\n\n"
            "If it wasn't you, ignore this mail: your password stays as it is.\n"))
    # The same answer whether or not the address has an account: it tells nobody who is here.
    return {**page, "sent": True}


def reset_page(request, token: str, **values):
    return {"page_title": "Choose a new password", "token": token, "error": None, "field": None, **values}


@view_config(route_name="password_edit", request_method="GET", renderer="core:templates/accounts/password_edit.pt")
def password_edit_form(request):
    token = request.params.get("reset_password_token", "")
    try:
        accounts(request).user_for_reset_token(token)
    except AccountError as exc:
        return failed(request, 400, **reset_page(request, token, error=exc.message, invalid=True))
    return reset_page(request, token, invalid=False)


@view_config(route_name="password_edit", request_method="POST", renderer="core:templates/accounts/password_edit.pt")
def password_edit(request):
    token = request.POST.get("reset_password_token", "")
    try:
        user = accounts(request).reset_password(token, request.POST.get("password", ""),
                                                request.POST.get("password_confirmation", ""))
    except AccountError as exc:
        invalid = exc.field is None
        return failed(request, 400 if invalid else 422,
                      **reset_page(request, token, error=exc.message, field=exc.field, invalid=invalid))
    request.session.flash("Your password was changed; every other sign-in was ended.")
    return sign_in_and_redirect(request, user, request.route_url("stream"))


# --- account settings -------------------------------------------------------------

def settings_page(request, **values):
    return {"page_title": "Account settings", "error": None, "field": None, "form": None,
            "pending_email": accounts(request).pending_email(request.user),
            "sessions": sessions(request).of(request.user), "current_session": request.user_session, **values}


@view_config(route_name="account_settings", request_method="GET", permission="use",
             renderer="core:templates/accounts/settings.pt")
def settings_form(request):
    return settings_page(request)


@view_config(route_name="account_email", request_method="POST", permission="use",
             renderer="core:templates/accounts/settings.pt")
def change_email(request):
    user = request.user
    try:
        token = accounts(request).request_email_change(user, request.POST.get("current_password", ""),
                                                       request.POST.get("email", ""))
    except AccountError as exc:
        return failed(request, 422, **settings_page(request, error=exc.message, field=exc.field, form="email"))
    pod = request.registry.pod
    new_email = accounts(request).pending_email(user)
    link = pod.url + request.route_path("account_confirm_email", _query={"token": token})
    queue_email(request, new_email, f"Confirm your new email address on {pod.name}", (
        f"Hello {user.username},\n\nTo use this address for your account on {pod.name}, open this link "
        f"within two days:\n\n{link}\n\nIf you did not ask for this, ignore this mail.\n"))
    queue_email(request, user.email, f"Your email address on {pod.name} is about to change", (
        f"Hello {user.username},\n\nSomeone signed in to your account on {pod.name} asked to change its "
        f"email address to {new_email}. It changes only once that address confirms it.\n"
        "If it wasn't you, sign in and change your password now.\n"))
    request.session.flash(f"We sent a confirmation link to {new_email}; your address changes when you open it.")
    return HTTPSeeOther(location=request.route_url("account_settings"))


@view_config(route_name="account_confirm_email", request_method="GET", renderer="core:templates/pages/error.pt")
def confirm_email(request):
    try:
        user = accounts(request).confirm_email_change(request.params.get("token", ""))
    except AccountError as exc:
        return failed(request, 400, page_title="Email address not changed", message=exc.message)
    request.session.flash(f"Your email address is now {user.email}.")
    target = "account_settings" if request.user is not None else "sign_in"
    return HTTPSeeOther(location=request.route_url(target))


@view_config(route_name="account_password", request_method="POST", permission="use",
             renderer="core:templates/accounts/settings.pt")
def change_password(request):
    try:
        accounts(request).change_password(request.user, request.POST.get("current_password", ""),
                                          request.POST.get("password", ""),
                                          request.POST.get("password_confirmation", ""))
    except AccountError as exc:
        return failed(request, 422, **settings_page(request, error=exc.message, field=exc.field, form="password"))
    sessions(request).revoke_all(request.user, keep=request.user_session)
    request.session.flash("Your password was changed; you were signed out everywhere else.")
    return HTTPSeeOther(location=request.route_url("account_settings"))


@view_config(route_name="account_sign_out_everywhere", request_method="POST", permission="use")
def sign_out_everywhere(request):
    sessions(request).revoke_all(request.user)
    request.session.flash("You were signed out everywhere, including here.")
    return HTTPSeeOther(location=request.route_url("sign_in"), headers=forget(request))
