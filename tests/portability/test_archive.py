"""build_archive: a user's account as diaspora*'s archive, valid against archive-format.json and
holding what the user has, signatures included."""
from __future__ import annotations

import copy
import json

import sqlalchemy as sa

from core.federation.entities import make_entity, verify_relayable
from core.federation.models import RelayableXml
from core.portability.archive import build_archive
from core.posts.models import Post
from core.posts.services import Draft, PostService
from tests.portability.export_content import assert_valid, remote_keys, rich_user, schema_errors, user_named


def archive_of(pod, name="alice") -> dict:
    with pod.session_factory() as s:
        archive = build_archive(s, pod, user_named(s, name))
        s.commit()
    # What a reader of the file gets: JSON types only.
    return json.loads(json.dumps(archive))


def by_guid(items) -> dict:
    return {item["entity_data"]["guid"]: item for item in items}


def test_a_full_archive_is_valid_and_holds_the_user(pod):
    facts = rich_user(pod)
    archive = archive_of(pod)

    assert_valid(archive)
    assert archive["version"] == "2.0"
    user = archive["user"]
    assert (user["username"], user["email"], user["language"]) == ("alice", "alice@example.org", "en")
    assert user["private_key"] == facts["private_key"]
    assert user["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert user["profile"] == {"entity_type": "profile", "entity_data": {
        "author": "alice@pod.test", "edited_at": user["profile"]["entity_data"]["edited_at"],
        "first_name": "Alice", "last_name": "Liddell",
        "image_url": "http://pod.test/uploads/images/thumb_large_avatar.png",
        "bio": "Down the rabbit hole", "birthday": "1990-05-04", "gender": "girl", "location": "Wonderland",
        "searchable": True, "public": True, "nsfw": False, "tag_string": "#tea #cards"}}
    assert user["contact_groups"] == [{"name": "Family"}, {"name": "Friends"}, {"name": "Work"},
                                      {"name": "Acquaintances"}]
    assert user["followed_tags"] == ["cats", "newhere"]
    assert user["blocks"] == [facts["eve"]]
    assert user["post_subscriptions"] == [facts["bobs_guid"]]


def test_contacts_local_and_remote_with_their_aspects_and_keys(pod):
    facts = rich_user(pod)
    contacts = {c["account_id"]: c for c in archive_of(pod)["user"]["contacts"]}

    assert sorted(contacts) == [facts["bob"], facts["carol"], facts["dave"]]
    bob, carol, dave = contacts[facts["bob"]], contacts[facts["carol"]], contacts[facts["dave"]]
    # bob and alice share with each other; alice shares with carol; dave only shares with alice.
    assert (bob["sharing"], bob["receiving"], bob["following"], bob["followed"]) == (True, True, True, True)
    assert (carol["sharing"], carol["receiving"], carol["following"], carol["followed"]) == (False, True, False, True)
    assert (dave["sharing"], dave["receiving"]) == (True, False)
    assert bob["contact_groups_membership"] == ["Friends", "Work"]
    assert carol["contact_groups_membership"] == ["Friends"]
    assert dave["contact_groups_membership"] == []
    assert carol["person_guid"] == facts["carol_guid"]
    assert carol["person_name"] == "Carol Remote"
    assert carol["public_key"] == facts["carol_key"]
    assert bob["public_key"].startswith("-----BEGIN PUBLIC KEY-----")


