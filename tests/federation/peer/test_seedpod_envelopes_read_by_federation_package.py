"""Seedpod's envelopes and entities against the PyPI `federation` package, written independently.

It parses and verifies a public envelope Seedpod built, decrypts and verifies a private one,
reads the entity inside, and checks a comment's author_signature. The other way round, what it
builds and signs verifies with Seedpod's own reader. No pod and no network: pure protocol, with
keys handed over directly (the parent conftest makes the package importable without Django).
"""
from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from core.federation.entities import make_entity, parse_entity, sign_relayable, verify_relayable
from core.federation.envelope import build_envelope, decrypt, encrypt_for, read_envelope, verify_envelope
from core.federation.errors import SignatureError

from ..fake_peer import run_async

ALICE = "alice@seedpod.example"
BOB = "bob@peer.example"


def key_pair(bits: int) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture(scope="module")
def keys():
    return {ALICE: key_pair(2048), BOB: key_pair(1024)}


def key_fetcher(keys):
    async def fetch(handle):
        return keys[handle][1]
    return fetch


def guid() -> str:
    return uuid.uuid4().hex


def post(text="Hello from Seedpod\r\nsecond line") -> bytes:
    return make_entity("status_message", author=ALICE, guid=guid(), public=True, text=text).to_xml()


def receive(body, keys, user=None):
    from federation.protocols.diaspora.protocol import Protocol
    from federation.types import RequestType

    return run_async(Protocol().receive(RequestType(body=body), user=user, sender_key_fetcher=key_fetcher(keys)))


def entities_from(payload: bytes, sender: str, keys):
    from federation.entities.diaspora.mappers import message_to_objects

    return run_async(message_to_objects(payload, sender, sender_key_fetcher=key_fetcher(keys)))


def test_the_package_verifies_a_public_envelope_and_reads_the_post(keys):
    payload = post()
    sender, content = receive(build_envelope(payload, ALICE, keys[ALICE][0]), keys)
    assert (sender, content) == (ALICE, payload)
    [entity] = entities_from(content, sender, keys)
    assert type(entity).__name__ == "DiasporaPost"
    assert entity.raw_content == "Hello from Seedpod\r\nsecond line"
    assert entity.public is True


def test_the_package_refuses_our_envelope_with_the_wrong_key(keys):
    from federation.exceptions import SignatureVerificationError

    envelope = build_envelope(post(), ALICE, keys[BOB][0])
    with pytest.raises(SignatureVerificationError):
        receive(envelope, keys)


def test_the_package_decrypts_and_verifies_a_private_envelope(keys):
    from federation.types import UserType

    payload = make_entity("message", author=ALICE, guid=guid(), conversation_guid=guid(),
                          text="only for bob").to_xml()
    body = encrypt_for(build_envelope(payload, ALICE, keys[ALICE][0]), keys[BOB][1])
    bob = UserType(id=BOB, private_key=keys[BOB][0])
    sender, content = receive(body, keys, user=bob)
    assert (sender, content) == (ALICE, payload)


def test_the_package_verifies_our_comment_signature(keys):
    comment = make_entity("comment", author=ALICE, guid=guid(), parent_guid=guid(), text="nice; really",
                          created_at=dt.datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=dt.timezone.utc))
    sign_relayable(comment, keys[ALICE][0])
    [entity] = entities_from(comment.to_xml(), BOB, keys)
    assert type(entity).__name__ == "DiasporaComment"
    assert entity.raw_content == "nice; really"
    # A signature by someone else is refused.
    from federation.exceptions import SignatureVerificationError

    sign_relayable(comment, keys[BOB][0])
    with pytest.raises(SignatureVerificationError):
        entities_from(comment.to_xml(), BOB, keys)


def test_an_envelope_built_by_the_package_verifies_with_seedpod(keys):
    from Crypto.PublicKey import RSA
    from federation.protocols.diaspora.magic_envelope import MagicEnvelope

    payload = make_entity("status_message", author=BOB, guid=guid(), public=True, text="from the package").to_xml()
    rendered = MagicEnvelope(message=payload, private_key=RSA.importKey(keys[BOB][0]), author_handle=BOB).render()
    envelope = read_envelope(rendered.encode())
    verify_envelope(envelope, keys[BOB][1])
    assert envelope.sender == BOB
    assert parse_entity(envelope.payload).get("text") == "from the package"
    with pytest.raises(SignatureError):
        verify_envelope(envelope, keys[ALICE][1])


def test_an_encrypted_envelope_built_by_the_package_opens_with_seedpod(keys):
    from Crypto.PublicKey import RSA
    from federation.protocols.diaspora.encrypted import EncryptedPayload
    from federation.protocols.diaspora.magic_envelope import MagicEnvelope

    payload = make_entity("contact", author=BOB, recipient=ALICE, following=True, sharing=True).to_xml()
    rendered = MagicEnvelope(message=payload, private_key=RSA.importKey(keys[BOB][0]), author_handle=BOB).render()
    body = json.dumps(EncryptedPayload.encrypt(rendered, RSA.importKey(keys[ALICE][1]))).encode()
    envelope = read_envelope(decrypt(body, keys[ALICE][0]))
    verify_envelope(envelope, keys[BOB][1])
    contact = parse_entity(envelope.payload)
    assert (contact.author, contact.get("recipient"), contact.get("sharing")) == (BOB, ALICE, True)


def test_a_comment_signed_by_the_package_verifies_with_seedpod(keys):
    from Crypto.PublicKey import RSA
    from federation.entities.diaspora.entities import DiasporaComment

    parent = guid()
    comment = DiasporaComment(raw_content="from the package", guid=guid(), target_guid=parent,
                              root_target_guid=parent, handle=BOB, actor_id=BOB,
                              created_at=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone.utc))
    comment.sign(RSA.importKey(keys[BOB][0]))
    ours = parse_entity(etree.tostring(comment.to_xml()))
    # Its order and its extra thread_parent_guid are what the signature covers.
    assert ours.unknown == {"thread_parent_guid": parent}
    assert ours.order[:3] == ["guid", "parent_guid", "thread_parent_guid"]
    verify_relayable(ours, keys[BOB][1])
    with pytest.raises(SignatureError):
        verify_relayable(ours, keys[ALICE][1])
