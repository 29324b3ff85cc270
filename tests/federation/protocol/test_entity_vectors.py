"""Entities and relayables against the upstream vectors (vectors/README.md, "Suggested use" 3-4)."""
import datetime as dt
from pathlib import Path

import pytest

from core.federation.entities import (
    Entity,
    account_migration_signed_string,
    check_public,
    migration_identities,
    parse_entity,
    sign_relayable,
    verify_account_migration,
    verify_relayable,
)
from core.federation.envelope import b64_decode_lenient, read_envelope, rsa_verify
from core.federation.errors import AuthorizationError, EntityError, SignatureError
from core.federation.xml import parse_xml

VECTORS = Path(__file__).parents[1] / "vectors"
DOCS = VECTORS / "upstream/docs_entities"
RELAYABLE = VECTORS / "upstream/relayable_integration"
ALICE_PUBLIC = (VECTORS / "upstream/keys/alice_pod-a_rsa1024_public.pem").read_text()
ALICE_PRIVATE = (VECTORS / "upstream/keys/alice_pod-a_rsa1024_private.pem").read_text()
UTC = dt.timezone.utc


def doc(name) -> Entity:
    return parse_entity((DOCS / name).read_bytes())


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.xml")), ids=lambda p: p.name)
def test_every_docs_entity_parses_and_validates(path):
    entity = parse_entity(path.read_bytes())
    assert entity.type == parse_xml(path.read_bytes()).tag


def test_account_deletion():
    assert doc("account_deletion.xml").author == "alice@example.org"


def test_account_migration():
    migration = doc("account_migration.xml")
    assert migration.author == "alice@example.org"
    assert migration.get("profile").author == "alice@newpod.example.net"
    assert migration.get("old_identity") == "alice@example.org"
    assert migration.get("remote_photo_path") == "https://newpod.example.net/uploads/images/"
    # The surrounding whitespace of the docs' signature is not part of it.
    assert migration.get("signature").startswith("07b1OIY6") and migration.get("signature").endswith("hjE=")
    assert migration_identities(migration) == ("alice@example.org", "alice@newpod.example.net",
                                               "alice@newpod.example.net")
    # A placeholder signature from the docs: it decodes but cannot verify with any key we hold.
    with pytest.raises(SignatureError, match="signature of alice@newpod.example.net does not verify"):
        verify_account_migration(migration, ALICE_PUBLIC)


def test_account_migration_signed_string_matches_the_docs_example():
    expected = (DOCS / "account_migration_signature_base_string_example.txt").read_text().strip()
    assert account_migration_signed_string(
        "old-diaspora-id@example.org", "new-diaspora-id@example.com") == expected


def test_comment_signs_in_the_docs_element_order():
    comment = doc("comment.xml")
    assert comment.guid == "5c241a3029f8013487763131731751e9"
    assert comment.get("parent_guid") == "c3893bf029e7013487753131731751e9"
    assert comment.get("created_at") == dt.datetime(2016, 7, 12, 0, 49, 6, tzinfo=UTC)
    assert comment.parent_type == "Post"
    assert comment.signed_string() == (
        "alice@example.org;5c241a3029f8013487763131731751e9;2016-07-12T00:49:06Z;"
        "c3893bf029e7013487753131731751e9;this is a very informative comment")


def test_contact():
    contact = doc("contact.xml")
    assert (contact.author, contact.get("recipient")) == ("alice@example.org", "bob@example.com")
    assert (contact.get("following"), contact.get("sharing"), contact.get("blocking")) == (True, True, False)


def test_conversation():
    conversation = doc("conversation.xml")
    assert conversation.guid == "9b1376a029eb013487753131731751e9"
    assert conversation.get("participants") == "alice@example.org;bob@example.com"
    [message] = conversation.get("messages")
    assert message.type == "message" and message.author == conversation.author
    assert message.get("conversation_guid") == conversation.guid


@pytest.mark.parametrize("name, url, nothing", [
    ("embed_url_only.xml", "https://example.org/", None),
    ("embed_with_metadata.xml", "https://example.org/", None),
    ("embed_nothing.xml", None, True),
])
def test_embeds(name, url, nothing):
    embed = doc(name)
    assert (embed.get("url"), embed.get("nothing")) == (url, nothing)


def test_event_with_end_and_timezone():
    event = doc("event_with_end_and_timezone.xml")
    assert event.get("start") == dt.datetime(2016, 12, 27, 12, 0, tzinfo=UTC)
    assert event.get("end") == dt.datetime(2016, 12, 27, 13, 0, tzinfo=UTC)
    assert event.get("timezone") == "Europe/Berlin"
    assert event.get("all_day") is False
    assert event.get("location").get("address") == "Vienna, Austria"


def test_event_all_day_reads_empty_elements_as_nil():
    event = doc("event_all_day.xml")
    assert event.get("all_day") is True
    assert event.get("end") is None and event.get("timezone") is None


