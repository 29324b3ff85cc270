"""The caller's own profile through the API (API_V1.md §6.12)."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Profile
from core.events.models import Event
from tests.api.conftest import error

READ = "openid public:read profile"
WRITE = "openid public:read profile profile:modify"
FAILED = "Failed to update the user settings"


def profile_of(api, caller) -> Profile:
    with api.session() as s:
        profile = s.get(Profile, caller.person_id)
        s.expunge(profile)
        return profile


def profile_events(api, caller) -> int:
    with api.session() as s:
        return sum(1 for e in s.scalars(sa.select(Event).where(Event.name == "profile_updated"))
                   if e.payload.get("person_id") == caller.person_id)


def test_show_a_fresh_profile(api):
    alice = api.user("alice")
    shown = api.get("/user", alice.token(READ)).json
    assert shown == {"guid": alice.guid, "diaspora_id": alice.diaspora_id, "tags": [], "gender": "",
                     "location": "", "bio": "", "searchable": True, "show_profile_info": False, "nsfw": False}


def test_update_everything(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    given = {"name": "Alice Liddell", "bio": "Down the *rabbit* hole", "birthday": "1990-04-23",
             "gender": "girl", "location": "Oxford", "searchable": "false", "show_profile_info": "true",
             "nsfw": "true", "tags[]": ["rabbits", "#Tea"]}
    shown = api.patch("/user", token, params=given).json
    assert shown == {"guid": alice.guid, "diaspora_id": alice.diaspora_id, "name": "Alice Liddell",
                     "tags": ["rabbits", "tea"], "birthday": "1990-04-23", "gender": "girl", "location": "Oxford",
                     "bio": "Down the *rabbit* hole", "searchable": False, "show_profile_info": True, "nsfw": True}
    assert api.get("/user", token).json == shown
    profile = profile_of(api, alice)
    # The name is the first name; the last name is cleared, as diaspora* does.
    assert (profile.first_name, profile.last_name, profile.public_details) == ("Alice Liddell", "", True)


def test_update_with_a_json_body(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    shown = api.patch("/user", token, json_body={"tags": ["one", "two", "three", "four", "five"],
                                                   "searchable": False, "nsfw": True}).json
    assert shown["tags"] == ["one", "two", "three", "four", "five"]
    assert (shown["searchable"], shown["nsfw"]) == (False, True)


def test_a_partial_update_keeps_the_rest(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    api.patch("/user", token, params={"name": "Alice", "location": "Oxford", "tags[]": ["tea"],
                                      "birthday": "1990-04-23", "show_profile_info": "true"})
    with api.session() as s:
        s.get(Profile, alice.person_id).last_name = "Liddell"
    shown = api.patch("/user", token, params={"bio": "Curious"}).json
    assert (shown["name"], shown["location"], shown["tags"], shown["birthday"], shown["bio"]) == (
        "Alice Liddell", "Oxford", ["tea"], "1990-04-23", "Curious")
    assert shown["show_profile_info"] is True and shown["searchable"] is True


def test_the_birthday_can_be_cleared(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    api.patch("/user", token, params={"birthday": "1990-04-23"})
    shown = api.patch("/user", token, params={"birthday": ""}).json
    assert "birthday" not in shown


def test_unknown_keys_and_the_guid_are_ignored(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    shown = api.patch("/user", token, params={"guid": "x" * 20, "color": "blue", "location": "Oxford"}).json
    assert shown["guid"] == alice.guid
    assert shown["location"] == "Oxford"
    assert "color" not in shown
    assert api.patch("/user", token, params={"unknown": "1"}).json == shown


def test_an_update_records_the_profile_change_for_federation(api):
    alice = api.user("alice")
    before = profile_events(api, alice)
    api.patch("/user", alice.token(WRITE), params={"bio": "Curious"})
    assert profile_events(api, alice) == before + 1


def test_an_id_key_too_many_tags_or_bad_values_fail_and_change_nothing(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    api.patch("/user", token, params={"location": "Oxford"})
    before = api.get("/user", token).json
    refused = [
        {"id": "5", "location": "Paris"},
        {"tags[]": ["a", "b", "c", "d", "e", "f"], "location": "Paris"},
        {"birthday": "23/04/1990"},
        {"birthday": "3000-01-01"},
        {"name": "x" * 33},
        {"tags[]": ["not a tag"]},
        {"searchable": "perhaps"},
        {"bio": "x" * 5001},
    ]
    for given in refused:
        error(api.patch("/user", token, params=given), 422, FAILED)
    for body in ({"bio": ["a", "list"]}, {"name": {"first": "Alice"}}, {"tags": "#a #b"},
                 {"tags": [["nested"]]}, {"nsfw": "maybe"}, {"id": 1}):
        error(api.patch("/user", token, json_body=body), 422, FAILED)
    assert api.get("/user", token).json == before


def test_an_avatar_is_shown_in_four_sizes(api):
    alice = api.user("alice")
    with api.session() as s:
        profile = s.get(Profile, alice.person_id)
        profile.image_url = "/uploads/images/thumb_large_a.png"
        profile.image_url_medium = "/uploads/images/thumb_medium_a.png"
        profile.image_url_small = "/uploads/images/thumb_small_a.png"
    avatar = api.get("/user", alice.token(READ)).json["avatar"]
    assert set(avatar) == {"small", "medium", "large", "raw"}
    assert avatar["small"].startswith("http") and avatar["small"].endswith("/uploads/images/thumb_small_a.png")
    assert avatar["large"] == avatar["raw"]


def test_scopes(api):
    alice = api.user("alice")
    error(api.get("/user", alice.token()), 403, "insufficient_scope")
    error(api.patch("/user", alice.token(READ), params={"location": "Paris"}), 403, "insufficient_scope")
    assert api.patch("/user", alice.token("openid public:read profile:modify"),
                     params={"location": "Paris"}).json["location"] == "Paris"
    error(api.get("/user"), 403, "Unauthorized user")
    assert api.get("/user", alice.token(READ)).json["location"] == "Paris"


def test_put_is_not_an_endpoint(api):
    alice = api.user("alice")
    response = api.put("/user", alice.token(WRITE), params={"location": "Paris"})
    assert response.status_int in (404, 405)
    assert api.get("/user", alice.token(READ)).json["location"] == ""


def test_a_random_token_is_refused(api):
    for method in ("get", "patch"):
        response = getattr(api, method)("/user", "a" * 64)
        assert response.status_int == 401
        assert response.json["error"] == "invalid_token"
