"""Attendance jobs: close forgotten check-outs, mark no-shows.

Both look only at shifts that ended within ``LOOKBACK`` (older ones were handled by earlier
runs) and do at most ``BATCH`` items per run, so a run stays short however long the history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select

from sunshine.attendance.models import Direction, Punch
from sunshine.attendance.service import punch_window
from sunshine.extensions import db
from sunshine.hours.models import RecordSource, ServiceRecord
from sunshine.hours.service import create_record
from sunshine.jobs.runner import job
from sunshine.tasks.models import Attendance, Shift, ShiftStatus, Signup, SignupStatus

LOOKBACK = timedelta(days=7)
BATCH = 2000


def _closed(shift: Shift, now: datetime) -> bool:
    """Whether the shift's check-out window has closed."""
    return punch_window(shift)[1] <= now


@job("attendance.close_forgotten_checkouts", every=timedelta(minutes=1))
def close_forgotten_checkouts(now: datetime) -> dict[str, int]:
    """Check-ins without a check-out once the window closed: credit up to the end, flag."""
    out = Punch.__table__.alias("out_punch")
    rows = db.session.execute(
        select(Punch, Shift)
        .join(Shift, Punch.shift_id == Shift.id)
        .where(
            Punch.direction == Direction.IN,
            Shift.ends_at <= now,
            Shift.ends_at > now - LOOKBACK,
            ~exists().where(
                and_(
                    out.c.shift_id == Punch.shift_id,
                    out.c.member_id == Punch.member_id,
                    out.c.direction == Direction.OUT.value,
                )
            ),
            ~exists().where(
                ServiceRecord.shift_id == Punch.shift_id,
                ServiceRecord.member_id == Punch.member_id,
            ),
        )
        .order_by(Punch.id)
        .limit(BATCH)
    ).all()
    closed = 0
    for check_in, shift in rows:
        if shift.status != ShiftStatus.OPEN or not _closed(shift, now):
            continue
        create_record(
            shift,
            check_in.member_id,
            check_in_at=check_in.punched_at,
            check_out_at=None,
            source=RecordSource.AUTO_CLOSED,
            flags=check_in.flags,
        )
        closed += 1
    return {"closed": closed}


@job("attendance.mark_no_shows", every=timedelta(minutes=5))
def mark_no_shows(now: datetime) -> dict[str, int]:
    """Confirmed signups nobody punched for, once the window closed, become no-shows."""
    signups = db.session.scalars(
        select(Signup)
        .join(Shift, Signup.shift_id == Shift.id)
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            Signup.attendance.is_(None),
            Shift.status == ShiftStatus.OPEN,
            Shift.ends_at <= now,
            Shift.ends_at > now - LOOKBACK,
        )
        .order_by(Signup.id)
        .limit(BATCH)
    ).all()
    marked = 0
    for signup in signups:
        if _closed(signup.shift, now):
            signup.attendance = Attendance.NO_SHOW
            marked += 1
    db.session.flush()
    return {"no_shows": marked}
