"""Magic envelopes (PROTOCOL.md §6) and their encrypted form for private delivery (§7).

An envelope says "this payload was sent by <key_id>", signed with that person's key. Who the
payload claims as its author is a separate question (§6.3) answered by the caller after
``verify_envelope``. Everything here is pure: no database, no network.

Two base64 flavours meet here (§19.3): the envelope's ``data``, ``sig`` and ``key_id`` are
url-safe and padded; the encrypted envelope's values are standard and padded.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

from .errors import EnvelopeError, ProtocolError, SignatureError
from .xml import parse_xml, to_xml_bytes

NS = "http://salmon-protocol.org/ns/magic-env"
DATA_TYPE = "application/xml"
ENCODING = "base64url"
ALGORITHM = "RSA-SHA256"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Only the alphabet characters, then at most two "=": no whitespace, no line breaks (§6.2 step 5).
# Standard "+" and "/" are let through because Ruby's urlsafe_decode64 lets them through too.
_STRICT_B64 = re.compile(r"\A[A-Za-z0-9+/_-]*={0,2}\Z")


# --- base64 -----------------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """base64url with ``=`` padding, the only form diaspora* signs (§6.1)."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url as diaspora* does: missing padding is added, anything else is refused.

    ``ValueError`` on whitespace, line breaks, foreign characters or a bad length.
    """
    if not isinstance(text, str) or not _STRICT_B64.match(text):
        raise ValueError("not strict base64url (whitespace or characters outside the alphabet)")
    if not text.endswith("=") and len(text) % 4:
        text += "=" * (-len(text) % 4)
    text = text.replace("-", "+").replace("_", "/")
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"not strict base64url ({exc})") from None


def b64_encode(data: bytes) -> str:
    """Standard base64, padded, no line breaks (Ruby ``strict_encode64``)."""
    return base64.b64encode(data).decode("ascii")


def b64_decode_lenient(text: str | bytes) -> bytes:
    """Standard base64 read the way Ruby ``decode64`` reads it: whitespace and line breaks ignored.

    ``ValueError`` when what is left is still not base64.
    """
    if isinstance(text, str):
        text = text.encode("ascii", "strict")
    cleaned = re.sub(rb"\s+", b"", text)
    if not re.fullmatch(rb"[A-Za-z0-9+/]*={0,2}", cleaned):
        raise ValueError("not base64")
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64 ({exc})") from None


# --- keys and RSA -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=512)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """An RSA public key from SPKI (``BEGIN PUBLIC KEY``) or PKCS#1 (``BEGIN RSA PUBLIC KEY``) PEM."""
    if isinstance(pem, bytes):
        pem = pem.decode("ascii", "replace")
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise SignatureError(f"public key is not a usable PEM: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("public key is not an RSA key")
    return key


@functools.lru_cache(maxsize=64)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PKCS#1 or PKCS#8 PEM (unencrypted)."""
    if isinstance(pem, bytes):
        pem = pem.decode("ascii", "replace")
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ProtocolError(f"private key is not a usable PEM: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ProtocolError("private key is not an RSA key")
    return key


def public_key_pem(private_key_pem: str) -> str:
    """The SPKI PEM of a private key, the form diaspora* publishes (§3)."""
    key = load_private_key(private_key_pem).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def rsa_sign(private_key_pem: str, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256: deterministic, so a re-sign reproduces the bytes (§3)."""
    return load_private_key(private_key_pem).sign(message, rsa_padding.PKCS1v15(), hashes.SHA256())


def rsa_verify(public_key_pem: str, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is the author's RSA-SHA256 signature of ``message``."""
    key = load_public_key(public_key_pem)
    try:
        key.verify(signature, message, rsa_padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


# --- magic envelope (§6) ----------------------------------------------------------------------

@dataclass(frozen=True)
class Envelope:
    """A structurally valid envelope, not yet verified.

    ``sender`` is the decoded key_id, ``payload`` the decoded entity XML, ``data`` and ``sig``
    the texts of ``me:data`` and ``me:sig`` as received.
    """

    sender: str
    payload: bytes
    data: str
    sig: str


def signature_subject(payload: bytes) -> bytes:
    """The exact bytes an envelope signature covers (§6.2), rebuilt from the decoded payload."""
    parts = (payload, DATA_TYPE.encode(), ENCODING.encode(), ALGORITHM.encode())
    return ".".join(b64url_encode(part) for part in parts).encode("ascii")


def build_envelope(payload: bytes, sender: str, private_key_pem: str) -> bytes:
    """The §6.1 document for ``payload`` signed by ``sender``, with its XML declaration."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    signature = rsa_sign(private_key_pem, signature_subject(payload))
    root = etree.Element(f"{{{NS}}}env", nsmap={"me": NS})
    root.text = "\n  "
    data = etree.SubElement(root, f"{{{NS}}}data", type=DATA_TYPE)
    data.text = b64url_encode(payload)
    data.tail = "\n  "
    encoding = etree.SubElement(root, f"{{{NS}}}encoding")
    encoding.text = ENCODING
    encoding.tail = "\n  "
    alg = etree.SubElement(root, f"{{{NS}}}alg")
    alg.text = ALGORITHM
    alg.tail = "\n  "
    sig = etree.SubElement(root, f"{{{NS}}}sig", key_id=b64url_encode(sender.encode("utf-8")))
    sig.text = b64url_encode(signature)
    sig.tail = "\n"
    return XML_DECLARATION + to_xml_bytes(root) + b"\n"


def _child(root, name: str):
    """The first ``me:<name>`` child. dfed looks children up through the ``me`` prefix (§6.1)."""
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{{{NS}}}{name}" and child.prefix == "me":
            return child
    return None


def read_envelope(xml: bytes) -> Envelope:
    """Check an envelope's structure and decode it (§6.2 steps 1-3 and 5); EnvelopeError if bad.

    The signature is checked separately by ``verify_envelope``, once the caller has the
    sender's key.
    """
    try:
        root = parse_xml(xml)
    except ProtocolError as exc:
        raise EnvelopeError(f"magic envelope: {exc}") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname != "env":
        raise EnvelopeError("magic envelope: the root element is not env")
    if root.nsmap.get("me") != NS:
        raise EnvelopeError(f"magic envelope: the me: prefix must be bound to {NS}")

    data = _child(root, "data")
    sig = _child(root, "sig")
    if data is None or not data.text:
        raise EnvelopeError("magic envelope: me:data is missing or empty")
    if sig is None or not sig.text:
        raise EnvelopeError("magic envelope: me:sig is missing or empty")
    data_type = data.get("type")
    if data_type != DATA_TYPE:
        raise EnvelopeError(f"magic envelope: data type must be {DATA_TYPE}, not {data_type!r}")
    encoding = _child(root, "encoding")
    if encoding is None or encoding.text != ENCODING:
        found = None if encoding is None else encoding.text
        raise EnvelopeError(f"magic envelope: encoding must be {ENCODING}, not {found!r}")
    alg = _child(root, "alg")
    if alg is None or alg.text != ALGORITHM:
        found = None if alg is None else alg.text
        raise EnvelopeError(f"magic envelope: alg must be {ALGORITHM}, not {found!r}")

    key_id = sig.get("key_id")
    if not key_id:
        raise EnvelopeError("magic envelope: me:sig has no key_id")
    try:
        sender = b64url_decode(key_id).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"magic envelope: key_id is not base64url of a diaspora ID ({exc})") from None
    if not sender or sender != sender.strip():
        raise EnvelopeError("magic envelope: key_id is not a diaspora ID")
    try:
        payload = b64url_decode(data.text)
    except ValueError as exc:
        raise EnvelopeError(f"magic envelope: me:data is {exc}") from None
    try:
        b64url_decode(sig.text)
    except ValueError as exc:
        raise EnvelopeError(f"magic envelope: me:sig is {exc}") from None
    return Envelope(sender=sender, payload=payload, data=data.text, sig=sig.text)


def verify_envelope(envelope: Envelope, public_key_pem: str) -> None:
    """Raise SignatureError unless the sender's key signed the canonical subject (§6.2 steps 6-7).

    The subject is rebuilt from the decoded payload with padded base64url, so a signature over
    an unpadded or line-wrapped encoding does not verify, exactly as in diaspora*.
    """
    try:
        signature = b64url_decode(envelope.sig)
    except ValueError as exc:
        raise SignatureError(f"magic envelope: me:sig is {exc}") from None
    if not rsa_verify(public_key_pem, signature, signature_subject(envelope.payload)):
        raise SignatureError(f"magic envelope: the signature of {envelope.sender} does not verify")


# --- encrypted magic envelope (§7) ------------------------------------------------------------

def encrypt_for(envelope_xml: bytes, recipient_public_pem: str) -> bytes:
    """The JSON body that carries ``envelope_xml`` privately to one recipient (§7).

    A fresh AES-256-CBC key and IV per call; the key travels RSA-encrypted with PKCS#1 v1.5
    (not OAEP, which diaspora* cannot decrypt).
    """
    key, iv = os.urandom(32), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(envelope_xml) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    # Key first, then iv, compact: the JSON dfed generates.
    key_json = json.dumps({"key": b64_encode(key), "iv": b64_encode(iv)}, separators=(",", ":"))
    recipient = load_public_key(recipient_public_pem)
    aes_key = recipient.encrypt(key_json.encode("ascii"), rsa_padding.PKCS1v15())
    body = {"aes_key": b64_encode(aes_key), "encrypted_magic_envelope": b64_encode(ciphertext)}
    return json.dumps(body, separators=(",", ":")).encode("ascii")


def decrypt(body: bytes, private_key_pem: str) -> bytes:
    """The envelope XML inside a §7 JSON body; EnvelopeError when it cannot be opened."""
    try:
        outer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeError("encrypted envelope: the body is not JSON") from None
    if not isinstance(outer, dict):
        raise EnvelopeError("encrypted envelope: the body is not a JSON object")
    aes_key, encrypted = outer.get("aes_key"), outer.get("encrypted_magic_envelope")
    if not isinstance(aes_key, str) or not isinstance(encrypted, str):
        raise EnvelopeError("encrypted envelope: aes_key and encrypted_magic_envelope must be strings")
    try:
        wrapped_key = b64_decode_lenient(aes_key)
        ciphertext = b64_decode_lenient(encrypted)
    except (ValueError, UnicodeEncodeError):
        raise EnvelopeError("encrypted envelope: a value is not base64") from None

    private_key = load_private_key(private_key_pem)
    try:
        key_json = private_key.decrypt(wrapped_key, rsa_padding.PKCS1v15())
    except ValueError:
        raise EnvelopeError("encrypted envelope: aes_key does not decrypt with the recipient's key") from None
    try:
        inner = json.loads(key_json)
        key = b64_decode_lenient(inner["key"])
        iv = b64_decode_lenient(inner["iv"])
    except (ValueError, UnicodeDecodeError, UnicodeEncodeError, KeyError, TypeError):
        raise EnvelopeError("encrypted envelope: aes_key does not decrypt to a key and iv") from None
    if len(key) != 32 or len(iv) != 16:
        raise EnvelopeError("encrypted envelope: the AES key must be 32 bytes and the iv 16")
    if not ciphertext or len(ciphertext) % 16:
        raise EnvelopeError("encrypted envelope: the ciphertext is not whole AES blocks")

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise EnvelopeError("encrypted envelope: bad padding after decryption (wrong key?)") from None
