"""The seven streams through the API (API_V1.md §6.16)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.posts.interactions import InteractionService
from core.posts.models import Post
from core.streams.services import TagService
from tests.api.conftest import error, links
from tests.api.content import add_to_aspect, aspect_id, block, write

PUBLIC = "openid public:read"
PRIVATE = "openid public:read contacts:read private:read"
EVERYTHING = "openid public:read contacts:read private:read tags:read"
RANDOM_TOKEN = "0123456789abcdef" * 4
STREAMS = ("main", "activity", "aspects", "tags", "mentions", "liked", "commented")


# --- making content through the services ------------------------------------------------







def interact(api, caller, guid, action, *args):
    """Call an InteractionService method (comment, like_post, hide, reshare) on a post."""
    with api.session() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == guid))
        return getattr(InteractionService(s, api.pod), action)(caller.user(s), post, *args)




def follow(api, caller, tag):
    with api.session() as s:
        TagService(s, api.pod).follow(caller.user(s), tag)


def set_times(api, times: dict[str, dt.datetime], column="created_at"):
    """Put posts (by guid) at chosen times, so the order is known exactly."""
    with api.session() as s:
        for guid, at in times.items():
            s.execute(sa.update(Post).where(Post.guid == guid).values({column: at}))


def bodies(response) -> list[str]:
    assert response.status_int == 200, response.text[:300]
    return [post["body"] for post in response.json]


def walk(api, path, token, params):
    """Follow every rel="next" link from the first page; the pages' bodies, in order."""
    pages = []
    response = api.get(path, token, params=params)
    while response.json:
        assert "previous" not in links(response)
        pages.append(bodies(response))
        response = api.get(links(response)["next"], token)
    assert "Link" not in response.headers
    return pages


@pytest.fixture
def friends(api):
    """Alice and Bob share with each other (Bob has Alice in Friends, she has him in Work)."""
    alice, bob = api.users("alice", "bob")
    add_to_aspect(api, alice, bob, "Work")
    add_to_aspect(api, bob, alice, "Friends")
    return alice, bob


# --- each stream ------------------------------------------------------------------------

def test_main_stream_shows_aspects_own_posts_and_mentions(api, friends):
    alice, bob = friends
    carol = api.user("carol")
    write(api, alice, "alice public")
    write(api, alice, "alice to work", "aspects", ["Work"])
    write(api, carol, "carol public, not followed")
    write(api, carol, "carol mentions @{bob@" + api.pod.host + "}")
    write(api, bob, "bob limited", "all_aspects")
    write(api, bob, "bob public")

    full = api.get("/streams/main", bob.token(PRIVATE))
    assert bodies(full) == ["bob public", "bob limited", "carol mentions @{bob@" + api.pod.host + "}",
                            "alice to work", "alice public"]
    assert [post["public"] for post in full.json] == [True, False, True, False, True]
    public = api.get("/streams/main", bob.token(PUBLIC))
    assert bodies(public) == ["bob public", "carol mentions @{bob@" + api.pod.host + "}", "alice public"]
    assert "previous" not in links(full)


def test_main_stream_of_someone_without_contacts_has_only_their_posts(api):
    alice, bob = api.users("alice", "bob")
    write(api, alice, "alice public")
    assert api.get("/streams/main", bob.token(PRIVATE)).json == []
    assert "Link" not in api.get("/streams/main", bob.token(PRIVATE)).headers


def test_activity_stream_orders_by_last_interaction(api, friends):
    alice, bob = friends
    first = write(api, alice, "alice first")
    write(api, alice, "alice limited", "aspects", ["Work"])
    write(api, bob, "bob own")
    write(api, alice, "alice untouched")
    interact(api, bob, first, "comment", "bob comments late")
    limited = api.get("/streams/main", bob.token(PRIVATE)).json[2]["guid"]
    interact(api, bob, limited, "like_post")

    full = api.get("/streams/activity", bob.token(PRIVATE))
    # The like came last, so the limited post leads.
    assert bodies(full) == ["alice limited", "alice first", "bob own"]
    assert bodies(api.get("/streams/activity", bob.token(PUBLIC))) == ["alice first", "bob own"]


