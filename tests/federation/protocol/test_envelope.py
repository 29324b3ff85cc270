"""Magic envelopes (PROTOCOL.md §6) and encrypted envelopes (§7) against known vectors."""
import base64
import json
from pathlib import Path

import pytest

from core.federation.envelope import (
    Envelope,
    b64url_decode,
    build_envelope,
    decrypt,
    encrypt_for,
    read_envelope,
    signature_subject,
    verify_envelope,
)
from core.federation.errors import EnvelopeError, ProtocolError, SignatureError

VECTORS = Path(__file__).parents[1] / "vectors"
FOOBAR = VECTORS / "external_jaywink_federation/public_magic_envelope_foobar.xml"
NEGATIVE = VECTORS / "external_jaywink_federation/NEGATIVE_magic_envelope_newlines_in_data.xml"
REAL_WORLD = VECTORS / "external_jaywink_federation/real_world_public_envelope_diasp_eu_status_message.xml"
DOCS_EXAMPLE = VECTORS / "upstream/docs_federation/magic_envelope_example.xml"


def test_independent_envelope_verifies_with_its_key(dummy_keys):
    envelope = read_envelope(FOOBAR.read_bytes())
    assert envelope.sender == "foobar@example.com"
    assert envelope.payload == b"<status_message><foo>bar</foo></status_message>"
    verify_envelope(envelope, dummy_keys[1])


def test_our_envelope_reproduces_the_independent_signature(dummy_keys):
    # PKCS#1 v1.5 is deterministic: same payload, sender and key give the same signature.
    ours = read_envelope(build_envelope(
        b"<status_message><foo>bar</foo></status_message>", "foobar@example.com", dummy_keys[0]))
    theirs = read_envelope(FOOBAR.read_bytes())
    assert ours.sig == theirs.sig
    assert ours.data == theirs.data


def test_line_wrapped_data_is_refused():
    with pytest.raises(EnvelopeError, match="me:data is not strict base64url"):
        read_envelope(NEGATIVE.read_bytes())


def test_a_signature_over_line_wrapped_data_does_not_verify_even_if_decoded(dummy_keys):
    # Had we decoded the data leniently, the canonical subject still would not match.
    raw = NEGATIVE.read_bytes().decode()
    data = raw.split('type="application/xml">')[1].split("</me:data>")[0]
    sig = raw.split('key_id="Zm9vYmFyQGV4YW1wbGUuY29t">')[1].split("</me:sig>")[0]
    payload = base64.urlsafe_b64decode(data.replace("\n", ""))
    envelope = Envelope(sender="foobar@example.com", payload=payload, data=data, sig=sig)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_envelope(envelope, dummy_keys[1])


def flip_data_byte(xml: bytes, index: int) -> bytes:
    text = xml.decode()
    start = text.index('type="application/xml">') + len('type="application/xml">') + index
    replacement = "B" if text[start] != "B" else "C"
    return (text[:start] + replacement + text[start + 1:]).encode()


@pytest.mark.parametrize("index", [0, 10, 40])
def test_a_flipped_byte_in_data_is_refused(dummy_keys, index):
    envelope = read_envelope(flip_data_byte(FOOBAR.read_bytes(), index))
    with pytest.raises(SignatureError):
        verify_envelope(envelope, dummy_keys[1])


def test_a_flipped_byte_in_the_signature_is_refused(dummy_keys):
    envelope = read_envelope(FOOBAR.read_bytes())
    sig = envelope.sig[:5] + ("A" if envelope.sig[5] != "A" else "B") + envelope.sig[6:]
    with pytest.raises(SignatureError):
        verify_envelope(Envelope(envelope.sender, envelope.payload, envelope.data, sig), dummy_keys[1])


def test_the_wrong_key_does_not_verify(alice_keys):
    with pytest.raises(SignatureError, match="foobar@example.com"):
        verify_envelope(read_envelope(FOOBAR.read_bytes()), alice_keys[1])


def test_default_namespace_envelope_is_refused():
    xml = FOOBAR.read_bytes().replace(b"me:", b"").replace(b"xmlns:me=", b"xmlns=")
    with pytest.raises(EnvelopeError, match="me: prefix"):
        read_envelope(xml)


def test_other_prefix_envelope_is_refused():
    xml = FOOBAR.read_bytes().replace(b"me:", b"salmon:").replace(b"xmlns:me=", b"xmlns:salmon=")
    with pytest.raises(EnvelopeError, match="me: prefix"):
        read_envelope(xml)


