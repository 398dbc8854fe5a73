"""Checking the ledgers: ``verify`` recomputes every chain against its head, and
``rebuild_totals`` recomputes the materialised totals (heads, credited minutes) from the
entries — reporting the differences, or repairing them, never touching an entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from sunshine.extensions import db
from sunshine.hours.ledger.chain import (
    GENESIS_HASH,
    MODELS,
    entry_hash,
    locked_head,
    record_sum,
)
from sunshine.hours.models import HoursEntry, Ledger, LedgerHead, ServiceRecord

# Rows fetched per round trip while streaming a ledger (a server-side cursor on PostgreSQL).
STREAM_BATCH = 5000


# Verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first place where a chain and its head disagree with what was written."""

    ledger: Ledger
    member_id: int
    seq: int | None
    entry_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.ledger} ledger, member {self.member_id}"
        if self.seq is not None:
            where += f", seq {self.seq}"
        if self.entry_id is not None:
            where += f", entry id {self.entry_id}"
        return f"{where}: {self.what}"


@dataclass
class _Chain:
    member_id: int
    seq: int = 0
    total: int = 0
    last_hash: str = GENESIS_HASH
    head: tuple[int, int, str] | None = None  # (total, entries, last_hash)


def _end_problem(ledger: Ledger, chain: _Chain) -> Problem | None:
    """Compare the end of a verified chain with its head."""
    if chain.head is None:
        return Problem(ledger, chain.member_id, None, None, "the chain has no head row")
    head_total, head_entries, head_hash = chain.head
    if head_entries > chain.seq:
        return Problem(
            ledger,
            chain.member_id,
            chain.seq + 1,
            None,
            f"entry missing: the head counts {head_entries} entries, the chain ends at "
            f"seq {chain.seq}",
        )
    if head_entries != chain.seq:
        return Problem(
            ledger,
            chain.member_id,
            None,
            None,
            f"head counts {head_entries} entries, the chain has {chain.seq}",
        )
    if head_hash != chain.last_hash:
        return Problem(
            ledger,
            chain.member_id,
            None,
            None,
            f"head last_hash {head_hash} is not the hash of the last entry ({chain.last_hash})",
        )
    if head_total != chain.total:
        return Problem(
            ledger,
            chain.member_id,
            None,
            None,
            f"head total {head_total} differs from the sum of the entries ({chain.total})",
        )
    return None


def _chain_problem(ledger: Ledger) -> Problem | None:
    """Walk every chain in (member_id, seq) order, streamed: the first problem.

    Entries come with their member's head in one statement, so the comparison sees one
    snapshot even while appends go on (PostgreSQL gives each statement its own).
    """
    model = MODELS[ledger]
    rows = db.session.execute(
        select(
            model.id,
            model.member_id,
            model.seq,
            model.record_id,
            model.amount,
            type_coerce(model.kind, String).label("kind"),  # as stored, even if not a kind
            model.actor_id,
            model.reason,
            model.created_at,
            model.prev_hash,
            model.hash,
            LedgerHead.total,
            LedgerHead.entries,
            LedgerHead.last_hash,
        )
        .outerjoin(
            LedgerHead,
            and_(LedgerHead.ledger == ledger, LedgerHead.member_id == model.member_id),
        )
        .order_by(model.member_id, model.seq)
        .execution_options(yield_per=STREAM_BATCH)
    )
    try:  # an early return must close the server-side cursor
        chain: _Chain | None = None
        for row in rows:
            if chain is None or row.member_id != chain.member_id:
                if chain is not None and (problem := _end_problem(ledger, chain)) is not None:
                    return problem
                head = None if row.entries is None else (row.total, row.entries, row.last_hash)
                chain = _Chain(member_id=row.member_id, head=head)
            if (problem := _entry_problem(ledger, chain, row)) is not None:
                return problem
            chain.seq, chain.total, chain.last_hash = row.seq, chain.total + row.amount, row.hash
        return None if chain is None else _end_problem(ledger, chain)
    finally:
        rows.close()


