"""Who is in an aspect, through the API (API_V1.md §6.2): adding someone starts sharing."""
from __future__ import annotations

from core.accounts.models import Person
from core.aspects.services import contact_for
from core.people.services import ProfileService
from tests.api.conftest import error, links

READ = "openid public:read contacts:read"
WRITE = "openid public:read contacts:read contacts:modify"
NOT_FOUND = "Aspect with provided ID could not be found"
NOT_MEMBER = "Aspect or contact on aspect not found"


def aspect_ids(api, token) -> list[int]:
    return [a["id"] for a in api.get("/aspects", token).json]


def members(api, token, aspect_id, **params) -> list[str]:
    return [p["guid"] for p in api.get(f"/aspects/{aspect_id}/contacts", token, params=params).json]


def stance(api, owner, person) -> tuple[bool, bool] | None:
    """(sharing, receiving) of ``owner``'s contact for ``person``."""
    with api.session() as s:
        contact = contact_for(s, owner.id, person.person_id)
        return None if contact is None else (contact.sharing, contact.receiving)


def name(api, caller, first, last=""):
    with api.session() as s:
        ProfileService(s, api.pod).change(caller.user(s), {"first_name": first, "last_name": last})


def test_add_lists_and_starts_sharing(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    assert members(api, token, family) == []
    response = api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}, status=204)
    assert response.body == b""
    listed = api.get(f"/aspects/{family}/contacts", token).json
    assert listed == [{"guid": bob.guid, "diaspora_id": bob.diaspora_id, "name": bob.diaspora_id}]
    assert stance(api, alice, bob) == (False, True)
    assert stance(api, bob, alice) == (True, False)


def test_add_accepts_a_json_body(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    api.post(f"/aspects/{family}/contacts", token, json_body={"person_guid": bob.guid}, status=204)
    assert members(api, token, family) == [bob.guid]


def test_members_are_listed_by_name_and_paged(api):
    alice, bob, carol, dave = api.users("alice", "bob", "carol", "dave")
    name(api, bob, "Zed")
    name(api, carol, "Anna", "Smith")
    name(api, dave, "Anna", "Jones")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    for person in (bob, carol, dave):
        api.post(f"/aspects/{family}/contacts", token, params={"person_guid": person.guid}, status=204)
    assert members(api, token, family) == [dave.guid, carol.guid, bob.guid]
    first = api.get(f"/aspects/{family}/contacts", token, params={"per_page": 1})
    assert [p["guid"] for p in first.json] == [dave.guid]
    assert "next" in links(first) and "previous" not in links(first)
    assert [p["guid"] for p in api.get(links(first)["next"], token).json] == [carol.guid]
    assert members(api, token, family, per_page=2, page=2) == [bob.guid]
    assert [p["name"] for p in api.get(f"/aspects/{family}/contacts", token).json] == [
        "Anna Jones", "Anna Smith", "Zed"]


def test_listing_someone_elses_unknown_or_junk_aspect_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    theirs = aspect_ids(api, bob.token(READ))[0]
    token = alice.token(READ)
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999"):
        error(api.get(f"/aspects/{ident}/contacts", token), 404, NOT_FOUND)


def test_add_to_an_unknown_or_foreign_aspect_is_not_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    theirs = aspect_ids(api, bob.token(READ))[0]
    token = alice.token(WRITE)
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999"):
        error(api.post(f"/aspects/{ident}/contacts", token, params={"person_guid": carol.guid}), 404, NOT_FOUND)
    assert stance(api, alice, carol) is None
    assert members(api, bob.token(READ), theirs) == []


def test_add_an_unknown_person_a_member_or_junk_is_refused(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}, status=204)
    failed = "Failed to add user to aspect"
    error(api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}), 422, failed)
    for given in ({}, {"person_guid": ""}, {"person_guid": "0123456789abcdef0123"}, {"person_guid": "x" * 2000}):
        error(api.post(f"/aspects/{family}/contacts", token, params=given), 422, failed)
    error(api.post(f"/aspects/{family}/contacts", token, json_body={"person_guid": [bob.guid]}), 422, failed)
    # An unknown person is refused before the aspect is looked at, as diaspora* does.
    error(api.post("/aspects/-1/contacts", token, params={"person_guid": "0123456789abcdef0123"}), 422, failed)
    assert members(api, token, family) == [bob.guid]


