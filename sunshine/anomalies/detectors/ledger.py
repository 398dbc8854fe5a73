"""Detectors over new hours-ledger entries: late confirmations and adjustments after a lock.

Every decision that moves a record's credit appends an hours entry, so the ledger, read past
its watermark, is the feed of decisions; entries are joined to their records (one query per
batch).

- **late_confirmation** — a confirm entry made after the confirmation deadline of its
  record: the 10th working day after the service date (``hours.calendar``; the same
  deadline after which ``hours.flag_overdue`` marks a pending record overdue). Subject: the
  record.
- **adjust_after_lock** — an adjust entry on a record dated in a period of its city that
  was locked before the entry was written (``audit.locks.locked_period``). Subject: the
  entry, as a record may be adjusted more than once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from sunshine import clock
from sunshine.anomalies.detectors import AnyRow, Found, batches, write
from sunshine.anomalies.models import AnomalyKind, EvidenceKind
from sunshine.audit.locks import city_id_of, locked_period
from sunshine.audit.models import Period
from sunshine.hours.calendar import add_working_days
from sunshine.hours.jobs import OVERDUE_AFTER_WORKING_DAYS
from sunshine.hours.models import HoursEntry, LedgerKind, ServiceRecord

WATERMARK = "ledger"


def scan(now: datetime) -> dict[str, int]:
    """Read the hours entries written since the last run; write what they show."""
    query = select(
        HoursEntry.id,
        HoursEntry.created_at.label("stamp"),
        HoursEntry.kind,
        HoursEntry.amount,
        HoursEntry.actor_id,
        HoursEntry.reason,
        ServiceRecord.id.label("record_id"),
        ServiceRecord.member_id,
        ServiceRecord.area_id,
        ServiceRecord.area_path,
        ServiceRecord.service_date,
    ).join(ServiceRecord, ServiceRecord.id == HoursEntry.record_id)
    read = created = 0
    deadlines: dict[date, date] = {}
    locks: dict[tuple[int, date], Period | None] = {}
    for batch in batches(WATERMARK, query, HoursEntry.id, now=now):
        read += len(batch)
        found: list[Found] = []
        for entry in batch:
            if entry.kind == LedgerKind.CONFIRM:
                found += _late(entry, deadlines)
            elif entry.kind == LedgerKind.ADJUST:
                found += _after_lock(entry, locks)
        created += write(found)
    return {"read": read, "found": created}


def _about(entry: AnyRow, kind: AnomalyKind, subject: str, summary: str, **more: Any) -> Found:
    return Found(
        kind=kind,
        subject=subject,
        member_id=entry.member_id,
        area_id=entry.area_id,
        area_path=entry.area_path,
        day=entry.service_date,
        summary=summary,
        record_id=entry.record_id,
        evidence={(EvidenceKind.RECORD, entry.record_id), (EvidenceKind.HOURS_ENTRY, entry.id)},
        **more,
    )


def _late(entry: AnyRow, deadlines: dict[date, date]) -> list[Found]:
    served = entry.service_date
    if served not in deadlines:
        deadlines[served] = add_working_days(served, OVERDUE_AFTER_WORKING_DAYS)
    deadline, confirmed_on = deadlines[served], clock.local_date(entry.stamp)
    if confirmed_on <= deadline:
        return []
    return [
        _about(
            entry,
            AnomalyKind.LATE_CONFIRMATION,
            f"record:{entry.record_id}",
            f"服务日期 {served.isoformat()}，{confirmed_on.isoformat()} 才确认"
            f"（应在 {deadline.isoformat()} 前确认）",
            detail={"confirmed_on": confirmed_on.isoformat(), "deadline": deadline.isoformat()},
        )
    ]


def _after_lock(entry: AnyRow, locks: dict[tuple[int, date], Period | None]) -> list[Found]:
    key = (city_id_of(entry.area_path), entry.service_date)
    if key not in locks:
        locks[key] = locked_period(entry.area_path, entry.service_date)
    period = locks[key]
    if period is None or period.locked_at is None or entry.stamp <= period.locked_at:
        return []
    return [
        _about(
            entry,
            AnomalyKind.ADJUST_AFTER_LOCK,
            f"entry:{entry.id}",
            f"考核周期 {period.starts_on.isoformat()}—{period.ends_on.isoformat()} 锁定后"
            f"调整时长 {entry.amount:+d} 分钟",
            detail={
                "period_id": period.id,
                "locked_at": period.locked_at.isoformat(),
                "amount": entry.amount,
                "actor_id": entry.actor_id,
                "reason": entry.reason,
            },
        )
    ]