def _headless_problem(ledger: Ledger) -> Problem | None:
    """A head that counts something for a member who has no entry at all."""
    model = MODELS[ledger]
    orphan = db.session.execute(
        select(LedgerHead.member_id, LedgerHead.total, LedgerHead.entries)
        .where(
            LedgerHead.ledger == ledger,
            or_(
                LedgerHead.total != 0,
                LedgerHead.entries != 0,
                LedgerHead.last_hash != GENESIS_HASH,
            ),
            ~select(model.id).where(model.member_id == LedgerHead.member_id).exists(),
        )
        .order_by(LedgerHead.member_id)
        .limit(1)
    ).first()
    if orphan is None:
        return None
    return Problem(
        ledger,
        orphan.member_id,
        1 if orphan.entries else None,
        None,
        f"the head counts {orphan.entries} entries (total {orphan.total}) but the member has none",
    )


def _entry_problem(ledger: Ledger, chain: _Chain, row: Any) -> Problem | None:
    def problem(what: str, seq: int | None = row.seq, entry_id: int | None = row.id) -> Problem:
        return Problem(ledger, chain.member_id, seq, entry_id, what)

    expected = chain.seq + 1
    if row.seq != expected:
        if row.seq > expected:
            return problem(f"entry missing: seq {row.seq} follows seq {chain.seq}", seq=expected)
        return problem(f"seq {row.seq} out of order after seq {chain.seq}")
    if row.prev_hash != chain.last_hash:
        return problem(
            f"prev_hash {row.prev_hash} is not the previous entry's hash {chain.last_hash}"
        )
    recomputed = entry_hash(
        ledger,
        member_id=row.member_id,
        seq=row.seq,
        record_id=row.record_id,
        amount=row.amount,
        kind=row.kind,
        actor_id=row.actor_id,
        reason=row.reason,
        created_at=row.created_at,
        prev_hash=row.prev_hash,
    )
    if recomputed != row.hash:
        return problem(f"content altered: stored hash {row.hash}, recomputed {recomputed}")
    if chain.total + row.amount < 0:
        return problem(f"the total goes below zero ({chain.total + row.amount})")
    return None


def verify(ledger: Ledger) -> Problem | None:
    """Recompute every chain of the ledger and compare it with its head: the first problem.

    Streams the entries in (member_id, seq) order with bounded memory, so it stays usable at
    tens of millions of entries; problems are reported in that order.
    """
    return _chain_problem(ledger) or _headless_problem(ledger)


# Rebuilding the materialised totals ----------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A materialised total that does not match the entries it is built from."""

    what: str  # "hours head", "points head", "credited_minutes"
    key: int  # member id for heads, record id for credited_minutes
    stored: Any
    computed: Any

    def __str__(self) -> str:
        name = "record" if self.what == "credited_minutes" else "member"
        return f"{self.what} of {name} {self.key}: stored {self.stored}, computed {self.computed}"


