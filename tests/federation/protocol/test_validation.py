"""The §16 validation rules, with diaspora*'s own good and bad values (upstream/validation_rules.json)."""
import json
from pathlib import Path

import pytest

from core.federation.entities import is_diaspora_id, is_guid, make_entity, parse_entity
from core.federation.envelope import load_public_key
from core.federation.errors import EntityError, SignatureError

VECTORS = Path(__file__).parents[1] / "vectors"
RULES = json.loads((VECTORS / "upstream/validation_rules.json").read_text())
GUID = "17418fb029e6013487743131731751e9"
GUID2 = "9e269ae0b41201333b8c0f77ba60fa73"
ALICE = "alice@example.org"
BOB = "bob@example.com"


def xml(type_, **fields) -> bytes:
    """A document with the given elements in the given order; None writes an empty element."""
    body = "".join(f"<{k}/>" if v is None else f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<{type_}>{body}</{type_}>".encode()


@pytest.mark.parametrize("value", RULES["diaspora_id"]["valid"] + [
    # What Ruby's [[:lower:]] lets through, and diaspora* with it (PROTOCOL.md §2.1).
    "jösé@example.org", "alice@exämple.org", "alice@example..org", "a@b", "x@[::1]:8080", "a@127.0.0.1:3000",
])
def test_valid_diaspora_ids(value):
    assert is_diaspora_id(value)
    make_entity("account_deletion", author=value)


@pytest.mark.parametrize("value", RULES["diaspora_id"]["invalid"] + [
    "alice", "@example.org", "alice@", "alice@.example.org", "alice@example.org:", "alice@example.org:80a",
    "alice@@example.org", " alice@example.org", "alice@example.org\n", "ALICE@example.org", "älice@exÄmple.org",
])
def test_invalid_diaspora_ids(value):
    assert not is_diaspora_id(value)
    with pytest.raises(EntityError, match="account_deletion: author"):
        make_entity("account_deletion", author=value)


@pytest.mark.parametrize("value", RULES["guid"]["valid"] + [
    "17418fb0-29e6-0134-8774-3131731751e9", "a" * 255])
def test_valid_guids(value):
    assert is_guid(value)
    make_entity("retraction", author=ALICE, target_guid=value, target_type="Post")


@pytest.mark.parametrize("value", RULES["guid"]["invalid"] + ["a" * 15, "é" * 20])
def test_invalid_guids(value):
    assert not is_guid(value)
    with pytest.raises(EntityError, match="retraction: target_guid"):
        make_entity("retraction", author=ALICE, target_guid=value, target_type="Post")


@pytest.mark.parametrize("text", RULES["boolean_string"]["valid"] + ["TRUE", "Yes", "F"])
def test_boolean_spellings(text):
    like = parse_entity(xml("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Post", positive=text))
    assert like.get("positive") is (text.lower() in ("true", "yes", "t", "y", "1"))
    # Signed and written in the canonical spelling.
    assert like.signed_string().split(";")[-1] == ("true" if like.get("positive") else "false")


def test_bad_booleans():
    with pytest.raises(EntityError, match="^like: positive is not a valid boolean: 'asdf'$"):
        parse_entity(xml("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Post", positive="asdf"))
    with pytest.raises(EntityError, match="^like: positive must not be empty$"):
        parse_entity(xml("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Post", positive=None))
    with pytest.raises(EntityError, match="^like: missing required property positive$"):
        parse_entity(xml("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Post"))


@pytest.mark.parametrize("value", RULES["birthday"]["valid"])
def test_valid_birthdays(value):
    fields = {"author": ALICE} if value is None else {"author": ALICE, "birthday": value}
    parse_entity(xml("profile", **fields))


@pytest.mark.parametrize("value", RULES["birthday"]["invalid"] + ["2015-02-30", "15-07-19"])
def test_invalid_birthdays(value):
    with pytest.raises(EntityError, match="profile: birthday is not a valid date"):
        parse_entity(xml("profile", author=ALICE, birthday=value))


def test_unknown_birth_year_is_kept():
    assert parse_entity(xml("profile", author=ALICE, birthday="1004-07-15")).get("birthday").year == 1004


@pytest.mark.parametrize("prefix, suffix", RULES["public_key"]["valid_prefix_suffix_pairs"])
def test_both_public_key_forms_load(prefix, suffix):
    from cryptography.hazmat.primitives import serialization

    key = load_public_key((VECTORS / "upstream/keys/alice_pod-a_rsa1024_public.pem").read_text())
    form = serialization.PublicFormat.PKCS1 if "RSA" in prefix else serialization.PublicFormat.SubjectPublicKeyInfo
    pem = key.public_bytes(serialization.Encoding.PEM, form).decode()
    assert pem.startswith(prefix) and pem.strip().endswith(suffix)
    assert load_public_key("  \n" + pem + "\n\n").public_numbers() == key.public_numbers()


@pytest.mark.parametrize("pem", ["ASDF", "", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_bad_public_keys(pem):
    with pytest.raises(SignatureError, match="public key"):
        load_public_key(pem)


@pytest.mark.parametrize("field", ["full_name", "first_name", "last_name"])
@pytest.mark.parametrize("value", RULES["name_fields"]["valid"])
def test_valid_names(field, value):
    make_entity("profile", author=ALICE, **{field: value})


@pytest.mark.parametrize("field, limit", [("full_name", 70), ("first_name", 32), ("last_name", 32)])
def test_name_rules(field, limit):
    with pytest.raises(EntityError, match=f"profile: {field} must not contain ';'"):
        make_entity("profile", author=ALICE, **{field: RULES["name_fields"]["invalid"][0]})
    make_entity("profile", author=ALICE, **{field: "x" * limit})
    with pytest.raises(EntityError, match=f"profile: {field} is longer than {limit} characters"):
        make_entity("profile", author=ALICE, **{field: "x" * (limit + 1)})
    assert RULES["name_fields"][f"{field}_max"] == limit


@pytest.mark.parametrize("value", RULES["url_with_path"]["valid"] + ["/assets/user/default.png"])
def test_urls_with_a_path(value):
    make_entity("profile", author=ALICE, image_url=value)


@pytest.mark.parametrize("value", RULES["url_with_path"]["invalid"] + ["https://exa mple.com/x"])
def test_urls_without_a_path_or_invalid(value):
    with pytest.raises(EntityError, match="profile: image_url"):
        make_entity("profile", author=ALICE, image_url=value)


def test_photo_path_must_be_a_url_with_a_path():
    with pytest.raises(EntityError, match="photo: remote_photo_path must be a URL with a path"):
        make_entity("photo", guid=GUID, author=ALICE, remote_photo_path="https://example.org",
                    remote_photo_name="a.jpg")


def test_embed_image_needs_a_host():
    with pytest.raises(EntityError, match="embed: image must be a URL with a host and a path"):
        make_entity("embed", url="https://example.org/", image="/example.png")


def event(**fields):
    values = dict(author=ALICE, guid=GUID, summary="Party", start=parse_entity(
        xml("event", author=ALICE, guid=GUID, summary="x", start="2016-12-27T12:00:00Z")).get("start"))
    values.update(fields)
    return make_entity("event", **values)


@pytest.mark.parametrize("value", RULES["event_timezone"]["valid"])
def test_valid_timezones(value):
    assert event(timezone=value).get("timezone") == value


@pytest.mark.parametrize("value", RULES["event_timezone"]["invalid"] + ["Europe/Berlin/x/y", "Europe/Berlin1"])
def test_invalid_timezones(value):
    with pytest.raises(EntityError, match="event: timezone must look like Area/Location"):
        event(timezone=value)


def test_event_summary_rules():
    event(summary="x" * RULES["event_summary"]["max_len"])
    with pytest.raises(EntityError, match="event: summary is longer than 255 characters"):
        event(summary="x" * 256)
    for value in RULES["event_summary"]["invalid"]:
        with pytest.raises(EntityError, match="event: summary must not be empty"):
            event(summary=value)


def test_event_needs_a_start():
    with pytest.raises(EntityError, match="event: start must not be empty"):
        event(start=None)


@pytest.mark.parametrize("status", RULES["event_participation_status"]["valid"])
def test_event_participation_statuses(status):
    make_entity("event_participation", author=ALICE, guid=GUID, parent_guid=GUID2, status=status)


def test_bad_event_participation_status():
    with pytest.raises(EntityError, match="event_participation: status must be one of accepted, declined, tentative"):
        make_entity("event_participation", author=ALICE, guid=GUID, parent_guid=GUID2, status="maybe")


@pytest.mark.parametrize("parent_type", RULES["like_parent_type"]["valid"])
def test_like_parent_types(parent_type):
    make_entity("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type=parent_type, positive=True)


def test_bad_like_parent_type():
    with pytest.raises(EntityError, match="like: parent_type must be one of Post, Comment"):
        make_entity("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Photo", positive=True)


def test_participation_parent_type():
    make_entity("participation", author=ALICE, guid=GUID, parent_guid=GUID2,
                parent_type=RULES["participation_parent_type"]["valid"][0])
    with pytest.raises(EntityError, match="participation: parent_type must be one of Post"):
        make_entity("participation", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Comment")


def test_tag_string_has_at_most_five_tags():
    limit = RULES["tag_string"]["max_hash_count"]
    make_entity("profile", author=ALICE, tag_string=" ".join(f"#t{i}" for i in range(limit)))
    with pytest.raises(EntityError, match="profile: tag_string may hold at most 5 tags"):
        make_entity("profile", author=ALICE, tag_string=" ".join(f"#t{i}" for i in range(limit + 1)))


def conversation(**fields):
    values = dict(author=ALICE, guid=GUID, subject="Hi", participants=f"{ALICE};{BOB}")
    values.update(fields)
    return make_entity("conversation", **values)


@pytest.mark.parametrize("participants, problem", [
    (ALICE, "must name at least 2 people"),
    (f"{ALICE};Bob@example.com", "holds an invalid diaspora ID 'Bob@example.com'"),
    (f"{ALICE};", "holds an invalid diaspora ID ''"),
])
def test_conversation_participants(participants, problem):
    with pytest.raises(EntityError, match=f"conversation: participants {problem}"):
        conversation(participants=participants)


def test_conversation_subject():
    with pytest.raises(EntityError, match="conversation: subject must not be empty"):
        conversation(subject="")
    with pytest.raises(EntityError, match="conversation: subject is longer than 255"):
        conversation(subject="s" * 256)


@pytest.mark.parametrize("type_, fields", [
    ("comment", dict(author=ALICE, guid=GUID, parent_guid=GUID2)),
    ("message", dict(author=ALICE, guid=GUID, conversation_guid=GUID2)),
])
def test_comment_and_message_text_is_1_to_65535_characters(type_, fields):
    make_entity(type_, text="x" * 65535, **fields)
    with pytest.raises(EntityError, match=f"{type_}: text is longer than 65535 characters"):
        make_entity(type_, text="x" * 65536, **fields)
    with pytest.raises(EntityError, match=f"{type_}: text must not be empty"):
        make_entity(type_, text="", **fields)


def test_status_message_text_may_be_empty_but_must_be_there():
    post = parse_entity(xml("status_message", author=ALICE, guid=GUID, text=None, public="true"))
    assert post.get("text") is None
    with pytest.raises(EntityError, match="^status_message: missing required property text$"):
        parse_entity(xml("status_message", author=ALICE, guid=GUID, public="true"))
    with pytest.raises(EntityError, match="status_message: text is longer than 65535"):
        make_entity("status_message", author=ALICE, guid=GUID, text="x" * 65536)


def test_poll_needs_two_answers_each_non_empty():
    one = make_entity("poll_answer", guid=GUID2, answer="Yes")
    with pytest.raises(EntityError, match="poll: a poll needs at least 2 poll_answer elements"):
        make_entity("poll", guid=GUID, question="?", poll_answers=[one])
    with pytest.raises(EntityError, match="poll_answer: answer must not be empty"):
        make_entity("poll_answer", guid=GUID2, answer="")
    with pytest.raises(EntityError, match="^status_message: poll: a poll needs at least 2"):
        parse_entity(xml("status_message", author=ALICE, guid=GUID, text="t",
                         poll=f"<guid>{GUID}</guid><question>?</question>"
                              f"<poll_answer><guid>{GUID2}</guid><answer>Yes</answer></poll_answer>"))


def test_contact_cannot_block_and_share():
    make_entity("contact", author=ALICE, recipient=BOB, following=False, sharing=False, blocking=True)
    with pytest.raises(EntityError, match="contact: blocking cannot be true together with following or sharing"):
        make_entity("contact", author=ALICE, recipient=BOB, following=False, sharing=True, blocking=True)
    with pytest.raises(EntityError, match="contact: blocking cannot be true"):
        # following and sharing default to true when missing (§8.2).
        parse_entity(xml("contact", author=ALICE, recipient=BOB, blocking="true"))


@pytest.mark.parametrize("fields", [{}, {"url": "https://example.org/", "nothing": True}])
def test_embed_is_url_xor_nothing(fields):
    with pytest.raises(EntityError, match="embed: exactly one of url and nothing=true must be given"):
        make_entity("embed", **fields)


def test_embed_url_with_nothing_false_is_fine():
    make_entity("embed", url="https://example.org/", nothing=False)


def test_nested_photos_must_share_the_post_author():
    photo = make_entity("photo", guid=GUID2, author=BOB, remote_photo_path="https://example.com/up/",
                        remote_photo_name="a.jpg")
    with pytest.raises(EntityError, match="status_message: nested photo author 'bob@example.com' differs"):
        make_entity("status_message", author=ALICE, guid=GUID, text="", photos=[photo])


def test_nested_messages_must_share_the_conversation_author():
    message = make_entity("message", author=BOB, guid=GUID2, conversation_guid=GUID, text="hi")
    with pytest.raises(EntityError, match="conversation: nested message author 'bob@example.com' differs"):
        conversation(messages=[message])


def test_nested_errors_name_the_path():
    with pytest.raises(EntityError, match="^status_message: photo: missing required property remote_photo_name$"):
        parse_entity(xml("status_message", author=ALICE, guid=GUID, text="t",
                         photo=f"<guid>{GUID2}</guid><author>{ALICE}</author>"
                               "<remote_photo_path>https://example.org/up/</remote_photo_path>"))


@pytest.mark.parametrize("fields", [{"root_author": BOB}, {"root_guid": GUID2}])
def test_reshare_root_is_both_or_neither(fields):
    make_entity("reshare", author=ALICE, guid=GUID)
    make_entity("reshare", author=ALICE, guid=GUID, root_author=BOB, root_guid=GUID2)
    with pytest.raises(EntityError, match="reshare: root_author and root_guid must both be given or both be absent"):
        make_entity("reshare", author=ALICE, guid=GUID, **fields)


def test_retraction_target_types():
    for target in ("Post", "Comment", "Like", "PollParticipation", "Participation", "Photo", "Poll"):
        make_entity("retraction", author=ALICE, target_guid=GUID, target_type=target)
    with pytest.raises(EntityError, match="retraction: target_type must be one of"):
        make_entity("retraction", author=ALICE, target_guid=GUID, target_type="Aspect")


def test_profile_text_limits():
    with pytest.raises(EntityError, match="profile: gender is longer than 255"):
        make_entity("profile", author=ALICE, gender="g" * 256)
    with pytest.raises(EntityError, match="profile: bio is longer than 65535"):
        make_entity("profile", author=ALICE, bio="b" * 65536)


def test_account_migration_needs_old_identity_when_sent_as_the_new_one():
    profile = make_entity("profile", author="alice@new.example")
    with pytest.raises(EntityError, match="account_migration: old_identity is required when the author is the new"):
        make_entity("account_migration", author="alice@new.example", profile=profile)
    with pytest.raises(EntityError, match="account_migration: the author must be either the old or the new"):
        make_entity("account_migration", author=BOB, profile=profile, old_identity=ALICE)


def test_wrong_python_types_are_refused():
    with pytest.raises(EntityError, match="like: positive must be a boolean, not str"):
        make_entity("like", author=ALICE, guid=GUID, parent_guid=GUID2, parent_type="Post", positive="true")
    with pytest.raises(EntityError, match="photo: height must be an integer, not bool"):
        make_entity("photo", guid=GUID, author=ALICE, remote_photo_path="https://e.org/u/", remote_photo_name="a",
                    height=True)
    with pytest.raises(EntityError, match="status_message: photos must hold photo entities"):
        make_entity("status_message", author=ALICE, guid=GUID, text="", photos=[{"guid": GUID2}])


@pytest.mark.parametrize("text", ["12a", "-1", "1.5", " 3"])
def test_bad_integers(text):
    with pytest.raises(EntityError, match="photo: width is not a valid integer"):
        parse_entity(xml("photo", guid=GUID, author=ALICE, remote_photo_path="https://e.org/u/",
                         remote_photo_name="a", width=text))


def test_bad_timestamps():
    with pytest.raises(EntityError, match="comment: created_at is not a valid timestamp: 'yesterday'"):
        parse_entity(xml("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text="t", created_at="yesterday"))
