"""What someone holding only the application's database credentials can do to a ledger: append
an entry with plain SQL — the right seq, the previous hash, a hash computed exactly as the app
computes it — and move the head along, without the key that seals heads."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from sunshine.hours import ledger
from sunshine.hours.models import HoursEntry, Ledger, LedgerHead


def forge_append(connection: Connection, member_id: int, amount: int) -> None:
    """INSERT an adjustment at the end of the member's hours chain and UPDATE its head."""
    heads = LedgerHead.__table__
    head = connection.execute(
        select(heads.c.entries, heads.c.total, heads.c.last_hash)
        .where(heads.c.ledger == "hours", heads.c.member_id == member_id)
        .with_for_update()
    ).one()
    fields = {
        "member_id": member_id,
        "seq": head.entries + 1,
        "record_id": None,
        "amount": amount,
        "kind": "adjust",
        "actor_id": None,
        "reason": "补录",
        "created_at": datetime(2026, 12, 1, 8, 0, 0, 1, tzinfo=UTC),
        "prev_hash": head.last_hash,
    }
    digest = ledger.entry_hash(Ledger.HOURS, **fields)
    # Core statements: plain SQL to the database (no ORM listener is involved in an INSERT).
    connection.execute(insert(HoursEntry.__table__).values(**fields, hash=digest))
    connection.execute(
        update(heads)
        .where(heads.c.ledger == "hours", heads.c.member_id == member_id)
        .values(entries=fields["seq"], total=heads.c.total + amount, last_hash=digest)
    )
