"""Service records computed from punches by a named rule.

The rule is stored on each record, so a later rule never silently changes old records.
``clamped_quarter_hours`` (the default): from max(check-in, start) to min(check-out, end),
rounded down to whole 15 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sunshine.extensions import db
from sunshine.hours import service as hours
from sunshine.hours.models import RecordFlag, RecordSource, ServiceRecord
from sunshine.tasks.models import Shift
from sunshine.tasks.service import SHANGHAI

RULE = "clamped_quarter_hours"
QUARTER = timedelta(minutes=15)


def clamped_quarter_hours(
    check_in: datetime, check_out: datetime, starts_at: datetime, ends_at: datetime
) -> int:
    served = min(check_out, ends_at) - max(check_in, starts_at)
    if served <= timedelta(0):
        return 0
    return (served // QUARTER) * 15


def create_record(
    shift: Shift,
    member_id: int,
    *,
    check_in_at: datetime,
    check_out_at: datetime | None,
    source: RecordSource,
    flags: Iterable[str],
) -> ServiceRecord:
    """The member's record for the shift, pending confirmation (or confirmed by the policy).

    Without a check-out (``check_out_at`` None) the record is credited up to the scheduled
    end and flagged ``forgot_checkout`` for the community to review.
    """
    task = shift.task
    end = check_out_at or shift.ends_at
    all_flags = set(flags) | ({RecordFlag.FORGOT_CHECKOUT} if check_out_at is None else set())
    record = ServiceRecord(
        member_id=member_id,
        shift_id=shift.id,
        area_id=task.area_id,
        area_path=task.area_path,
        activity_name=task.title,
        service_date=shift.starts_at.astimezone(SHANGHAI).date(),
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
    hours.apply_policy(record)
    return record
