"""Key material: the RSA key pair every user has (PEM, as diaspora* stores it) and guids."""
from __future__ import annotations

import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def new_guid() -> str:
    """32 lowercase hex characters, as diaspora* generates them."""
    return uuid.uuid4().hex


def generate_key_pair(bits: int) -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


def check_key_pair(private_pem: str, public_pem: str) -> int:
    """The key size when the two PEMs load and belong together; raises ValueError otherwise."""
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public = serialization.load_pem_public_key(public_pem.encode())
    if private.public_key().public_numbers() != public.public_numbers():
        raise ValueError("the public key does not match the private key")
    return private.key_size