def test_activity_stream_pages_by_interacted_at(api, friends):
    alice, bob = friends
    guids = [write(api, bob, f"bob {n}") for n in range(3)]
    base = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)
    # Written in one order, interacted with in the reverse one.
    set_times(api, {guid: base - dt.timedelta(hours=n) for n, guid in enumerate(reversed(guids))}, "interacted_at")
    assert walk(api, "/streams/activity", bob.token(), {"per_page": 1}) == [["bob 2"], ["bob 1"], ["bob 0"]]
    set_times(api, {guid: base - dt.timedelta(hours=n) for n, guid in enumerate(guids)}, "interacted_at")
    assert walk(api, "/streams/activity", bob.token(), {"per_page": 2}) == [["bob 0", "bob 1"], ["bob 2"]]


def test_aspects_stream_all_aspects_and_chosen_ones(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    friends_id = add_to_aspect(api, bob, alice, "Friends")
    work_id = add_to_aspect(api, bob, carol, "Work")
    add_to_aspect(api, alice, bob, "Friends")
    add_to_aspect(api, carol, bob, "Friends")
    write(api, alice, "alice public")
    write(api, alice, "alice limited", "aspects", ["Friends"])
    write(api, carol, "carol public")
    write(api, bob, "bob to friends", "aspects", ["Friends"])
    write(api, bob, "bob to work", "aspects", ["Work"])
    token = bob.token(PRIVATE)

    everything = ["bob to work", "bob to friends", "carol public", "alice limited", "alice public"]
    assert bodies(api.get("/streams/aspects", token)) == everything
    assert bodies(api.get("/streams/aspects", token, params={"aspect_ids": "[]"})) == everything
    assert bodies(api.get("/streams/aspects", token, params={"aspect_ids": f"[{friends_id}]"})) == [
        "bob to friends", "alice limited", "alice public"]
    assert bodies(api.get("/streams/aspects", token, params={"aspect_ids": f"[{work_id}]"})) == [
        "bob to work", "carol public"]
    assert bodies(api.get("/streams/aspects", token, params={"aspect_ids": f"[{work_id}, {friends_id}]"})) == everything
    # Rails-style arrays work too.
    assert bodies(api.get(f"/streams/aspects?aspect_ids[]={work_id}", token)) == ["bob to work", "carol public"]


def test_aspects_stream_refuses_junk_and_other_peoples_aspects(api):
    alice, bob = api.users("alice", "bob")
    token = bob.token(PRIVATE)
    theirs = aspect_id(api, alice, "Friends")
    mine = aspect_id(api, bob, "Friends")
    for junk in ("junk", "[1,", "{\"a\": 1}", "[\"x\"]", "[true]", "[1.5]", "[[1]]", "null", "\"1\"",
                 "[" * 5000 + "]" * 5000):
        error(api.get("/streams/aspects", token, params={"aspect_ids": junk}), 422,
              "aspect_ids must be a JSON array of aspect ids, like [1,2]")
    for foreign in (f"[{theirs}]", f"[{mine},{theirs}]", "[99999999999999999999999]", "[-1]", str(theirs)):
        error(api.get("/streams/aspects", token, params={"aspect_ids": foreign}), 422,
              "aspect_ids may only name your own aspects")
    assert api.get("/streams/aspects", token, params={"aspect_ids": str(mine)}).json == []


def test_tags_stream_shows_followed_tags(api, friends):
    alice, bob = friends
    carol = api.user("carol")
    follow(api, bob, "cats")
    write(api, carol, "#cats are public")
    write(api, carol, "#dogs are not followed")
    write(api, alice, "limited #cats", "aspects", ["Work"])
    write(api, alice, "#Cats again")
    everything = EVERYTHING
    assert bodies(api.get("/streams/tags", bob.token(everything))) == [
        "#Cats again", "limited #cats", "#cats are public"]
    assert bodies(api.get("/streams/tags", bob.token("openid public:read tags:read"))) == [
        "#Cats again", "#cats are public"]


def test_mentions_stream(api, friends):
    alice, bob = friends
    handle = bob.diaspora_id
    write(api, alice, f"public hi @{{{handle}}}")
    write(api, alice, f"limited hi @{{{handle}}}", "aspects", ["Work"])
    write(api, alice, "no mention")
    assert bodies(api.get("/streams/mentions", bob.token(PRIVATE))) == [
        f"limited hi @{{{handle}}}", f"public hi @{{{handle}}}"]
    assert bodies(api.get("/streams/mentions", bob.token())) == [f"public hi @{{{handle}}}"]


def test_liked_and_commented_streams(api, friends):
    alice, bob = friends
    public = write(api, alice, "public")
    write(api, alice, "limited", "aspects", ["Work"])
    write(api, alice, "untouched")
    limited = api.get("/streams/aspects", bob.token(PRIVATE)).json[1]["guid"]
    for guid in (public, limited):
        interact(api, bob, guid, "like_post")
    interact(api, bob, limited, "comment", "nice")

    liked = api.get("/streams/liked", bob.token(PRIVATE))
    assert bodies(liked) == ["limited", "public"]
    assert all(post["own_interaction_state"]["liked"] for post in liked.json)
    assert bodies(api.get("/streams/liked", bob.token())) == ["public"]
    commented = api.get("/streams/commented", bob.token(PRIVATE))
    assert bodies(commented) == ["limited"]
    assert commented.json[0]["interaction_counters"]["comments"] == 1
    assert api.get("/streams/commented", bob.token()).json == []


def test_a_reshare_in_a_stream_carries_its_root(api, friends):
    alice, bob = friends
    original = write(api, alice, "worth sharing")
    interact(api, bob, original, "reshare")
    shown = api.get("/streams/main", bob.token()).json
    assert [post["post_type"] for post in shown] == ["Reshare", "StatusMessage"]
    assert shown[0]["root"]["guid"] == original


# --- what streams leave out ---------------------------------------------------------------

def test_hidden_posts_and_blocked_authors_are_left_out(api):
    alice, bob, carol = api.users("alice", "bob", "carol")
    for author in (alice, carol):
        add_to_aspect(api, bob, author)
        add_to_aspect(api, author, bob)
    follow(api, bob, "news")
    # Each post belongs in every stream of Bob's: followed tag, mention, like, comment, aspects.
    kept, hidden = (write(api, alice, f"#news {n} @{{{bob.diaspora_id}}}") for n in ("kept", "hidden"))
    blocked = write(api, carol, f"#news blocked @{{{bob.diaspora_id}}}")
    for guid in (kept, hidden, blocked):
        interact(api, bob, guid, "like_post")
        interact(api, bob, guid, "comment", "seen")
    token = bob.token(EVERYTHING)
    for stream in STREAMS:
        assert len(api.get(f"/streams/{stream}", token).json) == 3, stream

    interact(api, bob, hidden, "hide")
    block(api, bob, carol)
    for stream in STREAMS:
        assert bodies(api.get(f"/streams/{stream}", token)) == [f"#news kept @{{{bob.diaspora_id}}}"], stream


# --- paging -------------------------------------------------------------------------------

def test_paging_follows_next_links_without_duplicates(api, friends):
    alice, bob = friends
    for n in range(4):
        write(api, alice, f"post {n}")
    token = bob.token(PRIVATE)
    first = api.get("/streams/main", token, params={"per_page": 1})
    assert list(links(first)) == ["next"]
    assert walk(api, "/streams/main", token, {"per_page": 1}) == [["post 3"], ["post 2"], ["post 1"], ["post 0"]]
    assert walk(api, "/streams/main", token, {"per_page": 3}) == [["post 3", "post 2", "post 1"], ["post 0"]]
    assert len(api.get("/streams/main", token).json) == 4


def test_paging_through_posts_of_the_same_millisecond(api, friends):
    alice, bob = friends
    guids = [write(api, alice, f"same {n}") for n in range(3)]
    write(api, alice, "older")
    write(api, alice, "newer")
    same = dt.datetime(2024, 1, 31, 12, 0, 0, 123000, tzinfo=dt.timezone.utc)
    set_times(api, {**{guid: same for guid in guids}})
    others = api.get("/streams/main", bob.token()).json
    set_times(api, {others[0]["guid"]: same + dt.timedelta(milliseconds=1),
                    others[1]["guid"]: same - dt.timedelta(milliseconds=1)})
    pages = walk(api, "/streams/main", bob.token(), {"per_page": 1})
    assert [page[0] for page in pages] == ["newer", "same 2", "same 1", "same 0", "older"]


def test_before_and_max_time_cap_the_stream(api, friends):
    alice, bob = friends
    old, new = write(api, alice, "old"), write(api, alice, "new")
    set_times(api, {old: dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
                    new: dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)})
    token = bob.token()
    assert bodies(api.get("/streams/main", token, params={"before": "2023-01-01T00:00:00.000Z"})) == ["old"]
    assert bodies(api.get("/streams/main", token, params={"max_time": "1600000000"})) == ["old"]
    assert bodies(api.get("/streams/main", token, params={"after": "2019-01-01T00:00:00Z"})) == ["old", "new"]


