"""Statement numbers and verification codes.

A number is ``<prefix><year>-<n>`` (``ZM2026-000123``): the year of issue and the year's
counter, taken under the counter row's lock so that two issues never share one.

A verification code is 12 characters drawn with ``secrets`` from an alphabet without the
characters people confuse (no 0/O, 1/I/L): 31^12 ≈ 2^59 possibilities. It is shown in groups
of four (``K7PM-2XQD-9RHT``); input is read case-insensitively with dashes and spaces ignored.
The database keeps its SHA-256 (what verification compares, in constant time) and the code
sealed with AES-GCM under a key derived from ``SECRET_KEY`` (HKDF), bound to the number, so
the holder can see it again on the page and the PDF; a database dump alone reveals neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update

from sunshine.database import insert_or_skip
from sunshine.extensions import db
from sunshine.statements.models import StatementCounter

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4
# Compared against when the number is unknown, so that a miss costs what a wrong code costs.
_NO_SUCH_HASH = hashlib.sha256(b"no such statement").hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """The code in groups of four, as printed."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str:
    return "".join(text.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def matches(given: str, stored_hash: str | None) -> bool:
    """Whether ``given`` is the code behind ``stored_hash``, in constant time (a missing
    statement is compared against a stand-in hash, so it takes as long as a wrong code)."""
    expected = stored_hash if stored_hash is not None else _NO_SUCH_HASH
    same = hmac.compare_digest(code_hash(given), expected)
    return same and stored_hash is not None


def _key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sunshine statement code")
    return hkdf.derive(secret_key.encode())


def seal(code: str, *, number: str, secret_key: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, code.encode(), number.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, *, number: str, secret_key: str) -> str | None:
    """The code, or None when it cannot be read (SECRET_KEY changed since the issue)."""
    raw = base64.b64decode(sealed)
    try:
        return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], number.encode()).decode()
    except InvalidTag:
        return None


def next_number(prefix: str, year: int) -> str:
    """The next number of ``year``: the counter row is locked until the transaction ends."""
    dialect = db.session.get_bind().dialect.name
    db.session.execute(
        insert_or_skip(StatementCounter, dialect, key=["year"]).values(year=year, last=0)
    )
    db.session.execute(
        update(StatementCounter)
        .where(StatementCounter.year == year)
        .values(last=StatementCounter.last + 1)
    )
    last = db.session.scalar(select(StatementCounter.last).where(StatementCounter.year == year))
    assert last is not None
    return f"{prefix}{year}-{last:06d}"
