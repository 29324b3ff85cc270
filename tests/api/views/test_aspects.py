"""Aspects through the API (API_V1.md §6.1)."""
from __future__ import annotations

import datetime as dt

from tests.api.conftest import error, links

READ = "openid public:read contacts:read"
WRITE = "openid public:read contacts:read contacts:modify"
NOT_FOUND = "Aspect with provided ID could not be found"


def first_aspect(api, token) -> dict:
    return api.get("/aspects", token).json[0]


def test_list_gives_the_default_aspects_in_order(api):
    token = api.user("alice").token(READ)
    listed = api.get("/aspects", token).json
    assert [a["name"] for a in listed] == ["Family", "Friends", "Work", "Acquaintances"]
    assert [a["order"] for a in listed] == sorted(a["order"] for a in listed)
    assert set(listed[0]) == {"id", "name", "order"}


def test_list_pages_with_links(api):
    token = api.user("alice").token(READ)
    first = api.get("/aspects", token, params={"per_page": 1})
    assert [a["name"] for a in first.json] == ["Family"]
    assert "previous" not in links(first)
    second = api.get(links(first)["next"], token)
    assert [a["name"] for a in second.json] == ["Friends"]
    assert set(links(second)) == {"next", "previous"}
    last = api.get("/aspects", token, params={"per_page": 2, "page": 2})
    assert [a["name"] for a in last.json] == ["Work", "Acquaintances"]
    assert set(links(last)) == {"previous"}
    error(api.get("/aspects", token, params={"per_page": 0}), 422, "per_page must be a whole number from 1 to 100")


def test_list_shows_only_the_callers_aspects(api):
    alice, bob = api.users("alice", "bob")
    api.post("/aspects", bob.token(WRITE), params={"name": "Bob's own"})
    names = [a["name"] for a in api.get("/aspects", alice.token(READ)).json]
    assert "Bob's own" not in names


def test_show(api):
    token = api.user("alice").token(READ)
    listed = api.get("/aspects", token).json
    assert api.get(f"/aspects/{listed[1]['id']}", token).json == listed[1]


def test_show_unknown_foreign_or_junk_id_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(READ)
    theirs = first_aspect(api, bob.token(READ))["id"]
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999", "1.5"):
        error(api.get(f"/aspects/{ident}", token), 404, NOT_FOUND)


def test_create(api):
    token = api.user("alice").token(WRITE)
    created = api.post("/aspects", token, params={"name": "Cyclists"}, status=200).json
    assert created["name"] == "Cyclists"
    assert created["order"] == 4
    assert api.get(f"/aspects/{created['id']}", token).json == created
    assert api.get("/aspects", token).json[-1] == created


def test_create_accepts_a_json_body(api):
    token = api.user("alice").token(WRITE)
    assert api.post("/aspects", token, json_body={"name": "Runners"}).json["name"] == "Runners"


def test_create_refuses_missing_duplicate_long_or_mistyped_names(api):
    token = api.user("alice").token(WRITE)
    api.post("/aspects", token, params={"name": "Cyclists"})
    for given in ({}, {"name": ""}, {"name": "   "}, {"name": "cYcLiStS"}, {"name": "x" * 21}):
        error(api.post("/aspects", token, params=given), 422, "Failed to create the aspect")
    error(api.post("/aspects", token, json_body={"name": ["Runners"]}), 422, "Failed to create the aspect")
    error(api.post("/aspects", token, json_body={"name": {"a": "b"}}), 422, "Failed to create the aspect")
    assert len(api.get("/aspects", token).json) == 5


def test_a_name_of_twenty_characters_is_fine(api):
    token = api.user("alice").token(WRITE)
    assert api.post("/aspects", token, params={"name": "x" * 20}).json["name"] == "x" * 20


def test_update_name_and_order(api):
    token = api.user("alice").token(WRITE)
    aspect = first_aspect(api, token)
    updated = api.patch(f"/aspects/{aspect['id']}", token, params={"name": "Kin", "order": 7}).json
    assert updated == {"id": aspect["id"], "name": "Kin", "order": 7}
    assert api.get(f"/aspects/{aspect['id']}", token).json == updated
    assert api.get("/aspects", token).json[-1] == updated


