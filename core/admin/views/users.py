"""/admin/users: find accounts, see what one wrote lately, lock, close, grant and revoke roles."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...accounts.models import ROLES, User
from ...accounts.services import AccountService, SessionService
from ..users import UserAdmin, UserAdminError, recent_comments, recent_posts, search


def _cursor(request, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _target(request) -> User:
    username = request.matchdict["username"]
    if "\x00" in username or len(username) > 64:
        raise HTTPNotFound()
    user = AccountService(request.dbsession, request.registry.pod).by_username(username)
    if user is None:
        raise HTTPNotFound()
    return user


def _admin(request) -> UserAdmin:
    return UserAdmin(request.dbsession, request.registry.pod, request.user)


@view_config(route_name="admin_users", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/users.pt")
def users(request):
    query = request.GET.get("q", "")
    try:
        found, next_before = search(request.dbsession, query, _cursor(request, "before"))
    except UserAdminError as exc:
        request.response.status = exc.status
        return {"page_title": "Users", "q": "", "users": [], "next_before": None, "error": exc.message}
    return {"page_title": "Users", "q": query.strip(), "users": found, "next_before": next_before, "error": None}


def user_page(request, user: User, error: str | None = None, status: int = 200) -> dict:
    request.response.status = status
    dbsession = request.dbsession
    return {"page_title": f"User {user.username}", "user": user, "roles": ROLES, "error": error,
            "is_me": user.id == request.user.id,
            "sessions": len(SessionService(dbsession, request.registry.pod).of(user)),
            "posts": recent_posts(dbsession, user), "comments": recent_comments(dbsession, user)}


def _done(request, user: User, message: str):
    request.session.flash(message)
    return HTTPSeeOther(location=request.route_url("admin_user", username=user.username))


@view_config(route_name="admin_user", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/user.pt")
def user(request):
    return user_page(request, _target(request))


@view_config(route_name="admin_user_lock", request_method="POST", permission="administer",
             renderer="core:templates/admin/user.pt")
def lock(request):
    user = _target(request)
    try:
        changed = _admin(request).set_locked(user, True)
    except UserAdminError as exc:
        return user_page(request, user, exc.message, exc.status)
    return _done(request, user, f"Locked {user.username}: they are signed out everywhere and can't sign in."
                 if changed else f"{user.username} was already locked.")


@view_config(route_name="admin_user_unlock", request_method="POST", permission="administer",
             renderer="core:templates/admin/user.pt")
def unlock(request):
    user = _target(request)
    try:
        changed = _admin(request).set_locked(user, False)
    except UserAdminError as exc:
        return user_page(request, user, exc.message, exc.status)
    return _done(request, user, f"Unlocked {user.username}: they can sign in again."
                 if changed else f"{user.username} was not locked.")


@view_config(route_name="admin_user_close", request_method="POST", permission="administer",
             renderer="core:templates/admin/user.pt")
def close(request):
    user = _target(request)
    try:
        _admin(request).check_close(user, request.POST.get("confirm", ""))
    except UserAdminError as exc:
        return user_page(request, user, exc.message, exc.status)
    from ...accounts.closing import close_account

    close_account(request.dbsession, request.registry.pod, user, request.enqueue)
    return _done(request, user, f"Closed {user.username}'s account: their content is being removed and other pods "
                                f"are told. The username {user.username} stays reserved.")


@view_config(route_name="admin_user_roles", request_method="POST", permission="administer",
             renderer="core:templates/admin/user.pt")
def roles(request):
    user = _target(request)
    role, action = request.POST.get("role", ""), request.POST.get("action", "")
    try:
        changed = _admin(request).change_role(user, role, action)
    except UserAdminError as exc:
        return user_page(request, user, exc.message, exc.status)
    if action == "grant":
        message = (f"Granted the {role} role to {user.username}." if changed
                   else f"{user.username} already has the {role} role.")
    else:
        message = (f"Revoked the {role} role from {user.username}." if changed
                   else f"{user.username} doesn't have the {role} role.")
    return _done(request, user, message)
