"""Attendance the community records: by hand for members without a phone, and excused
absences. Both are marked as such; the punch rules live in ``attendance.service``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.attendance.models import Direction, Punch, PunchFlag, PunchMethod
from sunshine.attendance.service import check_open, confirmed_signup, punch_window
from sunshine.errors import Conflict, Invalid
from sunshine.extensions import db
from sunshine.hours.models import RecordSource, ServiceRecord
from sunshine.hours.service import create_record
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Attendance, Signup, SignupStatus


def record_by_hand(
    *,
    actor: Actor,
    shift_id: int,
    member_id: int,
    checked_in_at: datetime,
    checked_out_at: datetime,
    reason: str,
) -> ServiceRecord:
    """The community records a member's attendance (no phone, flat battery …); marked so."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = tasks.get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of_shift(shift))
    check_open(shift)
    signup = confirmed_signup(shift.id, member_id)
    if signup is None:
        raise Conflict("该党员未报名本班次", code="attendance.no_signup")
    opens, closes = punch_window(shift)
    now = clock.on_site()
    if not opens <= checked_in_at < checked_out_at <= min(closes, now):
        raise Invalid(
            "签到、签退时间应在班次时间窗口内，签到早于签退，且不晚于现在",
            code="attendance.bad_times",
            fields={"checked_out_at": ["时间不合理"]},
        )
    if db.session.scalar(
        select(Punch.id).where(Punch.shift_id == shift.id, Punch.member_id == member_id)
    ):
        raise Conflict("该党员已有打卡记录", code="attendance.already_punched")
    for direction, moment in ((Direction.IN, checked_in_at), (Direction.OUT, checked_out_at)):
        db.session.add(
            Punch(
                shift_id=shift.id,
                member_id=member_id,
                direction=direction,
                method=PunchMethod.HAND,
                punched_at=moment,
                flags=[PunchFlag.HAND_RECORDED],
                recorded_by_id=actor.id,
                reason=reason,
            )
        )
    signup.attendance = Attendance.ATTENDED
    db.session.flush()
    return create_record(
        shift,
        member_id,
        check_in_at=checked_in_at,
        check_out_at=checked_out_at,
        source=RecordSource.HAND,
        flags={PunchFlag.HAND_RECORDED},
    )


def excuse(*, actor: Actor, signup_id: int, reason: str) -> Signup:
    """The community excuses a member who did not come (before or after the no-show job)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    signup = db.session.get(Signup, signup_id)
    if signup is None:
        raise tasks.SIGNUP_MISSING.error()
    place = replace(tasks.place_of(signup.shift.task), subject=tasks.signup_subject(signup))
    authorize(actor, Permission.TASK_MANAGE, place)
    if signup.status != SignupStatus.CONFIRMED or signup.attendance == Attendance.ATTENDED:
        raise Conflict("只能为已报名且未到场的党员请假", code="attendance.not_absent")
    if clock.on_site() < signup.shift.starts_at:
        raise Conflict("班次尚未开始，请让党员取消报名", code="attendance.not_started")
    signup.attendance, signup.attendance_note = Attendance.EXCUSED, reason
    db.session.flush()
    return signup