def test_posts_public_limited_and_reshared(pod):
    facts = rich_user(pod)
    posts = archive_of(pod)["user"]["posts"]

    assert [p["entity_data"]["guid"] for p in posts] == [facts["public_guid"], facts["limited_guid"],
                                                          facts["reshare_guid"]]
    public, limited, reshare = posts
    data = public["entity_data"]
    assert public["entity_type"] == "status_message"
    assert (data["author"], data["text"], data["public"]) == ("alice@pod.test", "Hello #world", True)
    assert public["subscribed_pods_uris"] == ["http://pod.test"]
    assert "subscribed_users_ids" not in public
    assert data["location"] == {"entity_type": "location",
                                "entity_data": {"address": "Wonderland", "lat": "51.75", "lng": "-1.25"}}
    poll = data["poll"]["entity_data"]
    assert poll["guid"] == facts["poll_guid"]
    assert poll["question"] == "Tea or coffee?"
    assert [(a["entity_data"]["guid"], a["entity_data"]["answer"]) for a in poll["poll_answers"]] == list(
        zip(facts["answer_guids"], ["Tea", "Coffee"]))
    [photo] = data["photos"]
    assert photo["entity_type"] == "photo"
    assert photo["entity_data"] | {"created_at": None} == {
        "guid": facts["photo_guid"], "author": "alice@pod.test", "public": True, "created_at": None,
        "remote_photo_path": "http://pod.test/uploads/images/", "remote_photo_name": facts["photo_file"],
        "text": "A red square", "status_message_guid": facts["public_guid"], "height": 30, "width": 40}

    assert limited["entity_data"]["public"] is False
    assert limited["entity_data"]["text"] == "Only for friends"
    assert limited["aspects"] == ["Friends"]
    # Friends holds bob (local, given the post) and carol (remote, no delivery made in this test).
    assert limited["subscribed_users_ids"] == [facts["bob"]]
    assert "subscribed_pods_uris" not in limited

    assert reshare["entity_type"] == "reshare"
    assert reshare["entity_data"]["root_guid"] == facts["bobs_guid"]
    assert reshare["entity_data"]["root_author"] == facts["bob"]
    assert reshare["subscribed_pods_uris"] == ["http://pod.test"]


def test_own_relayables_are_signed_by_the_user(pod):
    facts = rich_user(pod)
    archive = archive_of(pod)
    relayables = by_guid(archive["user"]["relayables"])

    assert list(relayables) == [facts["own_comment"], facts["comment_elsewhere"], facts["like_elsewhere"],
                                facts["alice_vote"]]
    own, elsewhere = relayables[facts["own_comment"]], relayables[facts["comment_elsewhere"]]
    assert own["entity_data"]["text"] == "My own comment"
    assert own["entity_data"]["parent_guid"] == facts["public_guid"]
    assert elsewhere["entity_data"]["text"] == "Alice on Bob's post"
    assert elsewhere["entity_data"]["parent_guid"] == facts["bobs_guid"]
    like = relayables[facts["like_elsewhere"]]
    assert like["entity_type"] == "like"
    assert (like["entity_data"]["parent_guid"], like["entity_data"]["parent_type"],
            like["entity_data"]["positive"]) == (facts["bobs_guid"], "Post", True)
    vote = relayables[facts["alice_vote"]]
    assert vote["entity_type"] == "poll_participation"
    assert vote["entity_data"]["parent_guid"] == facts["bobs_poll_guid"]
    assert vote["entity_data"]["poll_answer_guid"] == facts["bobs_first_answer"]

    public_key = user_public_key(pod, "alice")
    for item in relayables.values():
        assert item["property_order"][:3] == ["author", "guid", "parent_guid"]
        verify_relayable(entity_from_json(item), public_key)


def user_public_key(pod, name):
    with pod.session_factory() as s:
        return user_named(s, name).person.public_key_pem


def entity_from_json(item):
    """The entity an importer rebuilds from an archive item: property_order is the signed order."""
    data = dict(item["entity_data"])
    signature = data.pop("author_signature")
    values = {name: data[name] for name in item["property_order"]}
    if "created_at" in values:
        from core.federation.entities import parse_timestamp
        values["created_at"] = parse_timestamp(values["created_at"])
    entity = make_entity(item["entity_type"], **values)
    entity.author_signature = signature
    return entity


def test_others_relayables_on_the_users_posts(pod):
    facts = rich_user(pod)
    archive = archive_of(pod)
    others = by_guid(archive["others_data"]["relayables"])

    assert set(others) == {facts["bob_comment"], facts["bob_like"], facts["bob_comment_like"], facts["bob_vote"],
                           facts["carol_comment"]}
    assert others[facts["bob_comment"]]["entity_data"]["text"] == "Bob was here"
    assert others[facts["bob_comment_like"]]["entity_data"]["parent_type"] == "Comment"
    assert others[facts["bob_comment_like"]]["entity_data"]["parent_guid"] == facts["own_comment"]
    assert others[facts["bob_vote"]]["entity_data"]["poll_answer_guid"] == facts["coffee"]
    # carol's comment arrived signed: the archive carries her signature, which still verifies.
    carol = others[facts["carol_comment"]]
    assert carol["entity_data"]["author"] == facts["carol"]
    verify_relayable(entity_from_json(carol), remote_keys(0)[1])
    verify_relayable(entity_from_json(others[facts["bob_comment"]]), user_public_key(pod, "bob"))
    # Everyone who wrote there is a contact of alice's.
    assert archive["others_data"]["non_contact_authors"] == []


