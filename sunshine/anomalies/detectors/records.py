"""Detectors over new service records: overlaps, long days, flagged and far punches.

Each run reads the records created since the last (``batches``) and, for the batch, the other
records of its members around its days (one query) and the punches of its shifts (one
query). A record already rejected or voided when it is read is left alone: it counts for
nothing.

- **overlap** — a record whose credited interval (check-in to check-out, clamped to its
  shift, as the minutes rule clamps it; the shift's end for a forgotten check-out) overlaps
  the interval of an earlier record (lower id) of the same member. The anomaly is the later
  record's, with every record it overlaps as evidence; so each pair is found once, whatever
  the batches.
- **long_day** — the member's records of one day (the records' claims, ``minutes``) add up
  to more than 10 hours; subject (member, day), the newest record is the one a review voids,
  every record of the day is evidence.
- **flags** — one anomaly per flag of a record (forgot_checkout, low_accuracy,
  hand_recorded, walk_in) with the punches behind it, and **far_punch** for a punch whose
  distance to the site exceeds the task's check-in radius (possible with a rotating code,
  which does not require the location, when the phone sent one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sunshine.anomalies.detectors import AnyRow, Found, batches, write
from sunshine.anomalies.models import AnomalyKind, EvidenceKind
from sunshine.attendance.models import Direction, Punch, PunchMethod
from sunshine.extensions import db
from sunshine.hours.models import RecordFlag, RecordStatus, ServiceRecord
from sunshine.tasks.models import Shift, Task

LONG_DAY_MINUTES = 600  # more than 10 hours of service on one day
WATERMARK = "records"

_COUNTS = (RecordStatus.PENDING, RecordStatus.CONFIRMED)  # what still counts, or may
_COLUMNS = (
    ServiceRecord.id,
    ServiceRecord.created_at.label("stamp"),
    ServiceRecord.member_id,
    ServiceRecord.shift_id,
    ServiceRecord.area_id,
    ServiceRecord.area_path,
    ServiceRecord.service_date,
    ServiceRecord.status,
    ServiceRecord.minutes,
    ServiceRecord.flags,
    ServiceRecord.check_in_at,
    ServiceRecord.check_out_at,
    Shift.starts_at,
    Shift.ends_at,
)

_FLAG_SUMMARIES = {
    RecordFlag.FORGOT_CHECKOUT: "未签退，班次结束时由系统自动结束",
    RecordFlag.LOW_ACCURACY: "签到或签退时定位精度差",
    RecordFlag.HAND_RECORDED: "考勤由社区补录",
    RecordFlag.WALK_IN: "未报名，现场加入",
}


def scan(now: datetime) -> dict[str, int]:
    """Read the records created since the last run; write what they show."""
    query = select(*_COLUMNS).join(Shift, Shift.id == ServiceRecord.shift_id)
    read = created = 0
    for batch in batches(WATERMARK, query, ServiceRecord.id, now=now):
        read += len(batch)
        fresh = [r for r in batch if r.status in _COUNTS]
        if fresh:
            created += write([*_overlaps_and_long_days(fresh), *_flagged(fresh)])
    return {"read": read, "found": created}


def _interval(row: AnyRow) -> tuple[datetime, datetime]:
    """What the minutes rule credits: check-in to check-out, clamped to the shift."""
    out = row.check_out_at or row.ends_at
    return max(row.check_in_at or row.starts_at, row.starts_at), min(out, row.ends_at)


def _found(kind: AnomalyKind, subject: str, row: AnyRow, summary: str, **more: Any) -> Found:
    return Found(
        kind=kind,
        subject=subject,
        member_id=row.member_id,
        area_id=row.area_id,
        area_path=row.area_path,
        day=row.service_date,
        summary=summary,
        record_id=row.id,
        **more,
    )


def _overlaps_and_long_days(fresh: Sequence[AnyRow]) -> list[Found]:
    members = {r.member_id for r in fresh}
    first = min(r.service_date for r in fresh) - timedelta(days=1)
    last = max(r.service_date for r in fresh) + timedelta(days=1)
    around = db.session.execute(
        select(*_COLUMNS)
        .join(Shift, Shift.id == ServiceRecord.shift_id)
        .where(
            ServiceRecord.member_id.in_(members),
            ServiceRecord.service_date.between(first, last),
            ServiceRecord.status.in_(_COUNTS),
        )
    ).all()
    by_member: dict[int, list[AnyRow]] = defaultdict(list)
    for row in around:
        by_member[row.member_id].append(row)
    found: list[Found] = []
    for record in fresh:
        start, end = _interval(record)
        overlapping = []
        for other in by_member[record.member_id]:
            if other.id >= record.id:
                continue
            other_start, other_end = _interval(other)
            shared = min(end, other_end) - max(start, other_start)
            if shared > timedelta(0):
                overlapping.append((other.id, int(shared.total_seconds() // 60)))
        if overlapping:
            names = "、".join(str(i) for i, _ in overlapping)
            found.append(
                _found(
                    AnomalyKind.OVERLAP,
                    f"record:{record.id}",
                    record,
                    f"与服务记录 {names} 时间重叠",
                    detail={"overlaps": [{"record_id": i, "minutes": m} for i, m in overlapping]},
                    evidence={(EvidenceKind.RECORD, record.id)}
                    | {(EvidenceKind.RECORD, i) for i, _ in overlapping},
                )
            )
    days = {(r.member_id, r.service_date) for r in fresh}
    for member_id, day in sorted(days):
        of_day = [r for r in by_member[member_id] if r.service_date == day]
        total = sum(r.minutes for r in of_day)
        if total <= LONG_DAY_MINUTES:
            continue
        newest = max(of_day, key=lambda r: r.id)
        found.append(
            _found(
                AnomalyKind.LONG_DAY,
                f"member:{member_id}/day:{day.isoformat()}",
                newest,
                f"{day.isoformat()} 服务时长合计 {total // 60} 小时 {total % 60} 分钟，"
                "超过 10 小时",
                detail={"minutes": total},
                evidence={(EvidenceKind.RECORD, r.id) for r in of_day},
            )
        )
    return found


def _flagged(fresh: Sequence[AnyRow]) -> list[Found]:
    wanted = {(r.shift_id, r.member_id) for r in fresh}
    punches: dict[tuple[int, int], list[AnyRow]] = defaultdict(list)
    rows = db.session.execute(
        select(
            Punch.id,
            Punch.shift_id,
            Punch.member_id,
            Punch.direction,
            Punch.method,
            Punch.distance_m,
            Punch.accuracy_m,
            Punch.flags,
            Task.checkin_radius_m,
        )
        .join(Shift, Shift.id == Punch.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(Punch.shift_id.in_({shift_id for shift_id, _ in wanted}))
    )
    for punch in rows:
        if (punch.shift_id, punch.member_id) in wanted:
            punches[(punch.shift_id, punch.member_id)].append(punch)
    found: list[Found] = []
    for record in fresh:
        theirs = punches[(record.shift_id, record.member_id)]
        for flag in sorted(set(record.flags) & set(_FLAG_SUMMARIES)):
            behind = _behind(RecordFlag(flag), theirs)
            found.append(
                _found(
                    AnomalyKind(flag),
                    f"record:{record.id}",
                    record,
                    _FLAG_SUMMARIES[RecordFlag(flag)],
                    evidence={(EvidenceKind.RECORD, record.id)}
                    | {(EvidenceKind.PUNCH, p.id) for p in behind},
                )
            )
        far = [p for p in theirs if p.distance_m is not None and p.distance_m > p.checkin_radius_m]
        if far:
            worst = max(far, key=lambda p: p.distance_m)
            found.append(
                _found(
                    AnomalyKind.FAR_PUNCH,
                    f"record:{record.id}",
                    record,
                    f"打卡位置距服务地点约 {worst.distance_m} 米，"
                    f"超出 {worst.checkin_radius_m} 米范围",
                    detail={"distance_m": worst.distance_m, "radius_m": worst.checkin_radius_m},
                    evidence={(EvidenceKind.RECORD, record.id)}
                    | {(EvidenceKind.PUNCH, p.id) for p in far},
                )
            )
    return found


def _behind(flag: RecordFlag, punches: list[AnyRow]) -> list[AnyRow]:
    """The punches a record's flag comes from."""
    if flag == RecordFlag.FORGOT_CHECKOUT:
        return [p for p in punches if p.direction == Direction.IN]
    if flag == RecordFlag.HAND_RECORDED:
        return [p for p in punches if p.method == PunchMethod.HAND]
    return [p for p in punches if str(flag) in (p.flags or [])]
