"""The pod's onion address: its key under ``data_dir/tor_onion/``, or the podmin's HiddenServiceDir.

Tor hands out a v3 service key as ``ED25519-V3:<base64>``: 64 bytes, the clamped secret
scalar then the nonce prefix (an "expanded" ed25519 key). The address is derived from the
public key alone (rend-spec-v3 §6): ``base32(pubkey || checksum || version) + ".onion"`` with
``checksum = sha3_256(".onion checksum" || pubkey || version)[:2]`` and version 3. So the
address is known without asking Tor, and the same key always gives the same address.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from stem.util import ed25519

NAME = "tor_onion"
KEY_TYPE = "ED25519-V3"
KEY_FILE = "onion_v3.key"
VERSION = b"\x03"


class StoredKeyError(ValueError):
    """The stored key cannot be read; the message says which file and what to do."""


def address_from_public_key(public_key: bytes) -> str:
    """The v3 onion address (``<56 characters>.onion``) of an ed25519 public key."""
    if len(public_key) != 32:
        raise ValueError(f"an ed25519 public key has 32 bytes, not {len(public_key)}")
    checksum = hashlib.sha3_256(b".onion checksum" + public_key + VERSION).digest()[:2]
    return base64.b32encode(public_key + checksum + VERSION).decode().lower() + ".onion"


def public_key_of(key_blob: str) -> bytes:
    """The public key of Tor's base64 expanded secret key: the scalar (first 32 bytes, little
    endian, already clamped) times the base point."""
    try:
        expanded = base64.b64decode(key_blob, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not base64") from None
    if len(expanded) != 64:
        raise ValueError(f"an expanded ed25519 key has 64 bytes, not {len(expanded)}")
    scalar = int.from_bytes(expanded[:32], "little")
    return ed25519.encodepoint(ed25519.scalarmult_B(scalar))


def address_from_key(key_blob: str) -> str:
    return address_from_public_key(public_key_of(key_blob))


def key_dir(pod) -> Path:
    return Path(pod.data_dir) / NAME


def key_path(pod) -> Path:
    return key_dir(pod) / KEY_FILE


def stored_key(pod) -> str | None:
    """The base64 key of the pod's onion service, or None before the first publication."""
    path = key_path(pod)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    key_type, _, blob = text.partition(":")
    if key_type != KEY_TYPE or not blob:
        raise StoredKeyError(f"{path} does not hold an {KEY_TYPE} key; move it away to make a new onion address")
    return blob


def save_key(pod, blob: str) -> bool:
    """Store a new key, readable by the pod's user alone. False when another process stored
    one first (the caller then uses that one, so every process publishes the same address)."""
    folder = key_dir(pod)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(key_path(pod), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{KEY_TYPE}:{blob}\n")
    return True


def hidden_service_dir(pod) -> Path | None:
    """The podmin's own HiddenServiceDir (setting ``tor_onion.hidden_service_dir``), if any."""
    return pod.path_setting(f"{NAME}.hidden_service_dir")


def address_in_dir(folder: Path) -> str | None:
    """The address Tor wrote in a HiddenServiceDir's ``hostname`` file, None when not yet there."""
    try:
        text = (folder / "hostname").read_text().strip().lower()
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        return None
    return text if text.endswith(".onion") and len(text) == 62 else None


def onion_address(pod) -> str | None:
    """The pod's onion address without asking Tor; None when there is none yet."""
    folder = hidden_service_dir(pod)
    if folder is not None:
        return address_in_dir(folder)
    blob = stored_key(pod)
    if blob is None:
        return None
    try:
        return address_from_key(blob)
    except ValueError as exc:
        raise StoredKeyError(f"{key_path(pod)}: {exc}; move it away to make a new onion address") from None


_cache: dict[tuple, tuple] = {}


def cached_address(pod) -> str | None:
    """:func:`onion_address`, read again only when its file changes: asked on every request."""
    folder = hidden_service_dir(pod)
    source = (folder / "hostname") if folder is not None else key_path(pod)
    try:
        stamp = source.stat().st_mtime_ns
    except OSError:
        return None
    known = _cache.get((str(source),))
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        address = onion_address(pod)
    except StoredKeyError:
        address = None  # on_startup and `seedpod doctor` say what is wrong with the file
    _cache[(str(source),)] = (stamp, address)
    return address