def test_adding_yourself_or_someone_you_blocked_is_refused(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    error(api.post(f"/aspects/{family}/contacts", token, params={"person_guid": alice.guid}), 422,
          "Failed to add user to aspect")
    api.post(f"/users/{bob.guid}/block", token, status=201)
    error(api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}), 422,
          "Failed to add user to aspect")
    assert members(api, token, family) == []


def test_a_second_aspect_keeps_sharing_until_the_last_is_left(api):
    alice, bob = api.users("alice", "bob")
    token = alice.token(WRITE)
    family, friends = aspect_ids(api, token)[:2]
    api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}, status=204)
    api.post(f"/aspects/{friends}/contacts", token, params={"person_guid": bob.guid}, status=204)
    api.delete(f"/aspects/{family}/contacts/{bob.guid}", token, status=204)
    assert members(api, token, family) == [] and members(api, token, friends) == [bob.guid]
    assert stance(api, alice, bob) == (False, True)
    assert api.delete(f"/aspects/{friends}/contacts/{bob.guid}", token, status=204).body == b""
    assert members(api, token, friends) == []
    assert stance(api, alice, bob) is None
    assert stance(api, bob, alice) is None


def test_remove_someone_not_in_the_aspect_or_from_an_unknown_aspect_is_not_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    token = alice.token(WRITE)
    family, friends = aspect_ids(api, token)[:2]
    api.post(f"/aspects/{family}/contacts", token, params={"person_guid": bob.guid}, status=204)
    theirs = aspect_ids(api, carol.token(READ))[0]
    error(api.delete(f"/aspects/{friends}/contacts/{bob.guid}", token), 404, NOT_MEMBER)
    error(api.delete(f"/aspects/{family}/contacts/{carol.guid}", token), 404, NOT_MEMBER)
    for ident in ("-1", str(theirs), "abc", "99999999999999999999999"):
        error(api.delete(f"/aspects/{ident}/contacts/{bob.guid}", token), 404, NOT_MEMBER)
    assert members(api, token, family) == [bob.guid]


def test_remove_an_unknown_person_is_unprocessable(api):
    alice = api.user("alice")
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    for guid in ("0123456789abcdef0123", "x" * 300):
        error(api.delete(f"/aspects/{family}/contacts/{guid}", token), 422, "Failed to remove user from aspect")


def test_a_remote_person_can_be_added(api):
    alice = api.user("alice")
    with api.session() as s:
        remote = Person(guid="remoteguid0123456789", diaspora_id="zoe@far.example", public_key_pem="-")
        s.add(remote)
    token = alice.token(WRITE)
    family = aspect_ids(api, token)[0]
    api.post(f"/aspects/{family}/contacts", token, params={"person_guid": "remoteguid0123456789"}, status=204)
    assert members(api, token, family) == ["remoteguid0123456789"]


def test_scopes(api):
    alice, bob = api.users("alice", "bob")
    minimum = alice.token()
    read_only = alice.token(READ)
    family = aspect_ids(api, read_only)[0]
    error(api.get(f"/aspects/{family}/contacts", minimum), 403, "insufficient_scope")
    error(api.post(f"/aspects/{family}/contacts", read_only, params={"person_guid": bob.guid}), 403,
          "insufficient_scope")
    error(api.delete(f"/aspects/{family}/contacts/{bob.guid}", read_only), 403, "insufficient_scope")
    error(api.get(f"/aspects/{family}/contacts"), 403, "Unauthorized user")
    assert stance(api, alice, bob) is None


def test_a_random_token_is_refused(api):
    alice = api.user("alice")
    family = aspect_ids(api, alice.token(READ))[0]
    for method, path in (("get", f"/aspects/{family}/contacts"), ("post", f"/aspects/{family}/contacts"),
                         ("delete", f"/aspects/{family}/contacts/{alice.guid}")):
        response = getattr(api, method)(path, "f" * 64)
        assert response.status_int == 401
        assert response.json["error"] == "invalid_token"
