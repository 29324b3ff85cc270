"""Shared by the protocol tests: where the vectors are, and test keys made once per run.

Keys are small (1024/2048 bits) so the suite stays fast; size does not matter to the protocol.
"""
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

VECTORS = Path(__file__).parents[1] / "vectors"


def vector(path: str) -> bytes:
    return (VECTORS / path).read_bytes()


def new_key_pair(bits: int = 1024) -> tuple[str, str]:
    """(private PKCS#1 PEM, public SPKI PEM), the forms diaspora* stores and publishes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@pytest.fixture(scope="session")
def alice_keys():
    return new_key_pair(1024)


@pytest.fixture(scope="session")
def bob_keys():
    return new_key_pair(2048)


@pytest.fixture(scope="session")
def dummy_keys():
    """The independent implementation's 2048-bit test key, which signed the foobar envelope."""
    return (
        vector("external_jaywink_federation/dummy_rsa2048_private.pem").decode(),
        vector("external_jaywink_federation/dummy_rsa2048_public.pem").decode(),
    )
