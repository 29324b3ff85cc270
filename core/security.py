"""Who is asking, what they may do, and the protections every response carries.

Sign-ins are rows in ``user_sessions`` (revocable, see accounts.services); the
cookie holds only a random token. A signed cookie session keeps CSRF tokens and
flash messages. Every POST form needs a valid CSRF token. Rate limits count in
memory for the embedded pod and in Redis when there is one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import limits
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.events import NewRequest, NewResponse
from pyramid.session import SignedCookieSessionFactory
from webob.cookies import make_cookie

from .accounts.services import SessionService

SESSION_COOKIE = "seedpod_signin"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SecurityPolicy:
    def identity(self, request):
        return request.user_session

    def authenticated_userid(self, request):
        session = request.user_session
        return session.user_id if session else None

    def effective_principals(self, request) -> list[str]:
        principals = [Everyone]
        session = request.user_session
        if session is not None:
            principals += [Authenticated, f"user:{session.user_id}"]
            principals += [f"role:{name}" for name in session.user.role_names]
        return principals

    def permits(self, request, context, permission):
        return ACLHelper().permits(context, self.effective_principals(request), permission)

    def remember(self, request, token, **kw):
        """Headers that give the browser the sign-in token of a new session."""
        max_age = request.registry.pod.settings["sessions.max_age_days"] * 86400
        secure = request.origin.startswith("https://")  # an http onion of an https pod too
        return [("Set-Cookie", make_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", secure=secure,
                                           httponly=True, samesite="lax"))]

    def forget(self, request, **kw):
        return [("Set-Cookie", make_cookie(SESSION_COOKIE, None, path="/"))]


def user_session(request):
    return SessionService(request.dbsession, request.registry.pod).lookup(request.cookies.get(SESSION_COOKIE))


def user(request):
    """The signed-in user; on /api/v1 the user of the bearer token, never the cookie's."""
    if request.path_info.startswith("/api/v1/"):
        from .api.errors import OAuthError

        try:
            token = request.api_token
        except OAuthError:
            return None
        return token.user if token is not None else None
    session = request.user_session
    return session.user if session is not None else None


class RootFactory:
    """Signed-in users may use the pod; admin pages need the admin role."""

    __acl__ = [
        ("Allow", Authenticated, "use"),
        ("Allow", "role:admin", "administer"),
        ("Allow", "role:moderator", "moderate"),
        ("Allow", "role:admin", "moderate"),
    ]

    def __init__(self, request):
        self.request = request


@dataclass
class RateLimiter:
    """Named limits ("5 per 15 minutes") counted per key in memory or Redis."""

    limiter: limits.strategies.RateLimiter
    rules: dict[str, limits.RateLimitItem]

    def allowed(self, name: str, key: str) -> bool:
        return self.limiter.test(self.rules[name], name, key)

    def hit(self, name: str, key: str) -> bool:
        return self.limiter.hit(self.rules[name], name, key)

    def wait_minutes(self, name: str, key: str) -> int:
        reset_at = self.limiter.get_window_stats(self.rules[name], name, key).reset_time
        seconds = max(0, reset_at - dt.datetime.now().timestamp())
        return max(1, int(seconds // 60) + 1)

    def clear(self, name: str, key: str) -> None:
        self.limiter.clear(self.rules[name], name, key)


RATE_LIMITS = ("sign_in_per_account", "sign_in_per_address", "sign_up_per_address", "password_reset_per_address",
               "receive_per_address")


def make_rate_limiter(pod) -> RateLimiter:
    if pod.settings["redis.url"]:
        storage = limits.storage.storage_from_string(
            pod.settings["redis.url"], key_prefix=f"{pod.settings['redis.namespace']}:limits")
    else:
        storage = limits.storage.MemoryStorage()
    rules = {}
    for name in RATE_LIMITS:
        setting = f"rate_limits.{name}"
        try:
            rules[name] = limits.parse(pod.settings[setting])
        except ValueError:
            from .pod import StartupError

            raise StartupError(f"setting {setting} is {pod.settings[setting]!r}; write it like '5 per 15 minutes'")
    return RateLimiter(limits.strategies.MovingWindowRateLimiter(storage), rules)


class TextWithNul(Exception):
    """A form or query carried a NUL character, which no text column stores (PostgreSQL refuses it)."""


def refuse_nul_characters(event: NewRequest) -> None:
    """Refuse NUL in any submitted text before a view sees it, so nothing is half-written.

    Machine endpoints answer in their own terms: the API with its JSON 422 (core.api.auth),
    federation's with its own refusals (/receive keeps what another pod sent, to judge it later).
    Uploaded files are binary and not looked at.
    """
    request = event.request
    if request.path_info.startswith(MACHINE_PATHS):
        return
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for source in sources:
        for key, value in source.items():
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                raise TextWithNul()


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MACHINE_PATHS = ("/api/", "/receive/", "/.well-known/", "/fetch/", "/hcard/", "/nodeinfo/")


# Directives a plugin may widen through ``extra_csp_sources``; scripts and styles stay our own.
WIDENABLE_DIRECTIVES = ("frame-src", "img-src", "media-src", "connect-src")


def content_security_policy(request) -> str:
    """The policy of one page: ours, plus the sources plugins ask for."""
    pod = getattr(request.registry, "pod", None)
    if pod is None or not pod.pm.hook.extra_csp_sources.get_hookimpls():
        return CONTENT_SECURITY_POLICY
    extra: dict[str, list[str]] = {}
    for answer in pod.pm.hook.extra_csp_sources(request=request):
        for directive, sources in (answer or {}).items():
            if directive in WIDENABLE_DIRECTIVES:
                allowed = [s for s in sources if s and ";" not in s and "," not in s]
                if allowed:
                    extra.setdefault(directive, []).extend(allowed)
    if not extra:
        return CONTENT_SECURITY_POLICY
    base = {"frame-src": ["'self'"], "img-src": ["'self'", "data:"], "media-src": ["'self'"],
            "connect-src": ["'self'"]}
    directives = [d for d in CONTENT_SECURITY_POLICY.split("; ") if d.split(" ", 1)[0] not in extra]
    directives += [" ".join([name, *dict.fromkeys(base[name] + sources)]) for name, sources in extra.items()]
    return "; ".join(directives)


def add_security_headers(event: NewResponse) -> None:
    headers = event.response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = content_security_policy(event.request)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")


def session_factory(secret: str):
    """Signed cookie sessions, Secure when the request's origin is https: a request to an http
    alternate origin (core.origins) must get a cookie its browser sends back."""
    options = dict(cookie_name="seedpod_session", httponly=True, samesite="Lax", timeout=None, reissue_time=None,
                   max_age=None)
    secure = SignedCookieSessionFactory(secret, secure=True, **options)
    plain = SignedCookieSessionFactory(secret, secure=False, **options)
    return lambda request: (secure if request.origin.startswith("https://") else plain)(request)


def includeme(config):
    pod = config.registry.pod
    config.set_session_factory(session_factory(pod.settings["secret"]))
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(SecurityPolicy())
    config.set_root_factory(RootFactory)
    config.add_request_method(user_session, reify=True)
    config.add_request_method(user, reify=True)
    config.registry.rate_limiter = make_rate_limiter(pod)
    config.add_request_method(lambda request: request.registry.rate_limiter, "rate_limiter", reify=True)
    config.add_subscriber(add_security_headers, NewResponse)
    config.add_subscriber(refuse_nul_characters, NewRequest)
