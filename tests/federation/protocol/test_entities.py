"""Reading and writing entities: defaults, scalars, order, unknown elements, signatures (§8-§10)."""
import datetime as dt

import pytest

from core.federation.entities import (
    RELAYABLES,
    account_migration_signed_string,
    check_public,
    format_timestamp,
    make_entity,
    normalize_diaspora_id,
    parse_entity,
    parse_timestamp,
    sign_account_migration,
    sign_relayable,
    verify_account_migration,
    verify_relayable,
)
from core.federation.errors import AuthorizationError, EntityError, SignatureError

UTC = dt.timezone.utc
GUID = "17418fb029e6013487743131731751e9"
GUID2 = "9e269ae0b41201333b8c0f77ba60fa73"
ALICE = "alice@example.org"
BOB = "bob@example.com"
WHEN = dt.datetime(2016, 7, 11, 22, 38, 19, tzinfo=UTC)


def test_relayables_are_the_four_kinds():
    assert RELAYABLES == frozenset({"comment", "like", "poll_participation", "event_participation"})


def test_status_message_is_written_in_declaration_order():
    post = make_entity("status_message", author=ALICE, guid=GUID, created_at=WHEN, public=True, text="Hi")
    assert post.to_xml() == (
        b"<status_message>\n"
        b"  <author>alice@example.org</author>\n"
        b"  <guid>17418fb029e6013487743131731751e9</guid>\n"
        b"  <created_at>2016-07-11T22:38:19Z</created_at>\n"
        b"  <public>true</public>\n"
        b"  <text>Hi</text>\n"
        b"</status_message>")


def test_nil_required_is_an_empty_element_and_nil_optional_is_left_out():
    post = make_entity("status_message", author=ALICE, guid=GUID, created_at=WHEN, text=None)
    assert b"<text/>" in post.to_xml()
    assert b"<public>false</public>" in post.to_xml()
    assert b"provider_display_name" not in post.to_xml() and b"edited_at" not in post.to_xml()


def test_defaulted_values_are_written_when_making():
    contact = make_entity("contact", author=ALICE, recipient=BOB)
    assert contact.to_xml() == (
        b"<contact>\n  <author>alice@example.org</author>\n  <recipient>bob@example.com</recipient>\n"
        b"  <following>true</following>\n  <sharing>true</sharing>\n  <blocking>false</blocking>\n</contact>")
    comment = make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text="t")
    assert comment.order == ["author", "guid", "parent_guid", "text", "created_at"]
    assert abs(comment.get("created_at") - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)
    assert comment.get("created_at").microsecond == 0


def test_nested_entities_are_written_in_place():
    photos = [make_entity("photo", guid=guid, author=ALICE, created_at=WHEN, public=True,
                          remote_photo_path="https://example.org/uploads/images/", remote_photo_name=f"{guid}.jpg",
                          status_message_guid=GUID, height=480, width=800)
              for guid in ("0788070029e8013487753131731751e9", "1601f9c029e8013487753131731751e9")]
    answers = [make_entity("poll_answer", guid=g, answer=a) for g, a in
               (("2a22db2029e9013487753131731751e9", "Yes"), ("2a22e5e029e9013487753131731751e9", "No"))]
    post = make_entity(
        "status_message", author=ALICE, guid=GUID, created_at=WHEN, public=True, text="all", photos=photos,
        location=make_entity("location", address="Vienna", lat="48.2", lng="16.3"),
        poll=make_entity("poll", guid="2a22d6c029e9013487753131731751e9", question="?", poll_answers=answers),
        embed=make_entity("embed", url="https://example.org/"))
    written = post.to_xml()
    assert written.count(b"<photo>") == 2 and b"    <height>480</height>\n" in written
    assert b"  <poll>\n    <guid>2a22d6c029e9013487753131731751e9</guid>\n    <question>?</question>\n" \
           b"    <poll_answer>\n      <guid>" in written
    assert written.index(b"<photo>") < written.index(b"<location>") < written.index(b"<poll>") < written.index(b"<embed>")
    again = parse_entity(written)
    assert again == post
    assert again.to_xml() == written


def test_carriage_returns_survive_and_are_written_like_diaspora():
    post = make_entity("status_message", author=ALICE, guid=GUID, created_at=WHEN, public=True, text="a\r\nb\rc")
    assert b"<text>a&#xD;\nb&#xD;c</text>" in post.to_xml()
    assert parse_entity(post.to_xml()).get("text") == "a\r\nb\rc"


def test_characters_xml_cannot_carry_become_replacement_characters_before_signing(alice_keys):
    comment = make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, created_at=WHEN,
                          text="bell\x07 nul\x00 \ufffe end")
    assert comment.get("text") == "bell\ufffd nul\ufffd \ufffd end"
    assert comment.signed_string().endswith(";bell\ufffd nul\ufffd \ufffd end;2016-07-11T22:38:19Z")
    sign_relayable(comment, alice_keys[0])
    received = parse_entity(comment.to_xml())
    verify_relayable(received, alice_keys[1])
    # Values changed afterwards are cleaned when written, too.
    comment.values["text"] = "late\x01"
    assert "late\ufffd".encode() in comment.to_xml()


