"""Search through the API: people, posts by tag, tag names (API_V1.md §6.15)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person
from core.api.tokens import TokenService
from core.people.services import ProfileService
from core.posts.interactions import InteractionService
from core.posts.models import Post
from core.streams.services import TagService
from tests.api.conftest import error, links
from tests.api.content import add_to_aspect, aspect_id, block, write

PUBLIC = "openid public:read"
CONTACTS = "openid public:read contacts:read"
PRIVATE = "openid public:read contacts:read private:read"
RANDOM_TOKEN = "fedcba9876543210" * 4
EXCLUSIVE = "Parameters tag and name_or_handle are exclusive"
MISSING = "Missing parameter tag or name_or_handle"


# --- making people and content through the services -------------------------------------

def set_profile(api, caller, first="", last="", tags="", searchable=True):
    with api.session() as s:
        ProfileService(s, api.pod).update(caller.user(s), {
            "first_name": first, "last_name": last, "tags": tags, "searchable": "1" if searchable else ""})


def close(api, caller):
    with api.session() as s:
        s.get(Person, caller.person_id).closed_at = dt.datetime.now(dt.timezone.utc)










def hide(api, caller, guid):
    with api.session() as s:
        InteractionService(s, api.pod).hide(caller.user(s), s.scalar(sa.select(Post).where(Post.guid == guid)))


def scopes_cut_to(api, secret, scopes):
    """Narrow a token's scopes in the database: tokens are always issued with public:read."""
    with api.session() as s:
        TokenService(s).lookup(secret).scopes = scopes
    return secret


def handles(response) -> list[str]:
    assert response.status_int == 200, response.text[:300]
    return [person["diaspora_id"].split("@")[0] for person in response.json]


def bodies(response) -> list[str]:
    assert response.status_int == 200, response.text[:300]
    return [post["body"] for post in response.json]


# --- search/users -------------------------------------------------------------------------

def test_users_by_profile_tag_are_searchable_and_open_accounts(api):
    alice, bob, carol, dave, eve = api.users("alice", "bob", "carol", "dave", "eve")
    for caller in (bob, carol, dave):
        set_profile(api, caller, caller.username.title(), tags="#apiparty #other")
    set_profile(api, eve, "Eve", tags="#apiparty", searchable=False)
    set_profile(api, alice, "Alice", tags="#apipartytime")
    close(api, dave)
    add_to_aspect(api, alice, eve)

    found = api.get("/search/users", alice.token(CONTACTS), params={"tag": "apiparty"})
    assert handles(found) == ["bob", "carol"]
    assert found.json[0] == {"guid": bob.guid, "diaspora_id": bob.diaspora_id, "name": "Bob"}
    assert handles(api.get("/search/users", alice.token(), params={"tag": "#ApiParty"})) == ["bob", "carol"]
    assert handles(api.get("/search/users", alice.token(), params={"tag": "apipartytime"})) == ["alice"]
    for nothing in ("apipart", "#", "", "api%", "nobody"):
        assert api.get("/search/users", alice.token(), params={"tag": nothing}).json == []


def test_users_by_name_or_handle(api):
    alice, bob, carol, dave = api.users("alice", "bob", "carol", "dave")
    set_profile(api, bob, "Robert", "Builder")
    set_profile(api, carol, "Caroline", "Builder-Smith")
    set_profile(api, dave, "Dave", "Builder")
    close(api, dave)
    token = alice.token()

    def search(query):
        return handles(api.get("/search/users", token, params={"name_or_handle": query}))

    assert search("builder") == ["bob", "carol"]
    assert search("BUILDER") == ["bob", "carol"]
    assert search("robert builder") == ["bob"]
    assert search("rob build") == ["bob"]
    assert search("builder robert") == []
    assert search("obe") == ["bob"]
    assert search("bo") == ["bob"]
    assert search(carol.diaspora_id) == ["carol"]
    assert search("ob@") == []
    assert search("dave") == []
    for nothing in ("", "   ", "%", "_"):
        assert search(nothing) == []


