"""The detectors: what each finds, and the two things they share — reading their source table
incrementally, and writing what they found exactly once.

**Incremental.** Each detector reads one append-only or insert-ordered source table (service
records, hours-ledger entries, security events) past its watermark, the highest id it has
read, ``BATCH`` rows at a time and at most ``MAX_BATCHES`` batches a run, and moves the
watermark to the last row it read, in the job's transaction. So a run costs what was written
since the last one, whatever the size of the table: primary-key range scans, and lookups by
the ids and members of the batch.

Ids are handed out at insert but become visible at commit, so on PostgreSQL a row can appear
after a row with a higher id; a watermark that passed it would skip it for good. A detector
therefore only reads rows written at least ``SETTLE`` before the run's moment (by their own
timestamp, set from the one clock at insert): a transaction that writes records, entries or
security events is a request (gunicorn kills it after 30 s) or a bounded job, far shorter.

**Exactly once.** ``write`` takes what a batch found, merges duplicates, and inserts the
anomalies whose (kind, subject) is new; an open anomaly found again gains the evidence it
lacked (another record on a day already over 10 hours), a reviewed one is left as reviewed.
Each job runs under the runner's lock on its state row, so no two runs of one detector
overlap; the unique (kind, subject) index is the backstop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, select, tuple_

from sunshine.anomalies.models import (
    Anomaly,
    AnomalyEvidence,
    AnomalyKind,
    AnomalyStatus,
    DetectorWatermark,
    EvidenceKind,
)
from sunshine.database import insert_or_skip, table_of
from sunshine.extensions import db

BATCH = 2000  # source rows read at a time
MAX_BATCHES = 20  # per run: 40,000 rows, so a backlog (the first run) is caught up in a few runs
SETTLE = timedelta(minutes=5)  # rows younger than this may still have lower ids uncommitted
KEYS_PER_QUERY = 1000  # (kind, subject) pairs looked up at once: well under any bind limit

# A row of a detector's query, whatever its columns (read by name: ``row.member_id``).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass
class Found:
    """One anomaly a detector found, with its evidence."""

    kind: AnomalyKind
    subject: str
    member_id: int
    area_id: int
    area_path: str
    day: date
    summary: str
    record_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    evidence: set[tuple[EvidenceKind, int]] = field(default_factory=set)


def batches(
    name: str, query: AnySelect, id_column: Any, *, now: datetime
) -> Iterable[Sequence[AnyRow]]:
    """The rows of ``query`` past the watermark ``name``, batch by batch, oldest first.

    ``query`` selects the columns the detector needs, among them ``id`` (``id_column``, the
    source table's key) and ``stamp`` (the row's insert time); rows younger than ``SETTLE``
    are left for a later run. The watermark moves as each batch is handed out.
    """
    mark = db.session.get(DetectorWatermark, name)
    if mark is None:
        mark = DetectorWatermark(name=name, last_id=0)
        db.session.add(mark)
    cutoff = now - SETTLE
    for _ in range(MAX_BATCHES):
        rows = db.session.execute(
            query.where(id_column > mark.last_id).order_by(id_column).limit(BATCH)
        ).all()
        settled = []
        for row in rows:
            if row.stamp > cutoff:
                break
            settled.append(row)
        if not settled:
            return
        mark.last_id = settled[-1].id
        yield settled
        if len(settled) < BATCH:
            return


def write(found: Iterable[Found]) -> int:
    """Insert the anomalies not yet known and add evidence to open ones: how many are new."""
    merged: dict[tuple[AnomalyKind, str], Found] = {}
    for item in found:
        key = (item.kind, item.subject)
        if key in merged:
            merged[key].evidence |= item.evidence
        else:
            merged[key] = item
    if not merged:
        return 0
    keys = list(merged)
    known: dict[tuple[AnomalyKind, str], Anomaly] = {}
    for i in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[i : i + KEYS_PER_QUERY]
        for a in db.session.scalars(
            select(Anomaly).where(tuple_(Anomaly.kind, Anomaly.subject).in_(chunk))
        ):
            known[(a.kind, a.subject)] = a
    fresh = [
        Anomaly(
            kind=item.kind,
            subject=item.subject,
            area_id=item.area_id,
            area_path=item.area_path,
            member_id=item.member_id,
            record_id=item.record_id,
            day=item.day,
            summary=item.summary,
            detail=item.detail,
        )
        for key, item in merged.items()
        if key not in known
    ]
    db.session.add_all(fresh)
    db.session.flush()  # one flush for the batch: the new anomalies' ids for their evidence
    known.update({(a.kind, a.subject): a for a in fresh})
    links = [
        {"anomaly_id": known[key].id, "kind": kind, "ref_id": ref_id}
        for key, item in merged.items()
        if known[key].status == AnomalyStatus.OPEN  # what was reviewed stays as it was reviewed
        for kind, ref_id in sorted(item.evidence)
    ]
    if links:
        dialect = db.session.get_bind().dialect.name
        db.session.execute(
            insert_or_skip(
                table_of(AnomalyEvidence), dialect, key=["anomaly_id", "kind", "ref_id"]
            ),
            links,
        )
    return len(fresh)