def test_unknown_properties_cannot_be_made():
    with pytest.raises(EntityError, match="^comment: unknown property colour$"):
        make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text="t", colour="red")


@pytest.mark.parametrize("document, reason", [
    (b"<foo><author>alice@example.org</author></foo>", "^unknown entity type: foo$"),
    (b"<StatusMessage/>", "^invalid entity name: StatusMessage$"),
    (b"<status-message/>", "^invalid entity name: status-message$"),
    (b'<status_message xmlns="urn:x"/>', "^invalid entity name: {urn:x}status_message$"),
    (b"not xml at all", "^entity: not XML"),
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]><status_message/>", "DOCTYPE"),
])
def test_unknown_and_broken_documents(document, reason):
    with pytest.raises(EntityError, match=reason):
        parse_entity(document)


def test_make_refuses_unknown_types():
    with pytest.raises(EntityError, match="^unknown entity type: foo$"):
        make_entity("foo")


def test_missing_elements_get_diaspora_defaults():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>t</text>"
                        "</status_message>".encode())
    assert post.get("public") is False
    assert post.get("photos") == []
    assert abs(post.get("created_at") - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)
    with pytest.raises(AuthorizationError, match="status_message is not public"):
        check_public(post)
    contact = parse_entity(f"<contact><author>{ALICE}</author><recipient>{BOB}</recipient></contact>".encode())
    assert (contact.get("following"), contact.get("sharing"), contact.get("blocking")) == (True, True, False)
    profile = parse_entity(f"<profile><author>{ALICE}</author></profile>".encode())
    assert (profile.get("searchable"), profile.get("public"), profile.get("nsfw")) == (True, False, False)
    # A private profile without extended fields may travel the public route (§6.3).
    check_public(profile)


def test_only_the_first_of_a_repeated_element_counts():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>one</text>"
                        f"<text>two</text><author>{BOB}</author></status_message>".encode())
    assert (post.get("text"), post.author) == ("one", ALICE)
    assert post.order == ["author", "guid", "text"]


def test_nested_elements_without_children_are_absent():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>t</text>"
                        "<location/><poll>  </poll><photo/></status_message>".encode())
    assert post.get("location") is None and post.get("poll") is None and post.get("photos") == []
    assert post.order == ["author", "guid", "text"]


def test_comments_and_processing_instructions_inside_are_ignored():
    post = parse_entity(f"<status_message><!-- hi --><author>{ALICE}</author><?pi x?><guid>{GUID}</guid>"
                        "<text>t<!-- inside --></text></status_message>".encode())
    assert post.get("text") == "t" and post.order == ["author", "guid", "text"]


def test_text_is_not_trimmed():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid>"
                        "<text>  spaced\n  </text></status_message>".encode())
    assert post.get("text") == "  spaced\n  "


@pytest.mark.parametrize("text, expected", [
    ("2016-07-11T22:38:19Z", WHEN),
    ("2016-07-11T22:38:19.987Z", WHEN),
    ("2016-07-12T00:38:19+02:00", WHEN),
    ("2016-07-11 22:38:19 UTC", WHEN),
    ("2016-07-11T22:38:19", WHEN),
    ("Mon, 11 Jul 2016 22:38:19 +0000", WHEN),
    ("nonsense", None),
    ("", None),
])
def test_timestamps(text, expected):
    assert parse_timestamp(text) == expected


def test_format_timestamp():
    assert format_timestamp(WHEN) == "2016-07-11T22:38:19Z"
    assert format_timestamp(dt.datetime(2016, 7, 12, 0, 38, 19, 500, tzinfo=dt.timezone(dt.timedelta(hours=2)))) \
        == "2016-07-11T22:38:19Z"
    assert format_timestamp(dt.datetime(2016, 7, 11, 22, 38, 19)) == "2016-07-11T22:38:19Z"


def test_relayable_signature_uses_normalised_timestamps(alice_keys):
    # A sender that wrote an offset signed the normalised form; so do we when verifying (§10.2).
    comment = make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text="t", created_at=WHEN)
    sign_relayable(comment, alice_keys[0])
    received = parse_entity(comment.to_xml().replace(b"2016-07-11T22:38:19Z", b"2016-07-12T00:38:19+02:00"))
    verify_relayable(received, alice_keys[1])


def test_made_relayables_sign_verify_and_survive_a_relay(alice_keys, bob_keys):
    like = make_entity("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Comment", positive=False)
    sign_relayable(like, alice_keys[0])
    written = like.to_xml()
    assert written.startswith(b"<like>\n  <author>alice@example.org</author>\n  <guid>")
    assert b"  <positive>false</positive>\n  <author_signature>" in written
    received = parse_entity(written)
    verify_relayable(received, alice_keys[1])
    with pytest.raises(SignatureError, match="like: author_signature of alice@example.org does not verify"):
        verify_relayable(received, bob_keys[1])
    assert received.to_xml() == written
    assert received.parent_type == "Comment"


