"""The API has diaspora*'s 63 endpoints (API_V1.md §1, §6), each with a view and its scopes."""
from __future__ import annotations

from pyramid.interfaces import IRoutesMapper

from core.api.auth import ENDPOINT_SCOPES

# (method, path) of every endpoint; a PATCH/PUT pair counts once, as PATCH.
ENDPOINTS = {
    ("GET", "/aspects"): ("contacts:read",), ("POST", "/aspects"): ("contacts:modify",),
    ("GET", "/aspects/{aspect_id}"): ("contacts:read",), ("PATCH", "/aspects/{aspect_id}"): ("contacts:modify",),
    ("DELETE", "/aspects/{aspect_id}"): ("contacts:modify",),
    ("GET", "/aspects/{aspect_id}/contacts"): ("contacts:read",),
    ("POST", "/aspects/{aspect_id}/contacts"): ("contacts:modify",),
    ("DELETE", "/aspects/{aspect_id}/contacts/{person_guid}"): ("contacts:modify",),
    ("GET", "/photos"): ("public:read",), ("POST", "/photos"): ("public:modify",),
    ("GET", "/photos/{photo_guid}"): ("public:read",), ("DELETE", "/photos/{photo_guid}"): ("public:modify",),
    ("GET", "/posts/{post_guid}"): ("public:read",), ("POST", "/posts"): ("public:modify",),
    ("DELETE", "/posts/{post_guid}"): ("public:modify",),
    ("GET", "/posts/{post_guid}/comments"): ("public:read",),
    ("POST", "/posts/{post_guid}/comments"): ("interactions", "public:read"),
    ("DELETE", "/posts/{post_guid}/comments/{comment_guid}"): ("interactions", "public:read"),
    ("POST", "/posts/{post_guid}/comments/{comment_guid}/report"): ("public:read",),
    ("GET", "/posts/{post_guid}/comments/{comment_guid}/likes"): ("public:read",),
    ("POST", "/posts/{post_guid}/comments/{comment_guid}/likes"): ("interactions", "public:read"),
    ("DELETE", "/posts/{post_guid}/comments/{comment_guid}/likes"): ("interactions", "public:read"),
    ("GET", "/posts/{post_guid}/likes"): ("public:read",),
    ("POST", "/posts/{post_guid}/likes"): ("interactions", "public:read"),
    ("DELETE", "/posts/{post_guid}/likes"): ("interactions", "public:read"),
    ("GET", "/posts/{post_guid}/reshares"): ("public:read",),
    ("POST", "/posts/{post_guid}/reshares"): ("public:modify",),
    **{("POST", f"/posts/{{post_guid}}/{action}"): ("interactions", "public:read")
       for action in ("subscribe", "mute", "hide", "report", "vote")},
    ("GET", "/conversations"): ("conversations",), ("POST", "/conversations"): ("conversations",),
    ("GET", "/conversations/{conversation_guid}"): ("conversations",),
    ("PATCH", "/conversations/{conversation_guid}"): ("conversations",),
    ("DELETE", "/conversations/{conversation_guid}"): ("conversations",),
    ("GET", "/conversations/{conversation_guid}/messages"): ("conversations",),
    ("POST", "/conversations/{conversation_guid}/messages"): ("conversations",),
    ("GET", "/notifications"): ("notifications",),
    ("GET", "/notifications/{notification_guid}"): ("notifications",),
    ("PATCH", "/notifications/{notification_guid}"): ("notifications",),
    ("GET", "/user"): ("profile",), ("PATCH", "/user"): ("profile:modify",),
    ("GET", "/users/{person_guid}"): ("profile",), ("GET", "/users/{person_guid}/contacts"): ("contacts:read",),
    ("GET", "/users/{person_guid}/photos"): ("public:read",), ("GET", "/users/{person_guid}/posts"): ("public:read",),
    ("POST", "/users/{person_guid}/block"): ("contacts:modify", "public:read"),
    ("DELETE", "/users/{person_guid}/block"): ("contacts:modify", "public:read"),
    ("GET", "/tag_followings"): ("tags:read",), ("POST", "/tag_followings"): ("tags:modify",),
    ("DELETE", "/tag_followings/{tag_name}"): ("tags:modify",),
    ("GET", "/search/users"): ("public:read",), ("GET", "/search/posts"): ("public:read",),
    ("GET", "/search/tags"): ("public:read",),
    ("GET", "/streams/main"): ("public:read",), ("GET", "/streams/activity"): ("public:read",),
    ("GET", "/streams/aspects"): ("contacts:read", "private:read", "public:read"),
    ("GET", "/streams/tags"): ("public:read", "tags:read"), ("GET", "/streams/mentions"): ("public:read",),
    ("GET", "/streams/liked"): ("public:read",), ("GET", "/streams/commented"): ("public:read",),
}
# PATCH and PUT both update these.
ALSO_PUT = {"/aspects/{aspect_id}", "/conversations/{conversation_guid}", "/notifications/{notification_guid}"}


def registered(app) -> dict[tuple[str, str], tuple[str, ...]]:
    patterns = {route.name: route.pattern for route in app.app.registry.getUtility(IRoutesMapper).get_routes()}
    return {(method, patterns[name].removeprefix("/api/v1")): tuple(sorted(scopes))
            for (name, method), scopes in ENDPOINT_SCOPES.items()}


def test_there_are_63_endpoints():
    assert len(ENDPOINTS) == 63


def test_every_endpoint_has_a_view_with_diasporas_scopes(app):
    found = registered(app)
    expected = {key: tuple(sorted(scopes)) for key, scopes in ENDPOINTS.items()}
    expected.update({("PUT", path): expected[("PATCH", path)] for path in ALSO_PUT})
    assert found == expected
