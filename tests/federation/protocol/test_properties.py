"""Properties over arbitrary text: what we sign and send is what the other side reads and verifies."""
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.federation.entities import make_entity, parse_entity, sanitize_text, sign_relayable, verify_relayable
from core.federation.envelope import build_envelope, decrypt, encrypt_for, read_envelope, verify_envelope

ALICE = "alice@example.org"
GUID = "17418fb029e6013487743131731751e9"
GUID2 = "9e269ae0b41201333b8c0f77ba60fa73"

# Any text, with carriage returns and characters XML 1.0 cannot carry made likely.
texts = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from("\r\n\t\x00\x07\x1f\ufffe\uffff&<>;]]>")),
    max_size=200,
)
quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@quick
@given(text=texts)
def test_an_envelope_of_any_text_round_trips(alice_keys, text):
    post = make_entity("status_message", author=ALICE, guid=GUID, public=True, text=text)
    envelope = read_envelope(build_envelope(post.to_xml(), ALICE, alice_keys[0]))
    verify_envelope(envelope, alice_keys[1])
    assert envelope.payload == post.to_xml()
    received = parse_entity(envelope.payload)
    assert received.get("text") == (sanitize_text(text) or None)


@quick
@given(payload=st.binary(max_size=300))
def test_encryption_round_trips_any_bytes(bob_keys, payload):
    assert decrypt(encrypt_for(payload, bob_keys[1]), bob_keys[0]) == payload


element_names = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).filter(
    lambda name: name not in {"author", "guid", "parent_guid", "text", "created_at", "edited_at"}
    and "signature" not in name and not name.lower().startswith("xml"))


@quick
@given(text=texts.filter(bool),  # a comment needs some text
       extra=st.lists(st.tuples(element_names, texts), max_size=3, unique_by=lambda pair: pair[0]),
       position=st.integers(min_value=0, max_value=5))
def test_a_relayable_signs_verifies_and_relays_byte_for_byte(alice_keys, text, extra, position):
    comment = make_entity("comment", author=ALICE, guid=GUID, parent_guid=GUID2, text=text)
    # Unknown elements from a newer sender, somewhere in the order: they are signed and kept.
    for offset, (name, value) in enumerate(extra):
        comment.order.insert(min(position + offset, len(comment.order)), name)
        comment.unknown[name] = sanitize_text(value) or None
    sign_relayable(comment, alice_keys[0])
    sent = comment.to_xml()

    received = parse_entity(sent)
    verify_relayable(received, alice_keys[1])
    assert received.order == comment.order
    assert received.signed_string() == comment.signed_string()
    assert received.to_xml() == sent
