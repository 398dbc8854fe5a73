"""Service records: created from what attendance saw, by a named rule.

The rule that turns punches into minutes is stored on each record, so a later rule never
silently changes old records. ``clamped_quarter_hours`` (the one rule today): from
max(check-in, start) to min(check-out, end), rounded down to whole 15 minutes. Attendance
decides whether a punch counts; this module decides what the record says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sunshine import clock
from sunshine.extensions import db
from sunshine.hours.models import RecordFlag, RecordSource, ServiceRecord
from sunshine.hours.service.decisions import apply_policy
from sunshine.tasks.models import Shift, Task, Visibility

RULE = "clamped_quarter_hours"
QUARTER = timedelta(minutes=15)


def clamped_quarter_hours(
    check_in: datetime, check_out: datetime, starts_at: datetime, ends_at: datetime
) -> int:
    served = min(check_out, ends_at) - max(check_in, starts_at)
    return 0 if served <= timedelta(0) else (served // QUARTER) * 15


def _recorded_under(task: Task) -> tuple[int, str]:
    """(id, path) of the area a shift's service is recorded under: the task's own, or for a
    grid's task the grid's community, which confirms it and issues statements of it (a grid
    is no issuing body: docs/grids.md). Read off the path: no query on the check-out."""
    if task.visibility != Visibility.GRID:
        return task.area_id, task.area_path
    segments = task.area_path.strip("/").split("/")  # city, street, community, grid
    return int(segments[-2]), "/" + "/".join(segments[:-1]) + "/"


def create_record(
    shift: Shift,
    member_id: int,
    *,
    check_in_at: datetime,
    check_out_at: datetime | None,
    source: RecordSource,
    flags: Iterable[str],
) -> ServiceRecord:
    """The member's record of a shift attendance saw them serve, pending confirmation (or
    confirmed by the area's policy). The minutes follow ``RULE``.

    Without a check-out (``check_out_at`` None) the record is credited up to the scheduled
    end and flagged ``forgot_checkout`` for the community to review.
    """
    task = shift.task
    end = check_out_at or shift.ends_at
    all_flags = set(flags) | ({RecordFlag.FORGOT_CHECKOUT} if check_out_at is None else set())
    area_id, area_path = _recorded_under(task)
    record = ServiceRecord(
        member_id=member_id,
        shift_id=shift.id,
        area_id=area_id,
        area_path=area_path,
        body_id=task.body_id,
        activity_name=task.title,
        service_date=clock.local_date(shift.starts_at),
        place=task.address,
        content=task.content,
        person_in_charge=task.contact_name,
        rule=RULE,
        source=source,
        check_in_at=check_in_at,
        check_out_at=check_out_at,
        minutes=clamped_quarter_hours(check_in_at, end, shift.starts_at, shift.ends_at),
        credited_minutes=0,
        flags=sorted(str(flag) for flag in all_flags),
    )
    db.session.add(record)
    db.session.flush()
    apply_policy(record)
    return record