@pytest.mark.parametrize("name", ["event_participation_from_author.xml", "event_participation_from_parent_author.xml"])
def test_event_participations(name):
    participation = doc(name)
    assert participation.get("status") == "accepted"
    assert participation.parent_type == "Event"
    assert participation.author_signature.startswith("dT6KbT7k")


def test_like_signs_in_its_unusual_order():
    like = doc("like.xml")
    assert like.get("parent_type") == "Post" and like.get("positive") is True
    assert like.order == ["positive", "guid", "parent_type", "parent_guid", "author"]
    assert like.signed_string() == (
        "true;947a88f029f7013487753131731751e9;Post;947a854029f7013487753131731751e9;alice@example.org")


def test_location_keeps_coordinates_as_strings():
    location = doc("location.xml")
    assert (location.get("address"), location.get("lat"), location.get("lng")) == (
        "Vienna, Austria", "48.208174", "16.373819")


def test_message():
    assert doc("message.xml").get("conversation_guid") == "9b1376a029eb013487753131731751e9"


def test_participation():
    participation = doc("participation.xml")
    assert participation.get("parent_guid") == "c3893bf029e7013487753131731751e9"
    assert participation.get("parent_type") == "Post"


def test_photo():
    photo = doc("photo.xml")
    assert photo.get("public") is True
    assert (photo.get("width"), photo.get("height")) == (800, 480)
    assert photo.get("remote_photo_path") + photo.get("remote_photo_name") == (
        "https://example.org/uploads/images/f2a41e9d2db4d9a199c8.jpg")


def test_poll_and_answer():
    poll = doc("poll.xml")
    assert [answer.get("answer") for answer in poll.get("poll_answers")] == ["Yes", "No", "Maybe"]
    assert doc("poll_answer.xml").get("answer") == "Yes"


def test_poll_participation():
    participation = doc("poll_participation.xml")
    assert participation.get("parent_guid") == "2a22d6c029e9013487753131731751e9"
    assert participation.get("poll_answer_guid") == "2a22db2029e9013487753131731751e9"
    assert participation.parent_type == "Poll"


def test_profile_is_private_with_extended_fields():
    profile = doc("profile.xml")
    assert profile.get("full_name") == "Alice Smith"
    assert profile.get("birthday") == dt.date(1988, 7, 15)
    assert profile.get("edited_at") == dt.datetime(2018, 1, 23, 1, 19, 56, tzinfo=UTC)
    assert (profile.get("searchable"), profile.get("public"), profile.get("nsfw")) == (True, False, False)
    assert profile.get("tag_string") == "#i #love #tags"
    with pytest.raises(AuthorizationError, match="profile is not public"):
        check_public(profile)


def test_reshare():
    reshare = doc("reshare.xml")
    assert (reshare.author, reshare.get("root_author"), reshare.get("root_guid")) == (
        "alice@example.org", "bob@example.com", "a0b53bc029f6013487753131731751e9")


def test_retraction():
    retraction = doc("retraction.xml")
    assert (retraction.get("target_guid"), retraction.get("target_type")) == (
        "8d89e1f029f6013487753131731751e9", "Post")


@pytest.mark.parametrize("name, photos, nested", [
    ("status_message_minimal.xml", 0, []),
    ("status_message_xml_serialization_example.xml", 0, []),
    ("status_message_with_location.xml", 0, ["location"]),
    ("status_message_with_photos.xml", 2, []),
    ("status_message_with_poll.xml", 0, ["poll"]),
    ("status_message_with_embed.xml", 0, ["embed"]),
    ("status_message_with_all.xml", 2, ["location", "poll", "embed"]),
])
def test_status_messages(name, photos, nested):
    post = doc(name)
    assert post.get("public") is True
    check_public(post)
    assert len(post.get("photos")) == photos
    assert all(photo.author == post.author for photo in post.get("photos"))
    for kind in ("location", "poll", "event", "embed"):
        assert (post.get(kind) is not None) == (kind in nested)


def test_outdated_docs_envelope_payload_fails_for_missing_text():
    envelope = read_envelope((VECTORS / "upstream/docs_federation/magic_envelope_example.xml").read_bytes())
    with pytest.raises(EntityError, match="^status_message: missing required property text$"):
        parse_entity(envelope.payload)


def test_real_world_payload_keeps_the_crlf():
    path = VECTORS / "external_jaywink_federation/real_world_public_envelope_diasp_eu_status_message.xml"
    post = parse_entity(read_envelope(path.read_bytes()).payload)
    assert post.author == "artsound2@diasp.eu" and post.get("public") is True
    assert post.get("text").startswith("**Please stay off the grass ... or**\r\n![](https://66.media")
    assert post.get("text").endswith(")\r\n#stayoff")
    # Written back out exactly as diaspora* wrote it.
    assert post.to_xml() == read_envelope(path.read_bytes()).payload


