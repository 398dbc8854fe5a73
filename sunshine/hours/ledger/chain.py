"""Appending to the ledgers: the canonical serialisation, its hash, and the locked head.

An entry's ``hash`` is the SHA-256 (hex) of ``canonical(...)``, which includes the previous
entry's hash. ``append`` locks the member's ``LedgerHead`` (SELECT … FOR UPDATE on
PostgreSQL, the write lock on SQLite), so appends for one member are serialised and the
chain never forks — the unique (member_id, seq) index is the backstop.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.errors import Conflict
from sunshine.extensions import db
from sunshine.hours.ledger.seal import head_seal_valid, seal
from sunshine.hours.models import (
    HoursEntry,
    Ledger,
    LedgerHead,
    LedgerKind,
    PointsEntry,
)

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64  # the prev_hash of a chain's first entry, and an empty head's last_hash
MODELS: dict[Ledger, type[HoursEntry] | type[PointsEntry]] = {
    Ledger.HOURS: HoursEntry,
    Ledger.POINTS: PointsEntry,
}

Entry = HoursEntry | PointsEntry


# Hashing -------------------------------------------------------------------------------------


def canonical(
    ledger: Ledger,
    *,
    member_id: int,
    seq: int,
    record_id: int | None,
    amount: int,
    kind: LedgerKind | str,
    actor_id: int | None,
    reason: str | None,
    created_at: datetime,
    prev_hash: str,
) -> bytes:
    """The bytes an entry's hash is taken over (documented in docs/hours.md).

    A JSON object with exactly these keys, sorted, no whitespace, non-ASCII kept as is
    (``ensure_ascii=False``), encoded as UTF-8. Integers are JSON numbers, absent values
    ``null``, ``kind`` and ``ledger`` their string values, ``created_at`` UTC ISO 8601 with
    microseconds and ``+00:00``.
    """
    body: dict[str, Any] = {
        "ledger": str(ledger),
        "member_id": member_id,
        "seq": seq,
        "record_id": record_id,
        "amount": amount,
        "kind": str(kind),
        "actor_id": actor_id,
        "reason": reason,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(ledger: Ledger, **fields: Any) -> str:
    """SHA-256 hex of ``canonical(ledger, **fields)``."""
    return hashlib.sha256(canonical(ledger, **fields)).hexdigest()


# Appending -----------------------------------------------------------------------------------


def locked_head(ledger: Ledger, member_id: int) -> LedgerHead:
    """The member's head row, locked; created (total 0, no entries) on first use.

    Two first appends for one member may race to create it: the loser's INSERT waits for the
    winner's transaction and then violates the primary key; its savepoint is rolled back and
    it locks the winner's row instead.
    """
    query = (
        select(LedgerHead)
        .where(LedgerHead.ledger == ledger, LedgerHead.member_id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = db.session.scalar(query)
    if head is not None:
        return head
    try:
        with db.session.begin_nested():
            db.session.add(
                LedgerHead(
                    ledger=ledger,
                    member_id=member_id,
                    total=0,
                    entries=0,
                    last_hash=GENESIS_HASH,
                )
            )
    except IntegrityError:
        pass  # created meanwhile by another transaction, now committed
    head = db.session.scalar(query)
    if head is None:  # the insert failed for another reason (an unknown member)
        raise LookupError(f"no ledger head for member {member_id} and none could be made")
    return head


def append(
    ledger: Ledger,
    *,
    member_id: int,
    amount: int,
    kind: LedgerKind,
    record_id: int | None,
    actor_id: int | None,
    reason: str | None,
) -> Entry:
    """Add one entry to the end of the member's chain and move the head along.

    ``actor_id`` None is the system (approval by policy). Refuses an entry that would take
    the member's total below zero (``ledger.below_zero``).
    """
    head = locked_head(ledger, member_id)
    if not head_seal_valid(head):
        # Sealing on top of a head moved without the key would vouch for whatever was
        # appended with SQL: stop this chain until an operator has read `ledger verify`.
        log.error("%s ledger head of member %s fails its seal: not appending", ledger, member_id)
        raise Conflict(
            "该成员的台账未通过校验，暂停记账，请联系系统管理员", code="ledger.head_unsealed"
        )
    if head.total + amount < 0:
        raise Conflict("余额不足，不能扣减到零以下", code="ledger.below_zero")
    # Python datetimes carry microseconds, as both databases store them: what is hashed is
    # exactly what is read back.
    created_at = clock.now()
    seq = head.entries + 1
    fields: dict[str, Any] = {
        "member_id": member_id,
        "seq": seq,
        "record_id": record_id,
        "amount": amount,
        "kind": kind,
        "actor_id": actor_id,
        "reason": reason,
        "created_at": created_at,
        "prev_hash": head.last_hash,
    }
    digest = entry_hash(ledger, **fields)
    entry = MODELS[ledger](**fields, hash=digest)
    db.session.add(entry)
    head.total += amount
    head.entries = seq
    head.last_hash = digest
    seal(head)
    db.session.flush()
    return entry


def total(ledger: Ledger, member_id: int) -> int:
    """The member's current total (0 without a head)."""
    value = db.session.scalar(
        select(LedgerHead.total).where(
            LedgerHead.ledger == ledger, LedgerHead.member_id == member_id
        )
    )
    return value or 0


def record_sum(ledger: Ledger, record_id: int) -> int:
    """The sum of one record's entries in a ledger."""
    model = MODELS[ledger]
    value = db.session.scalar(
        select(func.coalesce(func.sum(model.amount), 0)).where(model.record_id == record_id)
    )
    return int(value or 0)


def entries_of_record(record_id: int) -> list[tuple[Ledger, Entry]]:
    """Both ledgers' entries of one record, in the order they were written."""
    hours = db.session.scalars(
        select(HoursEntry).where(HoursEntry.record_id == record_id).order_by(HoursEntry.id)
    )
    points = db.session.scalars(
        select(PointsEntry).where(PointsEntry.record_id == record_id).order_by(PointsEntry.id)
    )
    found: list[tuple[Ledger, Entry]] = [(Ledger.HOURS, e) for e in hours]
    found += [(Ledger.POINTS, e) for e in points]
    # An hours entry and the points entry that follows it share a moment: hours first.
    return sorted(found, key=lambda pair: (pair[1].created_at, pair[0] != Ledger.HOURS))
