"""The Ed25519 key that signs the daily ledger digests (``LEDGER_SIGNING_KEY``).

The key is never stored in the database: it comes from the environment (or a file), so a
database superuser who rewrites the ledgers cannot sign a matching digest. It is given as a
PEM private key (``openssl genpkey -algorithm ed25519``) or as the base64 of its 32 raw
bytes. Outside production a fixed, published development key is used when none is set; it
is refused in production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# Public on purpose: anyone can sign with it, so production refuses it (config.validate).
DEVELOPMENT_KEY = base64.b64encode(
    hashlib.sha256(b"sunshine development ledger signing key - never in production").digest()
).decode()


def load_private_key(text: str) -> Ed25519PrivateKey:
    """Parse a PEM Ed25519 private key or the base64 of its 32 raw bytes (ValueError if not)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM key is not an Ed25519 private key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("the key is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ValueError(f"a raw Ed25519 private key has 32 bytes, got {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_raw(key: Ed25519PrivateKey) -> bytes:
    """The private key's 32 raw bytes (the ledger heads' seal key is derived from them)."""
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as the base64 of its 32 raw bytes (what exports carry)."""
    return base64.b64encode(public_raw(key)).decode()


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short fingerprint of the public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw(key)).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """The base64 Ed25519 signature of ``message``."""
    return base64.b64encode(key.sign(message)).decode()


def signature_valid(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