# --- relayables (§10) -------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(RELAYABLE.glob("*.xml")), ids=lambda p: p.name)
def test_every_relayable_vector_verifies(path):
    verify_relayable(parse_entity(path.read_bytes()), ALICE_PUBLIC)


@pytest.mark.parametrize("alice, bob", [
    ("comment_xml_alice.xml", "comment_xml_bob.xml"),
    ("comment_xml_alice_with_new_data.xml", "comment_xml_bob_with_new_data.xml"),
    ("comment_xml_bob_legacy_order.xml", "comment_xml_bob_legacy_order.xml"),
])
def test_relaying_reproduces_the_bytes(alice, bob):
    # The vector files end with the newline of the heredoc they were copied from; dfed itself
    # sends the entity without one (see the real-world payload).
    relayed = parse_entity((RELAYABLE / alice).read_bytes()).to_xml()
    assert relayed + b"\n" == (RELAYABLE / bob).read_bytes()


def test_relaying_does_not_add_a_defaulted_created_at():
    comment = parse_entity((RELAYABLE / "comment_xml_alice.xml").read_bytes())
    assert comment.get("created_at") is not None  # defaulted for our use
    assert b"created_at" not in comment.to_xml()


def test_unknown_elements_are_kept_in_place_and_signed():
    comment = parse_entity((RELAYABLE / "comment_xml_alice_with_new_data.xml").read_bytes())
    assert comment.unknown == {"new_data": "foobar"}
    assert comment.order == ["author", "guid", "parent_guid", "text", "new_data"]
    assert comment.signed_string().endswith(";this is a very informative comment;foobar")


def test_legacy_order_signs_in_document_order():
    comment = parse_entity((RELAYABLE / "comment_xml_bob_legacy_order.xml").read_bytes())
    assert comment.signed_string() == (
        "e21589b0b41101333b870f77ba60fa73;9e269ae0b41201333b8c0f77ba60fa73;"
        "this is a very informative comment;alice@pod-a.org")


def test_re_signing_reproduces_the_upstream_signatures():
    for name in ("comment_xml_alice.xml", "comment_xml_alice_with_new_data.xml", "comment_xml_bob_legacy_order.xml"):
        comment = parse_entity((RELAYABLE / name).read_bytes())
        original = comment.author_signature
        sign_relayable(comment, ALICE_PRIVATE)
        assert comment.author_signature == original


def test_a_changed_value_breaks_the_signature():
    xml = (RELAYABLE / "comment_xml_alice.xml").read_bytes().replace(b"informative", b"misleading")
    with pytest.raises(SignatureError, match="comment: author_signature of alice@pod-a.org does not verify"):
        verify_relayable(parse_entity(xml), ALICE_PUBLIC)


def test_a_reordered_relayable_does_not_verify():
    xml = (RELAYABLE / "comment_xml_alice.xml").read_bytes().decode()
    lines = xml.split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    with pytest.raises(SignatureError):
        verify_relayable(parse_entity("\n".join(lines).encode()), ALICE_PUBLIC)


def test_relaying_drops_legacy_signature_elements():
    xml = (RELAYABLE / "comment_xml_alice.xml").read_bytes().replace(
        b"  <author_signature>", b"  <parent_author_signature>x</parent_author_signature>\n  <author_signature>")
    comment = parse_entity(xml)
    verify_relayable(comment, ALICE_PUBLIC)
    assert comment.to_xml() + b"\n" == (RELAYABLE / "comment_xml_bob.xml").read_bytes()


def test_missing_author_signature():
    xml = b"\n".join(line for line in (RELAYABLE / "comment_xml_alice.xml").read_bytes().split(b"\n")
                     if b"author_signature" not in line)
    comment = parse_entity(xml)
    assert comment.author_signature is None
    assert comment.to_xml().endswith(b"  <author_signature/>\n</comment>")
    with pytest.raises(SignatureError, match="author_signature is missing"):
        verify_relayable(comment, ALICE_PUBLIC)


def test_legacy_iliketoast_signature_string():
    # Production data from before 2017: the same rule, document order without signature elements.
    root = parse_xml((VECTORS / "external_jaywink_federation/legacy_wrapped_comment_iliketoast.xml").read_bytes())
    comment = parse_entity(root.find("post/comment"), validate=False)
    assert comment.signed_string() == (
        "0dd40d800db1013514416c626dd55703;69ab2b83-aa69-4456-ad0a-dd6697f54714;Woop Woop;jaywink@iliketoast.net")
    key = (VECTORS / "external_jaywink_federation/jaywink_iliketoast_rsa4096_public.pem").read_text()
    assert rsa_verify(key, b64_decode_lenient(comment.author_signature), comment.signed_string().encode())
    # Current pods refuse it: the wrapper is gone and the author is under its old name.
    with pytest.raises(EntityError, match="invalid entity name: XML"):
        parse_entity(root)
    with pytest.raises(EntityError, match="comment: missing required property author"):
        parse_entity(root.find("post/comment"))