def test_non_contact_authors_come_with_their_keys(pod):
    from tests.portability.export_content import remote_comment, remote_person

    facts = rich_user(pod)
    with pod.session_factory() as s:
        post = s.scalar(sa.select(Post).where(Post.guid == facts["public_guid"]))
        stranger = remote_person(s, "stranger", 3)
        comment = remote_comment(s, stranger, post, "Who are you?", key=3)
        s.commit()
        guid, stranger_guid = comment.guid, stranger.guid
    archive = archive_of(pod)

    assert guid in by_guid(archive["others_data"]["relayables"])
    assert archive["others_data"]["non_contact_authors"] == [
        {"account_id": "stranger@remote.example", "guid": stranger_guid, "public_key": remote_keys(3)[1]}]
    assert_valid(archive)


def test_the_same_data_gives_the_same_archive(pod):
    rich_user(pod)
    first = archive_of(pod)
    with pod.session_factory() as s:
        stored = s.scalar(sa.select(sa.func.count()).select_from(RelayableXml))
    second = archive_of(pod)

    assert json.dumps(first) == json.dumps(second)
    with pod.session_factory() as s:
        # The first build signed and stored each local relayable; the second reused them.
        assert s.scalar(sa.select(sa.func.count()).select_from(RelayableXml)) == stored


def test_a_new_user_has_a_small_valid_archive(pod):
    from core.accounts.services import AccountService

    with pod.session_factory() as s:
        AccountService(s, pod).sign_up("newbie", "newbie@example.org", "correct horse battery")
        s.commit()
    archive = archive_of(pod, "newbie")

    assert_valid(archive)
    user = archive["user"]
    assert user["posts"] == user["relayables"] == user["contacts"] == user["followed_tags"] == []
    assert user["profile"]["entity_data"]["author"] == "newbie@pod.test"
    assert archive["others_data"] == {"relayables": [], "non_contact_authors": []}


def test_a_post_with_only_a_photo_is_valid(pod):
    from tests.portability.export_content import png

    rich_user(pod)
    with pod.session_factory() as s:
        PostService(s, pod).create(user_named(s, "alice"), Draft(text="", visibility="public",
                                                                 photos=[(png((0, 0, 255)), "")]))
        s.commit()
    archive = archive_of(pod)

    assert_valid(archive)
    last = archive["user"]["posts"][-1]["entity_data"]
    assert last["text"] == ""
    assert "text" not in last["photos"][0]["entity_data"]


def test_the_schema_check_catches_a_broken_archive(pod):
    rich_user(pod)
    archive = archive_of(pod)
    broken = copy.deepcopy(archive)
    del broken["user"]["private_key"]
    broken["user"]["posts"][0]["entity_data"]["public"] = False  # public branch without subscribed_users_ids

    errors = schema_errors(broken)
    assert any("private_key" in e for e in errors)
    assert any(e.startswith("user/posts/0") for e in errors)


def test_a_profile_the_protocol_would_refuse_is_still_exported(pod):
    from core.accounts.services import AccountService

    with pod.session_factory() as s:
        user = AccountService(s, pod).sign_up("odd", "odd@example.org", "correct horse battery")
        s.flush()
        # Stored before a rule existed: a ';' in a name, six tags.
        user.person.profile.first_name = "Semi;colon"
        user.person.profile.tag_string = "#a #b #c #d #e #f"
        user.person.profile.image_url = "/uploads/images/thumb_large_x.png"
        s.commit()
    archive = archive_of(pod, "odd")

    assert_valid(archive)
    data = archive["user"]["profile"]["entity_data"]
    assert (data["author"], data["first_name"], data["tag_string"]) == ("odd@pod.test", "Semi;colon",
                                                                        "#a #b #c #d #e #f")
    assert data["image_url"] == "http://pod.test/uploads/images/thumb_large_x.png"
    assert data["searchable"] is True