def _head_differences(ledger: Ledger) -> Iterator[Difference]:
    model = MODELS[ledger]
    last = aliased(model)
    sums = (
        select(
            model.member_id.label("member_id"),
            func.sum(model.amount).label("total"),
            func.max(model.seq).label("entries"),
        )
        .group_by(model.member_id)
        .subquery()
    )
    name = f"{ledger} head"
    with_entries = db.session.execute(
        select(
            sums.c.member_id,
            sums.c.total,
            sums.c.entries,
            last.hash,
            LedgerHead.total.label("head_total"),
            LedgerHead.entries.label("head_entries"),
            LedgerHead.last_hash.label("head_hash"),
        )
        .join(last, and_(last.member_id == sums.c.member_id, last.seq == sums.c.entries))
        .outerjoin(
            LedgerHead,
            and_(LedgerHead.ledger == ledger, LedgerHead.member_id == sums.c.member_id),
        )
        .where(
            or_(
                LedgerHead.member_id.is_(None),
                LedgerHead.total != sums.c.total,
                LedgerHead.entries != sums.c.entries,
                LedgerHead.last_hash != last.hash,
            )
        )
        .order_by(sums.c.member_id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in with_entries:
        stored = (
            None
            if row.head_entries is None
            else _head(row.head_total, row.head_entries, row.head_hash)
        )
        yield Difference(name, row.member_id, stored, _head(int(row.total), row.entries, row.hash))
    without_entries = db.session.execute(
        select(LedgerHead.member_id, LedgerHead.total, LedgerHead.entries, LedgerHead.last_hash)
        .where(
            LedgerHead.ledger == ledger,
            or_(
                LedgerHead.total != 0,
                LedgerHead.entries != 0,
                LedgerHead.last_hash != GENESIS_HASH,
            ),
            ~select(last.id).where(last.member_id == LedgerHead.member_id).exists(),
        )
        .order_by(LedgerHead.member_id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in without_entries:
        yield Difference(
            name,
            row.member_id,
            _head(row.total, row.entries, row.last_hash),
            _head(0, 0, GENESIS_HASH),
        )


def _head(total: int, entries: int, last_hash: str) -> dict[str, Any]:
    return {"total": total, "entries": entries, "last_hash": last_hash}


def _credited_differences() -> Iterator[Difference]:
    sums = (
        select(HoursEntry.record_id, func.sum(HoursEntry.amount).label("credited"))
        .where(HoursEntry.record_id.is_not(None))
        .group_by(HoursEntry.record_id)
        .subquery()
    )
    computed = func.coalesce(sums.c.credited, 0)
    rows = db.session.execute(
        select(ServiceRecord.id, ServiceRecord.credited_minutes, computed.label("computed"))
        .outerjoin(sums, sums.c.record_id == ServiceRecord.id)
        .where(ServiceRecord.credited_minutes != computed)
        .order_by(ServiceRecord.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in rows:
        yield Difference("credited_minutes", row.id, row.credited_minutes, int(row.computed))


def _member_chain_end(ledger: Ledger, member_id: int) -> dict[str, Any]:
    model = MODELS[ledger]
    total, entries = db.session.execute(
        select(
            func.coalesce(func.sum(model.amount), 0), func.coalesce(func.max(model.seq), 0)
        ).where(model.member_id == member_id)
    ).one()
    last_hash = db.session.scalar(
        select(model.hash).where(model.member_id == member_id, model.seq == entries)
    )
    return _head(int(total), int(entries), last_hash or GENESIS_HASH)


def _repair(difference: Difference) -> None:
    """Set one materialised value from the entries, recomputed under the row's lock.

    Appends lock the same rows (the head; the record, in the hours services), so a repair
    running beside the application never writes a value that an append has just outdated.
    """
    if difference.what == "credited_minutes":
        record = db.session.get(
            ServiceRecord, difference.key, with_for_update=True, populate_existing=True
        )
        if record is not None:
            record.credited_minutes = record_sum(Ledger.HOURS, record.id)
        return
    ledger = Ledger(difference.what.split()[0])
    head = locked_head(ledger, difference.key)
    end = _member_chain_end(ledger, difference.key)
    head.total, head.entries, head.last_hash = end["total"], end["entries"], end["last_hash"]


def rebuild_totals(*, repair: bool) -> list[Difference]:
    """Recompute every head and every record's credited_minutes from the entries.

    Returns the differences found; with ``repair`` the materialised values are set to the
    computed ones (the entries are never touched). A head's ``entries`` is rebuilt as the
    last seq, so that the next append continues the chain even if an entry went missing —
    ``verify`` still names the gap. Run ``verify`` first: rebuilding makes the heads agree
    with whatever the entries now say.
    """
    found: list[Difference] = []
    for ledger in MODELS:
        found.extend(_head_differences(ledger))
    found.extend(_credited_differences())
    if repair:
        for difference in found:
            _repair(difference)
        db.session.flush()
    return found