def test_children_under_another_prefix_are_not_found():
    # me is declared, but the children use a second prefix for the same namespace.
    xml = (b'<me:env xmlns:me="http://salmon-protocol.org/ns/magic-env" '
           b'xmlns:x="http://salmon-protocol.org/ns/magic-env">'
           + FOOBAR.read_bytes().split(b'magic-env">', 1)[1].replace(b"me:", b"x:").replace(b"</x:env>", b"</me:env>"))
    with pytest.raises(EnvelopeError, match="me:data is missing"):
        read_envelope(xml)


@pytest.mark.parametrize("old, new, reason", [
    (b'type="application/xml"', b'type="text/xml"', "data type must be application/xml"),
    (b"<me:encoding>base64url</me:encoding>", b"<me:encoding>base64</me:encoding>", "encoding must be base64url"),
    (b"<me:encoding>base64url</me:encoding>", b"", "encoding must be base64url"),
    (b"<me:alg>RSA-SHA256</me:alg>", b"<me:alg>RSA-SHA1</me:alg>", "alg must be RSA-SHA256"),
    (b' key_id="Zm9vYmFyQGV4YW1wbGUuY29t"', b"", "no key_id"),
    (b'key_id="Zm9vYmFyQGV4YW1wbGUuY29t"', b'key_id="Zm9v YmFy"', "key_id is not base64url"),
    (b"<me:env ", b"<me:envelope ", "root element is not env"),
    (b"</me:env>", b"", "not XML"),
])
def test_malformed_envelopes_say_what_is_wrong(old, new, reason):
    xml = FOOBAR.read_bytes()
    assert old in xml
    xml = xml.replace(old, new)
    if old == b"<me:env ":
        xml = xml.replace(b"</me:env>", b"</me:envelope>")
    with pytest.raises(EnvelopeError, match=reason):
        read_envelope(xml)


def test_empty_data_or_signature_is_refused():
    xml = FOOBAR.read_bytes()
    data = xml.split(b'type="application/xml">')[1].split(b"</me:data>")[0]
    with pytest.raises(EnvelopeError, match="me:data is missing or empty"):
        read_envelope(xml.replace(data, b""))
    sig = xml.split(b'Zm9vYmFyQGV4YW1wbGUuY29t">')[1].split(b"</me:sig>")[0]
    with pytest.raises(EnvelopeError, match="me:sig is missing or empty"):
        read_envelope(xml.replace(sig, b""))


def test_missing_padding_is_tolerated_but_the_canonical_form_is_what_is_signed(dummy_keys):
    # diaspora* adds missing padding before decoding; the subject is rebuilt padded anyway.
    xml = FOOBAR.read_bytes().replace(b"ZT4=</me:data>", b"ZT4</me:data>")
    envelope = read_envelope(xml)
    verify_envelope(envelope, dummy_keys[1])


def test_the_signature_subject_is_exact():
    assert signature_subject(b"<x/>") == b"PHgvPg==.YXBwbGljYXRpb24veG1s.YmFzZTY0dXJs.UlNBLVNIQTI1Ng=="


def test_built_envelope_has_the_dfed_layout(alice_keys):
    xml = build_envelope(b"<x>\xc3\xa9</x>\n", "alice@example.org", alice_keys[0])
    lines = xml.decode().split("\n")
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1] == '<me:env xmlns:me="http://salmon-protocol.org/ns/magic-env">'
    assert lines[2].startswith('  <me:data type="application/xml">')
    assert lines[3] == "  <me:encoding>base64url</me:encoding>"
    assert lines[4] == "  <me:alg>RSA-SHA256</me:alg>"
    assert lines[5].startswith('  <me:sig key_id="YWxpY2VAZXhhbXBsZS5vcmc=">')
    assert lines[6] == "</me:env>"
    envelope = read_envelope(xml)
    assert envelope.payload == "<x>é</x>\n".encode()
    assert envelope.data.endswith("=")  # canonical padded form
    verify_envelope(envelope, alice_keys[1])


def test_round_trip_both_ways(alice_keys, bob_keys):
    to_bob = read_envelope(build_envelope(b"<a/>", "alice@example.org", alice_keys[0]))
    verify_envelope(to_bob, alice_keys[1])
    with pytest.raises(SignatureError):
        verify_envelope(to_bob, bob_keys[1])
    to_alice = read_envelope(build_envelope(b"<b/>", "bob@example.com", bob_keys[0]))
    verify_envelope(to_alice, bob_keys[1])
    assert (to_bob.sender, to_alice.sender) == ("alice@example.org", "bob@example.com")


