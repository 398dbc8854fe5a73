"""Sealing each chain's head with a key the database does not hold.

The hash chain proves that nothing written was changed, but anyone who may INSERT into the
ledgers and UPDATE their heads — the application's own database role — can append an entry
with a correct hash and move the head along: the chain check cannot tell it from a real one.
So every append also writes ``ledger_head.seal``: an HMAC-SHA256 over what the head says
(ledger, member, entries, total, last hash) under a key derived from ``LEDGER_SIGNING_KEY``,
which lives in the application's environment and never in the database. ``verify`` recomputes
it for every head that counts entries; a head moved by plain SQL carries a seal that no longer
matches (or none), and the chain breaks there. Design: docs/database-roles.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache

from flask import current_app

from sunshine import signing
from sunshine.hours.models import Ledger, LedgerHead

_LABEL = b"sunshine ledger head seal v1"


@lru_cache(maxsize=4)
def _seal_key(configured: str) -> bytes:
    """The HMAC key: derived from the Ed25519 private key's raw bytes, never stored."""
    private = signing.load_private_key(configured)
    return hmac.new(signing.private_raw(private), _LABEL, hashlib.sha256).digest()


def head_seal(
    ledger: Ledger | str,
    *,
    member_id: int,
    entries: int,
    total: int,
    last_hash: str,
    key: str | None = None,
) -> str:
    """HMAC-SHA256 (hex) of the head's canonical JSON under the key derived from ``key`` (a
    ``LEDGER_SIGNING_KEY`` value; by default the configured one)."""
    body = {
        "ledger": str(ledger),
        "member_id": member_id,
        "entries": entries,
        "total": total,
        "last_hash": last_hash,
    }
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    derived = _seal_key(key or current_app.config["LEDGER_SIGNING_KEY"])
    return hmac.new(derived, message, hashlib.sha256).hexdigest()


def seal(head: LedgerHead) -> None:
    """Set the head's seal from what it says now (after an append or a repair)."""
    head.seal = head_seal(
        head.ledger,
        member_id=head.member_id,
        entries=head.entries,
        total=head.total,
        last_hash=head.last_hash,
    )


def seal_valid(
    ledger: Ledger | str,
    *,
    member_id: int,
    entries: int,
    total: int,
    last_hash: str,
    stored: str | None,
    key: str | None = None,
) -> bool:
    """Whether a head's stored seal matches what it says (an empty head needs none), under
    ``key`` (by default the configured one)."""
    if entries == 0 and total == 0 and stored is None:
        return True
    if stored is None:
        return False
    expected = head_seal(
        ledger, member_id=member_id, entries=entries, total=total, last_hash=last_hash, key=key
    )
    return hmac.compare_digest(expected, stored)


def head_seal_valid(head: LedgerHead) -> bool:
    """Whether the head's stored seal matches what it says (an empty head needs none)."""
    return seal_valid(
        head.ledger,
        member_id=head.member_id,
        entries=head.entries,
        total=head.total,
        last_hash=head.last_hash,
        stored=head.seal,
    )
