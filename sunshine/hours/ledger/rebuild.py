"""Rebuilding the materialised totals: ``rebuild_totals`` recomputes the heads and every
record's credited minutes from the entries — reporting the differences, or repairing them,
never touching an entry; and sealing the heads written before heads were sealed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from sunshine.extensions import db
from sunshine.hours.ledger.chain import GENESIS_HASH, MODELS, locked_head, record_sum
from sunshine.hours.ledger.checks import STREAM_BATCH, problems
from sunshine.hours.ledger.seal import seal, seal_valid
from sunshine.hours.models import HoursEntry, Ledger, LedgerHead, ServiceRecord

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
    seal(head)  # the repair vouches for the chain as it is now: run verify first


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


def reseal(*, previous_key: str | None = None) -> dict[str, tuple[int, int]]:
    """Seal under the configured key every head that counts entries and has no seal (heads
    written before seals existed) or, with ``previous_key``, a seal valid under that key (the
    ``LEDGER_SIGNING_KEY`` before a change of key) — each only if its chain verifies; per
    ledger (sealed, left as they were because broken or sealed under neither key).

    A chain sealed here is vouched for from then on: run it once after the migration that
    added seals, or right after changing the key, and read ``ledger verify`` first.
    """
    done: dict[str, tuple[int, int]] = {}
    for ledger in MODELS:
        candidates: list[ColumnElement[bool]] = [
            LedgerHead.ledger == ledger,
            LedgerHead.entries > 0,
        ]
        if previous_key is None:
            candidates.append(LedgerHead.seal.is_(None))
        members = select(LedgerHead.member_id).where(*candidates)
        broken = {p.member_id for p in problems(ledger, members=members, check_seal=False)}
        heads = db.session.scalars(
            select(LedgerHead).where(*candidates).order_by(LedgerHead.member_id).with_for_update()
        ).all()
        sealed = 0
        for head in heads:
            vouched = head.seal is None or seal_valid(
                ledger,
                member_id=head.member_id,
                entries=head.entries,
                total=head.total,
                last_hash=head.last_hash,
                stored=head.seal,
                key=previous_key,
            )
            if head.member_id not in broken and vouched:
                seal(head)
                sealed += 1
        done[str(ledger)] = (sealed, len(heads) - sealed)
    db.session.flush()
    return done