def test_real_world_envelope_decodes_and_keeps_the_crlf():
    envelope = read_envelope(REAL_WORLD.read_bytes())
    assert envelope.sender == "artsound2@diasp.eu"
    assert b"&#xD;\n" in envelope.payload
    assert len(b64url_decode(envelope.sig)) == 512


def test_docs_example_decodes():
    envelope = read_envelope(DOCS_EXAMPLE.read_bytes())
    assert envelope.sender == "alice@example.org"
    assert b"<raw_message>" in envelope.payload


def test_pkcs1_public_keys_are_accepted(dummy_keys):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(dummy_keys[1].encode())
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    verify_envelope(read_envelope(FOOBAR.read_bytes()), "\n  " + pkcs1 + "\n")


def test_a_broken_public_key_is_a_signature_error():
    with pytest.raises(SignatureError, match="public key"):
        verify_envelope(read_envelope(FOOBAR.read_bytes()), "-----BEGIN PUBLIC KEY-----\nASDF\n-----END PUBLIC KEY-----")


# --- encrypted envelopes ------------------------------------------------------------------------

def test_encrypted_round_trip(alice_keys, bob_keys):
    envelope_xml = build_envelope(b"<message/>", "alice@example.org", alice_keys[0])
    body = encrypt_for(envelope_xml, bob_keys[1])
    outer = json.loads(body)
    assert list(outer) == ["aes_key", "encrypted_magic_envelope"]
    for value in outer.values():
        assert "\n" not in value and "-" not in value and "_" not in value
        base64.b64decode(value, validate=True)
    opened = decrypt(body, bob_keys[0])
    assert opened == envelope_xml
    verify_envelope(read_envelope(opened), alice_keys[1])


def test_the_key_json_is_compact_key_then_iv(bob_keys):
    from cryptography.hazmat.primitives.asymmetric import padding
    from core.federation.envelope import load_private_key

    body = json.loads(encrypt_for(b"<x/>", bob_keys[1]))
    key_json = load_private_key(bob_keys[0]).decrypt(base64.b64decode(body["aes_key"]), padding.PKCS1v15())
    assert key_json.startswith(b'{"key":"') and b'","iv":"' in key_json and key_json.endswith(b'"}')


def test_each_encryption_uses_a_fresh_key(bob_keys):
    assert encrypt_for(b"<x/>", bob_keys[1]) != encrypt_for(b"<x/>", bob_keys[1])


def test_line_wrapped_base64_is_read_leniently(bob_keys):
    body = json.loads(encrypt_for(b"<x/>", bob_keys[1]))
    wrapped = {k: "\n".join(v[i:i + 60] for i in range(0, len(v), 60)) + "\n" for k, v in body.items()}
    assert decrypt(json.dumps(wrapped).encode(), bob_keys[0]) == b"<x/>"


def test_the_wrong_recipient_cannot_decrypt(alice_keys, bob_keys):
    body = encrypt_for(b"<x/>", bob_keys[1])
    with pytest.raises(EnvelopeError, match="encrypted envelope"):
        decrypt(body, alice_keys[0])


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"aes_key": 1}', "must be strings"),
    (b'{"aes_key": "***", "encrypted_magic_envelope": "AAAA"}', "not base64"),
])
def test_malformed_encrypted_bodies(bob_keys, body, reason):
    with pytest.raises(EnvelopeError, match=reason):
        decrypt(body, bob_keys[0])


def test_tampered_ciphertext_is_refused_or_garbled(bob_keys, alice_keys):
    envelope_xml = build_envelope(b"<x/>", "alice@example.org", alice_keys[0])
    body = json.loads(encrypt_for(envelope_xml, bob_keys[1]))
    raw = bytearray(base64.b64decode(body["encrypted_magic_envelope"]))
    raw[-1] ^= 1
    body["encrypted_magic_envelope"] = base64.b64encode(bytes(raw)).decode()
    # CBC has no integrity: either the padding breaks or the envelope no longer reads/verifies.
    with pytest.raises(ProtocolError):
        verify_envelope(read_envelope(decrypt(json.dumps(body).encode(), bob_keys[0])), alice_keys[1])