def test_update_name_only_order_only_or_nothing(api):
    token = api.user("alice").token(WRITE)
    aspect = first_aspect(api, token)
    path = f"/aspects/{aspect['id']}"
    assert api.patch(path, token, params={"name": "Kin"}).json == {**aspect, "name": "Kin"}
    assert api.put(path, token, params={"order": 3}).json == {**aspect, "name": "Kin", "order": 3}
    assert api.patch(path, token).json == {**aspect, "name": "Kin", "order": 3}
    assert api.put(path, token, json_body={"name": "family"}).json["name"] == "family"


def test_update_unknown_aspect_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    theirs = first_aspect(api, bob.token(READ))["id"]
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999"):
        error(api.patch(f"/aspects/{ident}", token, params={"name": "Kin"}), 404, "Failed to update the aspect")
    assert api.get(f"/aspects/{theirs}", bob.token(READ)).json["name"] == "Family"


def test_update_refuses_a_duplicate_name_or_bad_values_and_changes_nothing(api):
    token = api.user("alice").token(WRITE)
    aspect = first_aspect(api, token)
    path = f"/aspects/{aspect['id']}"
    for given in ({"name": "friends", "order": 9}, {"name": ""}, {"name": "x" * 21}, {"order": "first"},
                  {"order": "99999999999999999999"}, {"name": "Kin", "order": "abc"}):
        error(api.patch(path, token, params=given), 422, "Failed to update the aspect")
    error(api.patch(path, token, json_body={"name": ["Kin"]}), 422, "Failed to update the aspect")
    error(api.patch(path, token, json_body={"order": [1]}), 422, "Failed to update the aspect")
    assert api.get(path, token).json == aspect


def test_delete(api):
    token = api.user("alice").token(WRITE)
    aspect = first_aspect(api, token)
    assert api.delete(f"/aspects/{aspect['id']}", token, status=204).body == b""
    error(api.get(f"/aspects/{aspect['id']}", token), 404, NOT_FOUND)
    assert len(api.get("/aspects", token).json) == 3


def test_delete_unknown_aspect_is_unprocessable(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    theirs = first_aspect(api, bob.token(READ))["id"]
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999"):
        error(api.delete(f"/aspects/{ident}", token), 422, "Failed to delete the aspect")
    assert api.get(f"/aspects/{theirs}", bob.token(READ)).status_int == 200


def test_deleting_the_only_aspect_holding_someone_stops_sharing(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    aspect = first_aspect(api, token)
    api.post(f"/aspects/{aspect['id']}/contacts", token, params={"person_guid": bob.guid}, status=204)
    assert api.get(f"/users/{bob.guid}", alice.token(WRITE + " profile")).json["relationship"]["receiving"] is True
    api.delete(f"/aspects/{aspect['id']}", token, status=204)
    assert api.get(f"/users/{bob.guid}", alice.token(WRITE + " profile")).json["relationship"]["receiving"] is False


def test_scopes(api):
    alice = api.user("alice")
    minimum = alice.token()
    read_only = alice.token(READ)
    aspect = first_aspect(api, read_only)
    path = f"/aspects/{aspect['id']}"
    error(api.get("/aspects", minimum), 403, "insufficient_scope")
    error(api.get(path, minimum), 403, "insufficient_scope")
    error(api.post("/aspects", read_only, params={"name": "Kin"}), 403, "insufficient_scope")
    error(api.patch(path, read_only, params={"name": "Kin"}), 403, "insufficient_scope")
    error(api.put(path, read_only, params={"name": "Kin"}), 403, "insufficient_scope")
    error(api.delete(path, read_only), 403, "insufficient_scope")
    error(api.get("/aspects"), 403, "Unauthorized user")
    assert api.get(path, read_only).json == aspect


def test_a_random_or_expired_token_is_refused(api):
    alice = api.user("alice")
    expired = alice.token(WRITE, expires_in=dt.timedelta(seconds=-1))
    for token in ("0" * 64, expired):
        for method, path in (("get", "/aspects"), ("get", "/aspects/1"), ("post", "/aspects"),
                             ("patch", "/aspects/1"), ("put", "/aspects/1"), ("delete", "/aspects/1")):
            response = getattr(api, method)(path, token)
            assert response.status_int == 401
            assert response.json["error"] == "invalid_token"
            assert "Bearer" in response.headers["WWW-Authenticate"]
