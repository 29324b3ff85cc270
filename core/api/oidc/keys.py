"""The RSA key that signs ID tokens (API_V1.md §8.5).

It is made once, the first time a token is signed or jwks.json is asked for, and kept in
``data_dir/oidc/signing_key.pem`` readable by the pod's user alone. Several web processes
sharing ``data_dir`` agree on one key: the file is written aside and linked into place, so
the first process to finish wins and the others read its key.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey

KEY_ID = "default"
FILE_NAME = "signing_key.pem"

_lock = threading.Lock()
_loaded: dict[str, RSAKey] = {}


def key_path(pod) -> Path:
    return Path(pod.data_dir) / "oidc" / FILE_NAME


def _read(path: Path) -> RSAKey:
    return RSAKey.import_key(path.read_bytes(), parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})


def _create(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = RSAKey.generate_key(size, private=True).as_pem(private=True)
    aside = path.with_name(f".{FILE_NAME}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(aside, path)  # fails when another process made the key first: keep theirs
        except FileExistsError:
            pass
    finally:
        aside.unlink(missing_ok=True)


def signing_key(pod) -> RSAKey:
    """The pod's private signing key, made on first use."""
    path = key_path(pod)
    cached = _loaded.get(str(path))
    if cached is not None:
        return cached
    with _lock:
        if str(path) not in _loaded:
            if not path.exists():
                _create(path, pod.settings["oidc.rsa_key_size"])
            _loaded[str(path)] = _read(path)
        return _loaded[str(path)]


def public_jwks(pod) -> dict:
    """jwks.json: the public half of the signing key."""
    return KeySet([signing_key(pod)]).as_dict(private=False)
