"""Argon2id password hashes (argon2-cffi), with rehashing when the profile changes."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache(maxsize=8)
def hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hash_password(password: str, profile: str) -> str:
    return hasher(profile).hash(password)


def verify_password(password_hash: str, password: str, profile: str) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded)."""
    ph = hasher(profile)
    try:
        ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, ph.hash(password) if ph.check_needs_rehash(password_hash) else None