def test_unsearchable_people_are_found_only_as_contacts_with_contacts_read(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    set_profile(api, bob, "Hidden", "Bob", searchable=False)
    set_profile(api, carol, "Hidden", "Carol", searchable=False)
    add_to_aspect(api, alice, bob)

    query = {"name_or_handle": "hidden"}
    assert api.get("/search/users", alice.token(), params=query).json == []
    assert handles(api.get("/search/users", alice.token(CONTACTS), params=query)) == ["bob"]
    # Someone who only shares with Alice is her contact too.
    add_to_aspect(api, carol, alice)
    assert handles(api.get("/search/users", alice.token(CONTACTS), params=query)) == ["bob", "carol"]
    close(api, bob)
    assert handles(api.get("/search/users", alice.token(CONTACTS), params=query)) == ["carol"]


def test_blocked_people_are_not_found(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    for caller in (bob, carol):
        set_profile(api, caller, "Tester", tags="#testing")
    block(api, alice, bob)
    for query in ({"name_or_handle": "tester"}, {"tag": "testing"}):
        assert handles(api.get("/search/users", alice.token(CONTACTS), params=query)) == ["carol"]


def test_users_filters_and_their_combinations(api):
    alice, bob, carol, dave, eve = api.users("alice", "bob", "carol", "dave", "eve")
    for caller in (bob, carol, dave, eve):
        set_profile(api, caller, "Tester", caller.username.title(), tags="#testing")
    friends = add_to_aspect(api, alice, bob, "Friends")   # Alice shares with Bob
    add_to_aspect(api, carol, alice)                        # Carol shares with Alice
    work = add_to_aspect(api, alice, dave, "Work")          # Alice and Dave share both ways
    add_to_aspect(api, dave, alice)
    family = aspect_id(api, alice, "Family")
    token = alice.token(CONTACTS)

    def search(filters, **query):
        return handles(api.get("/search/users", token, params={"name_or_handle": "tester", **query,
                                                                   "filter[]": filters}))

    assert search([]) == ["bob", "carol", "dave", "eve"]
    assert search(["contacts"]) == ["bob", "carol", "dave"]
    assert search(["contacts:receiving"]) == ["bob", "dave"]
    assert search(["contacts:sharing"]) == ["carol", "dave"]
    assert search([f"aspect:{friends}"]) == ["bob"]
    assert search([f"aspect:{friends},{work}"]) == ["bob", "dave"]
    assert search([f"aspect:{family}"]) == []
    assert search(["contacts:receiving", "contacts:sharing"]) == ["dave"]
    assert search(["contacts:sharing", f"aspect:{work}"]) == ["dave"]
    assert search(["contacts:sharing", f"aspect:{friends}"]) == []
    assert search(["contacts", f"aspect:{friends}", f"aspect:{friends},{work}"]) == ["bob"]
    # One filter as a plain string works as well, and filters narrow a tag search too.
    assert handles(api.get("/search/users", token, params={"tag": "testing", "filter": "contacts:sharing"})) == [
        "carol", "dave"]
    assert handles(api.get(f"/search/users?tag=testing&filter[]=contacts&filter[]=aspect:{work}", token)) == ["dave"]


def test_users_parameter_errors_in_order(api):
    alice, bob = api.users("alice", "bob")
    mine, theirs = aspect_id(api, alice, "Friends"), aspect_id(api, bob, "Friends")
    for token in (alice.token(), alice.token(CONTACTS)):
        for given in ({"tag": "a", "name_or_handle": "b"}, {"tag": "", "name_or_handle": ""},
                      {"tag": "a", "name_or_handle": "b", "filter": "bogus"}):
            error(api.get("/search/users", token, params=given), 422, EXCLUSIVE)
        for given in ({}, {"filter": "contacts"}, {"tag[]": "a"}, {"name_or_handle[x]": "b"}):
            error(api.get("/search/users", token, params=given), 422, MISSING)
        for bad in ("bogus", "", "contacts:all", "Contacts", "aspects:1", "contact"):
            error(api.get("/search/users", token, params={"tag": "a", "filter": bad}), 422, "Invalid filter")
        error(api.get("/search/users", token, params={"tag": "a", "filter[x]": "contacts"}), 422, "Invalid filter")
        error(api.get("/search/users", token, params={"tag": "a", "filter[]": ["contacts", "nope"]}), 422,
              "Invalid filter")
        for bad in ("aspect:", "aspect:abc", "aspect:1.5", f"aspect:{theirs}", f"aspect:{mine},{theirs}",
                    f"aspect:{mine},x", "aspect:99999999999999999999999", "aspect:-1", f"aspect: {mine}x"):
            error(api.get("/search/users", token, params={"tag": "a", "filter": bad}), 422, "Invalid aspect filter")
    # Valid filters need contacts:read, checked after the parameters.
    for good in ("contacts", "contacts:receiving", "contacts:sharing", f"aspect:{mine}"):
        response = api.get("/search/users", alice.token(), params={"tag": "a", "filter": good})
        error(response, 403, "insufficient_scope")
    assert api.get("/search/users", alice.token(CONTACTS), params={"tag": "a", "filter": f"aspect:{mine}"}).json == []


def test_users_pages(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    for caller in (alice, bob, carol):
        set_profile(api, caller, "Tester", tags="#testing")
    token = alice.token()
    first = api.get("/search/users", token, params={"tag": "testing", "per_page": 2})
    assert handles(first) == ["alice", "bob"]
    assert list(links(first)) == ["next"]
    second = api.get(links(first)["next"], token)
    assert handles(second) == ["carol"]
    assert list(links(second)) == ["previous"]
    assert "page=1" in links(second)["previous"] and "tag=testing" in links(second)["previous"]
    one_by_one = [handles(api.get("/search/users", token, params={"tag": "testing", "per_page": 1, "page": n}))
                  for n in (1, 2, 3)]
    assert one_by_one == [["alice"], ["bob"], ["carol"]]
    for junk in ("0", "1000", "x"):
        error(api.get("/search/users", token, params={"tag": "testing", "per_page": junk}), 422,
              "per_page must be a whole number from 1 to 100")
    for page in ("junk", "-3", "99999999999999999999"):
        assert handles(api.get("/search/users", token, params={"tag": "testing", "page": page})) == [
            "alice", "bob", "carol"]
    assert api.get("/search/users", token, params={"tag": "testing", "page": str(2**31 - 1)}).json == []


# --- search/posts -------------------------------------------------------------------------

def test_posts_by_tag(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    add_to_aspect(api, bob, alice, "Friends")
    add_to_aspect(api, alice, bob)
    add_to_aspect(api, alice, carol)
    write(api, bob, "first #apiparty")
    write(api, bob, "limited #ApiParty", "aspects", ["Friends"])
    write(api, bob, "not for alice #apiparty", "aspects", ["Work"])
    write(api, bob, "other #apipartytime")
    write(api, alice, "mine #apiparty")
    write(api, carol, "blocked #apiparty")
    write(api, carol, "limited blocked #apiparty", "all_aspects")
    assert "blocked #apiparty" in bodies(api.get("/search/posts", alice.token(PRIVATE), params={"tag": "apiparty"}))
    block(api, alice, carol)

    full = api.get("/search/posts", alice.token(PRIVATE), params={"tag": "apiparty"})
    assert bodies(full) == ["mine #apiparty", "limited #ApiParty", "first #apiparty"]
    assert bodies(api.get("/search/posts", alice.token(), params={"tag": "#ApiParty"})) == [
        "mine #apiparty", "first #apiparty"]
    for nothing in ("apipart", "#", "a b", "x" * 300, "%"):
        assert api.get("/search/posts", alice.token(PRIVATE), params={"tag": nothing}).json == []


def test_posts_by_tag_leave_hidden_posts_out(api):
    alice, bob = api.users("alice", "bob")
    hidden = write(api, bob, "hidden #news")
    write(api, bob, "kept #news")
    hide(api, alice, hidden)
    assert bodies(api.get("/search/posts", alice.token(), params={"tag": "news"})) == ["kept #news"]
    assert len(api.get("/search/posts", bob.token(), params={"tag": "news"}).json) == 2


def test_posts_by_tag_pages_through_one_millisecond(api):
    alice, bob = api.users("alice", "bob")
    guids = [write(api, bob, f"#paged {n}") for n in range(3)]
    write(api, bob, "#paged newer")
    same = dt.datetime(2024, 1, 31, 12, 0, 0, 500000, tzinfo=dt.timezone.utc)
    with api.session() as s:
        s.execute(sa.update(Post).where(Post.guid.in_(guids)).values(created_at=same))
    token = alice.token()
    seen = []
    response = api.get("/search/posts", token, params={"tag": "paged", "per_page": 1})
    assert "previous" in links(response) and "next" in links(response)
    while response.json:
        seen += bodies(response)
        response = api.get(links(response)["next"], token)
    assert seen == ["#paged newer", "#paged 2", "#paged 1", "#paged 0"]
    older = api.get("/search/posts", token, params={"tag": "paged", "before": "2024-01-31T12:00:00.500Z"})
    assert older.json == []
    newer = api.get("/search/posts", token, params={"tag": "paged", "after": "2024-01-31T12:00:00.499Z"})
    assert bodies(newer) == ["#paged 0", "#paged 1", "#paged 2", "#paged newer"]


def test_posts_parameter_errors(api):
    token = api.user("alice").token()
    for given in ({}, {"tag": ""}, {"tag": "  "}, {"tag[]": "cats"}, {"tag[a]": "cats"}):
        error(api.get("/search/posts", token, params=given), 422, "param is missing or the value is empty: tag")
    for junk in ({"before": "junk"}, {"after": "2024-02-30"}):
        error(api.get("/search/posts", token, params={"tag": "cats", **junk}), 422,
              f"{next(iter(junk))} must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
    for junk in ("0", "1000"):
        error(api.get("/search/posts", token, params={"tag": "cats", "per_page": junk}), 422,
              "per_page must be a whole number from 1 to 100")


# --- search/tags --------------------------------------------------------------------------

def test_tags_by_prefix(api):
    alice = api.user("alice")
    with api.session() as s:
        tags = TagService(s, api.pod)
        for name in ("apipartytwo", "apiparty", "apipartytime", "other", "api_party"):
            tags.follow(alice.user(s), name)
    token = alice.token()

    def search(query, **more):
        response = api.get("/search/tags", token, params={"query": query, **more})
        assert response.status_int == 200
        return response.json

    assert search("apiparty") == ["apiparty", "apipartytime", "apipartytwo"]
    assert search("apipartyt") == ["apipartytime", "apipartytwo"]
    assert search("#ApiParty") == ["apiparty", "apipartytime", "apipartytwo"]
    assert search("api_") == ["api_party"]
    for nothing in ("zzz", "%", "_", "#", "partytime"):
        assert search(nothing) == []
    first = api.get("/search/tags", token, params={"query": "apiparty", "per_page": 2})
    assert first.json == ["apiparty", "apipartytime"]
    assert list(links(first)) == ["next"]
    second = api.get(links(first)["next"], token)
    assert second.json == ["apipartytwo"] and list(links(second)) == ["previous"]


def test_tags_parameter_errors(api):
    token = api.user("alice").token()
    for given in ({}, {"query": ""}, {"query[]": "a"}):
        error(api.get("/search/tags", token, params=given), 422, "param is missing or the value is empty: query")
    error(api.get("/search/tags", token, params={"query": "a", "per_page": "0"}), 422,
          "per_page must be a whole number from 1 to 100")


# --- tokens -------------------------------------------------------------------------------

def test_tokens(api):
    alice = api.user("alice")
    set_profile(api, alice, "Alice", tags="#cats")
    write(api, alice, "#cats")
    without_public_read = scopes_cut_to(api, alice.token(), "openid")
    expired = alice.token(expires_in=dt.timedelta(seconds=-1))
    for path, query in (("/search/users", {"tag": "cats"}), ("/search/posts", {"tag": "cats"}),
                        ("/search/tags", {"query": "cats"})):
        assert len(api.get(path, alice.token(), params=query).json) == 1
        error(api.get(path, params=query), 403, "Unauthorized user")
        error(api.get(path, without_public_read, params=query), 403, "insufficient_scope")
        for bad in (RANDOM_TOKEN, expired):
            response = api.get(path, bad, params=query)
            assert response.status_int == 401 and response.json["error"] == "invalid_token"
        # The scope check comes before any parameter's.
        error(api.get(path, without_public_read), 403, "insufficient_scope")
