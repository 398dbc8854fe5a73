"""What the ledger tests do to a chain: append entries for real, run ``flask ledger verify``,
sign the day's digest, and tamper with the chain as a database superuser would (triggers
off, hashes recomputed, and the head resealed by one who also holds the ledger key)."""

from __future__ import annotations

from datetime import datetime

from click.testing import Result
from flask import Flask
from sqlalchemy import text

from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.ledger.seal import seal
from sunshine.hours.models import HoursEntry, Ledger, LedgerHead, LedgerKind
from sunshine.jobs.runner import run_due

SIGN = "hours.sign_ledger_digest"  # the job that signs the day's digest


def append(member_id: int, amount: int, ledger_name: Ledger = Ledger.HOURS) -> int:
    """Append one adjustment to the member's chain and commit it; the entry's id."""
    entry = ledger.append(
        ledger_name,
        member_id=member_id,
        amount=amount,
        kind=LedgerKind.ADJUST,
        record_id=None,
        actor_id=None,
        reason="测试",
    )
    db.session.commit()
    return entry.id


def chain(member_id: int, amounts: list[int]) -> list[int]:
    """Append ``amounts`` to the member's hours chain; the entries' ids."""
    return [append(member_id, amount) for amount in amounts]


def verify_cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["ledger", "verify", *args])


def allow_tampering(table: str) -> None:
    """Switch off the append-only triggers inside this test's transaction (rolled back)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    else:
        db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
        db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def forged_hash(entry: HoursEntry, amount: int) -> str:
    """The hash ``entry`` would have with ``amount``: what a superuser who knows the format
    writes to make a changed entry look whole."""
    return ledger.entry_hash(
        Ledger.HOURS,
        member_id=entry.member_id,
        seq=entry.seq,
        record_id=entry.record_id,
        amount=amount,
        kind=entry.kind,
        actor_id=entry.actor_id,
        reason=entry.reason,
        created_at=entry.created_at,
        prev_hash=entry.prev_hash,
    )


def rewrite_tail(member_id: int, entry_id: int, amount: int, *, reseal: bool = True) -> None:
    """Change the last entry's amount, recompute its hash and move the head to match: what a
    superuser who knows the hash format can do with SQL, undetectable by the chain check.
    ``reseal``: and seal the moved head, as only someone who also holds the ledger key can
    (without it the head's seal gives the rewrite away, tests/ops/test_database_roles.py)."""
    entry = db.session.get(HoursEntry, entry_id)
    assert entry is not None
    old_amount = entry.amount
    forged = forged_hash(entry, amount)
    allow_tampering("hours_entry")
    db.session.execute(
        text("UPDATE hours_entry SET amount = :amount, hash = :hash WHERE id = :id"),
        {"amount": amount, "hash": forged, "id": entry_id},
    )
    db.session.execute(
        text(
            "UPDATE ledger_head SET total = total + :delta, last_hash = :hash "
            "WHERE ledger = 'hours' AND member_id = :member"
        ),
        {"delta": amount - old_amount, "hash": forged, "member": member_id},
    )
    if reseal:
        head = db.session.get(LedgerHead, (Ledger.HOURS, member_id), populate_existing=True)
        assert head is not None
        seal(head)
    db.session.commit()
    db.session.expire_all()


def sign(now: datetime | None = None) -> dict[str, object]:
    return run_due(now, only=SIGN)
