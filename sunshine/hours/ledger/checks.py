"""Checking the ledgers: ``verify`` recomputes every chain against its head (and the head
against its seal, ``seal.py``); ``problems`` names every broken chain (of a set of members).
Rebuilding the materialised totals is in ``rebuild.py``; checking the chains against the
signed digests in ``digests.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, or_, select, type_coerce

from sunshine.extensions import db
from sunshine.hours.ledger.chain import GENESIS_HASH, MODELS, entry_hash
from sunshine.hours.ledger.seal import seal_valid
from sunshine.hours.models import Ledger, LedgerHead

# Rows fetched per round trip while streaming a ledger (a server-side cursor on PostgreSQL).
STREAM_BATCH = 5000


# Verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first place where a chain and its head disagree with what was written."""

    ledger: Ledger | None  # None: the signed digest itself (signature, key)
    member_id: int | None
    seq: int | None
    entry_id: int | None
    what: str

    def __str__(self) -> str:
        if self.ledger is None:
            return f"signed digest: {self.what}"
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
    seal: str | None = None  # the head's stored seal


def _end_problem(ledger: Ledger, chain: _Chain, check_seal: bool = True) -> Problem | None:
    """Compare the end of a verified chain with its head, and the head with its seal."""
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
    if check_seal and not seal_valid(
        ledger,
        member_id=chain.member_id,
        entries=head_entries,
        total=head_total,
        last_hash=head_hash,
        stored=chain.seal,
    ):
        what = (
            "head not sealed: moved without the ledger key, or written before heads were "
            "sealed (`flask ledger seal`)"
            if chain.seal is None
            else "head seal does not match: the head was moved without the ledger key (an "
            "append outside the application)"
        )
        return Problem(ledger, chain.member_id, None, None, what)
    return None


def _end_problems(ledger: Ledger, chain: _Chain, check_seal: bool) -> Generator[Problem]:
    if (problem := _end_problem(ledger, chain, check_seal)) is not None:
        yield problem


def _chain_problems(
    ledger: Ledger, members: Any = None, check_seal: bool = True
) -> Generator[Problem]:
    """Walk every chain (of ``members``, a subquery of ids) in (member_id, seq) order,
    streamed: the first problem of each broken chain.

    Entries come with their member's head in one statement, so the comparison sees one
    snapshot even while appends go on (PostgreSQL gives each statement its own).
    """
    model = MODELS[ledger]
    query = (
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
            LedgerHead.seal,
        )
        .outerjoin(
            LedgerHead,
            and_(LedgerHead.ledger == ledger, LedgerHead.member_id == model.member_id),
        )
        .order_by(model.member_id, model.seq)
        .execution_options(yield_per=STREAM_BATCH)
    )
    if members is not None:
        query = query.where(model.member_id.in_(members))
    rows = db.session.execute(query)
    try:  # a generator closed early must close the server-side cursor
        chain: _Chain | None = None
        broken: int | None = None  # the member whose chain already has a problem
        for row in rows:
            if chain is None or row.member_id != chain.member_id:
                if chain is not None and broken != chain.member_id:
                    yield from _end_problems(ledger, chain, check_seal)
                head = None if row.entries is None else (row.total, row.entries, row.last_hash)
                chain = _Chain(member_id=row.member_id, head=head, seal=row.seal)
            if broken == row.member_id:
                continue
            if (problem := _entry_problem(ledger, chain, row)) is not None:
                broken = row.member_id
                yield problem
                continue
            chain.seq, chain.total, chain.last_hash = row.seq, chain.total + row.amount, row.hash
        if chain is not None and broken != chain.member_id:
            yield from _end_problems(ledger, chain, check_seal)
    finally:
        rows.close()


def _headless_problems(ledger: Ledger, members: Any = None) -> Generator[Problem]:
    """Heads that count something for a member who has no entry at all."""
    model = MODELS[ledger]
    query = (
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
        .execution_options(yield_per=STREAM_BATCH)
    )
    if members is not None:
        query = query.where(LedgerHead.member_id.in_(members))
    for orphan in db.session.execute(query):
        yield Problem(
            ledger,
            orphan.member_id,
            1 if orphan.entries else None,
            None,
            f"the head counts {orphan.entries} entries (total {orphan.total}) but the member "
            "has none",
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


def problems(ledger: Ledger, members: Any = None, *, check_seal: bool = True) -> Generator[Problem]:
    """Every broken chain of the ledger (of ``members``, a subquery of member ids): the first
    problem of each, chains in member order, then heads without entries. ``check_seal``
    False skips the heads' seals (only for sealing heads written before seals existed)."""
    yield from _chain_problems(ledger, members, check_seal)
    yield from _headless_problems(ledger, members)


def verify(ledger: Ledger) -> Problem | None:
    """Recompute every chain of the ledger and compare it with its head: the first problem.

    Streams the entries in (member_id, seq) order with bounded memory, so it stays usable at
    tens of millions of entries; problems are reported in that order.
    """
    found = problems(ledger)
    try:
        return next(found, None)
    finally:
        found.close()