def test_junk_paging_parameters_are_422(api):
    token = api.user("alice").token(EVERYTHING)
    for stream in STREAMS:
        check_junk_paging(api, stream, token)


def check_junk_paging(api, stream, token):
    for junk in ({"per_page": "0"}, {"per_page": "1000"}, {"per_page": "x"}):
        error(api.get(f"/streams/{stream}", token, params=junk), 422, "per_page must be a whole number from 1 to 100")
    for junk in ("junk", "2024-13-45", "99999-01-01"):
        error(api.get(f"/streams/{stream}", token, params={"before": junk}), 422,
              "before must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
    error(api.get(f"/streams/{stream}", token, params={"max_time": "soon"}), 422,
          "max_time must be a time in seconds since 1970")
    error(api.get(f"/streams/{stream}", token, params={"before": "2024-01-01", "before_id": "x"}), 422,
          "before_id must be a whole number")


# --- who may read which stream ------------------------------------------------------------

def test_tokens(api):
    alice = api.user("alice")
    expired = alice.token(EVERYTHING, expires_in=dt.timedelta(seconds=-1))
    for stream in STREAMS:
        assert api.get(f"/streams/{stream}", alice.token(EVERYTHING)).json == []
        error(api.get(f"/streams/{stream}"), 403, "Unauthorized user")
        for bad in (RANDOM_TOKEN, expired):
            response = api.get(f"/streams/{stream}", bad)
            assert response.status_int == 401 and response.json["error"] == "invalid_token", stream


def test_stream_scopes(api):
    alice = api.user("alice")
    for stream in ("main", "activity", "mentions", "liked", "commented"):
        assert api.get(f"/streams/{stream}", alice.token(PUBLIC)).json == []
    error(api.get("/streams/tags", alice.token(PRIVATE)), 403, "insufficient_scope")
    assert api.get("/streams/tags", alice.token("openid public:read tags:read")).json == []
    for lacking in (PUBLIC, "openid public:read contacts:read", "openid public:read tags:read"):
        error(api.get("/streams/aspects", alice.token(lacking)), 403, "insufficient_scope")
    # Scopes are checked first: junk never reaches the aspect_ids check without them.
    error(api.get("/streams/aspects", alice.token(PUBLIC), params={"aspect_ids": "junk"}), 403, "insufficient_scope")