@pytest.mark.parametrize("type_, fields", [
    ("poll_participation", dict(poll_answer_guid="2a22db2029e9013487753131731751e9")),
    ("event_participation", dict(status="tentative")),
])
def test_other_relayables(alice_keys, type_, fields):
    entity = make_entity(type_, author=ALICE, guid=GUID, parent_guid=GUID2, **fields)
    sign_relayable(entity, alice_keys[0])
    verify_relayable(parse_entity(entity.to_xml()), alice_keys[1])


def test_unknown_elements_of_ordinary_entities_are_kept_too():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>t</text>"
                        "<mood>fine</mood><empty/></status_message>".encode())
    assert post.unknown == {"mood": "fine", "empty": None}
    assert b"<mood>fine</mood>\n  <empty/>" in post.to_xml()


def test_account_migration_sign_and_verify_both_ways(alice_keys, bob_keys):
    old_keys, new_keys = alice_keys, bob_keys
    profile = make_entity("profile", author="alice@new.example", first_name="Alice")
    # Sent as the old identity (what diaspora* does): signed with the new identity's key.
    as_old = make_entity("account_migration", author=ALICE, profile=profile, old_identity=ALICE)
    sign_account_migration(as_old, new_keys[0])
    received = parse_entity(as_old.to_xml())
    verify_account_migration(received, new_keys[1])
    with pytest.raises(SignatureError, match="signature of alice@new.example does not verify"):
        verify_account_migration(received, old_keys[1])
    # Sent as the new identity: signed with the old key, and old_identity is required.
    as_new = make_entity("account_migration", author="alice@new.example", profile=profile, old_identity=ALICE)
    sign_account_migration(as_new, old_keys[0])
    verify_account_migration(parse_entity(as_new.to_xml()), old_keys[1])
    assert account_migration_signed_string(ALICE, "alice@new.example") == "AccountMigration:alice@example.org:alice@new.example"


def test_account_migration_without_a_signature_is_written_empty_and_fails_to_verify(alice_keys):
    migration = make_entity("account_migration", author=ALICE, profile=make_entity("profile", author=BOB))
    written = migration.to_xml()
    assert b"<signature/>" in written and b"<old_identity/>" in written
    with pytest.raises(SignatureError, match="signature is missing"):
        verify_account_migration(parse_entity(written), alice_keys[1])


def test_public_profile_and_public_posts_pass_the_public_route():
    check_public(make_entity("profile", author=ALICE, bio="hi", public=True))
    check_public(make_entity("status_message", author=ALICE, guid=GUID, text="", public=True))
    with pytest.raises(AuthorizationError, match="profile is not public"):
        check_public(make_entity("profile", author=ALICE, gender="x"))
    # Entities without a public flag are no concern of this rule.
    check_public(make_entity("retraction", author=ALICE, target_guid=GUID, target_type="Post"))


def test_normalize_diaspora_id():
    assert normalize_diaspora_id("  acct:Alice@Example.ORG \n") == "alice@example.org"


def test_entities_accept_an_element_as_well_as_bytes():
    from lxml import etree

    assert parse_entity(etree.fromstring(f"<account_deletion><author>{ALICE}</author></account_deletion>")).author == ALICE


def test_empty_defaulted_elements_get_the_default_but_are_relayed_and_signed_empty(alice_keys):
    comment = make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text="t", created_at=WHEN)
    comment.values["created_at"] = None
    sign_relayable(comment, alice_keys[0])  # signed over an empty created_at
    sent = comment.to_xml()
    assert b"<created_at/>" in sent
    received = parse_entity(sent)
    assert abs(received.get("created_at") - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)
    assert received.signed_string().endswith(";t;")
    verify_relayable(received, alice_keys[1])
    assert received.to_xml() == sent
    # Once a caller sets a value of its own, that value is what gets written.
    received.values["created_at"] = WHEN
    assert b"<created_at>2016-07-11T22:38:19Z</created_at>" in received.to_xml()


def test_empty_defaulted_flags_read_as_their_default():
    contact = parse_entity(f"<contact><author>{ALICE}</author><recipient>{BOB}</recipient>"
                           "<following/><sharing/><blocking/></contact>".encode())
    assert (contact.get("following"), contact.get("sharing"), contact.get("blocking")) == (True, True, False)


def test_a_defaulted_value_replaced_by_the_caller_is_written():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>t</text>"
                        "</status_message>".encode())
    assert b"created_at" not in post.to_xml() and b"public" not in post.to_xml()
    post.values["public"] = True
    assert post.to_xml().endswith(b"<text>t</text>\n  <public>true</public>\n</status_message>")


def test_photos_added_to_a_read_post_are_written():
    post = parse_entity(f"<status_message><author>{ALICE}</author><guid>{GUID}</guid><text>t</text>"
                        "</status_message>".encode())
    post.get("photos").append(make_entity("photo", guid=GUID2, author=ALICE, remote_photo_name="a.jpg",
                                          remote_photo_path="https://example.org/uploads/"))
    assert b"<photo>\n    <guid>9e269ae0b41201333b8c0f77ba60fa73</guid>" in post.to_xml()
