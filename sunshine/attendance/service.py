"""Check-in and check-out, hand-recorded attendance, and attendance outcomes.

A punch is accepted when: the code is genuine and current (rotating) or the phone is within
the task's radius (venue); the shift and task are not cancelled; it is inside the window
(check-in from ``checkin_opens_minutes`` before the start to the end, check-out until
``checkout_closes_minutes`` after the end); and the member holds a confirmed signup (or, if
the task allows walk-ins, takes a free place). A repeated punch returns the first one. The
check-out computes the service record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.attendance import codes
from sunshine.attendance.models import Direction, Punch, PunchFlag, PunchMethod
from sunshine.attendance.records import create_record
from sunshine.attendance.venue import task_of_scene
from sunshine.database import utcnow
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.hours.models import RecordSource, ServiceRecord
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.tasks import service as tasks
from sunshine.tasks.models import (
    Attendance,
    CheckinMode,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskStatus,
)

LOW_ACCURACY_M = 100  # a reported accuracy worse than this flags the punch


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    accuracy: float | None = None


def _window(shift: Shift, direction: Direction) -> tuple[datetime, datetime]:
    opens = shift.starts_at - timedelta(minutes=shift.task.checkin_opens_minutes)
    if direction == Direction.IN:
        return opens, shift.ends_at
    return opens, shift.ends_at + timedelta(minutes=shift.task.checkout_closes_minutes)


def _check_open(shift: Shift) -> None:
    if shift.status == ShiftStatus.CANCELLED or shift.task.status == TaskStatus.CANCELLED:
        raise Conflict("班次已取消", code="shift.cancelled")
    if shift.task.status != TaskStatus.PUBLISHED:
        raise Conflict("任务尚未发布", code="shift.not_open")


def punch_window(shift: Shift) -> tuple[datetime, datetime]:
    """From check-in opening to check-out closing: when anything may be punched at all."""
    return _window(shift, Direction.IN)[0], _window(shift, Direction.OUT)[1]


def _check_window(shift: Shift, direction: Direction, moment: datetime) -> None:
    opens, closes = _window(shift, direction)
    if moment < opens:
        raise Conflict("尚未到签到时间", code="punch.too_early")
    if moment > closes:
        what = "签到" if direction == Direction.IN else "签退"
        raise Conflict(f"{what}时间已过", code="punch.too_late")


# Rotating codes -----------------------------------------------------------------------------


def _may_show_code(actor: Actor, shift: Shift) -> bool:
    holder = shift.code_holder_id
    if holder is not None:
        member = members.own_member_or_none(actor)
        if member is not None and member.id == holder:
            return True
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of(shift.task))
    return True


def current_code(*, actor: Actor, shift_id: int) -> codes.RotatingCode:
    """The shift's code for this 30-second step, for its person in charge to show."""
    shift = tasks.get_shift(shift_id)
    _may_show_code(actor, shift)
    _check_open(shift)
    now = utcnow()
    opens, closes = punch_window(shift)
    if not opens <= now <= closes:
        raise Conflict("不在签到时间内", code="punch.window_closed")
    return codes.rotating_code(shift.id, now)


def set_code_holder(*, actor: Actor, shift_id: int, member_id: int | None) -> Shift:
    """Designate an on-site member (holding a confirmed place) to show the rotating code."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = tasks.get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of(shift.task))
    _check_open(shift)
    if member_id is not None and _confirmed_signup(shift.id, member_id) is None:
        raise Invalid(
            "只能指定已报名本班次的党员",
            code="shift.holder_not_signed_up",
            fields={"member_id": ["未报名本班次"]},
        )
    shift.code_holder_id = member_id
    db.session.flush()
    return shift


# Punches ------------------------------------------------------------------------------------


def _confirmed_signup(shift_id: int, member_id: int) -> Signup | None:
    return db.session.scalar(
        select(Signup).where(
            Signup.shift_id == shift_id,
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
        )
    )


def _existing(shift_id: int, member_id: int, direction: Direction) -> Punch | None:
    return db.session.scalar(
        select(Punch).where(
            Punch.shift_id == shift_id, Punch.member_id == member_id, Punch.direction == direction
        )
    )


def _shift_with_task(shift_id: int) -> Shift:
    shift = db.session.scalar(
        select(Shift).options(joinedload(Shift.task)).where(Shift.id == shift_id)
    )
    if shift is None:
        raise NotFound("班次不存在", code="shift.not_found")
    return shift


def _venue_shift(task: Task, member: Member, now: datetime) -> Shift:
    """The member's shift of the task whose punch window is open now."""
    for shift in task.shifts:
        opens, closes = punch_window(shift)
        if (
            shift.status == ShiftStatus.OPEN
            and opens <= now <= closes
            and (task.allow_walk_ins or _confirmed_signup(shift.id, member.id) is not None)
        ):
            return shift
    raise Conflict("当前没有您可签到的班次", code="punch.no_shift_now")


@dataclass
class PunchResult:
    punch: Punch
    created: bool
    record: ServiceRecord | None = None


def punch(
    *, actor: Actor, code: str, direction: Direction, location: Location | None
) -> PunchResult:
    member = members.require_verified(actor)
    now = utcnow()
    if codes.is_rotating(code):
        shift = _shift_with_task(codes.read_rotating(code, now))
        method = PunchMethod.ROTATING
    else:
        task = task_of_scene(codes.check_venue_scene(code))
        if task.checkin_mode != CheckinMode.VENUE:
            raise Conflict("该任务不使用场地码签到", code="punch.venue_not_enabled")
        if location is None:
            raise Invalid(
                "扫场地码签到需要提供当前位置",
                code="punch.location_required",
                fields={"location": ["必填"]},
            )
        shift = _venue_shift(task, member, now)
        method = PunchMethod.VENUE
    existing = _existing(shift.id, member.id, direction)
    if existing is not None:
        return PunchResult(existing, False, _record_of(shift.id, member.id))
    _check_open(shift)
    _check_window(shift, direction, now)
    task = shift.task
    flags: list[str] = []
    distance = None
    if location is not None and task.latitude is not None and task.longitude is not None:
        distance = round(
            codes.distance_m(
                location.latitude, location.longitude, float(task.latitude), float(task.longitude)
            )
        )
        if method == PunchMethod.VENUE and distance > task.checkin_radius_m:
            raise Forbidden(
                f"您不在服务地点附近（距离约 {distance} 米），无法签到", code="punch.too_far"
            )
    elif method == PunchMethod.VENUE:
        raise Conflict("任务未设置服务地点坐标，无法用场地码签到", code="punch.no_site")
    accuracy = None if location is None or location.accuracy is None else round(location.accuracy)
    if accuracy is not None and accuracy > LOW_ACCURACY_M:
        flags.append(PunchFlag.LOW_ACCURACY)
    check_in = None
    if direction == Direction.IN:
        if not _mark_attended(shift.id, member.id):
            _walk_in(shift, member).attendance = Attendance.ATTENDED
            flags.append(PunchFlag.WALK_IN)
    else:
        check_in = _existing(shift.id, member.id, Direction.IN)
        if check_in is None:
            raise Conflict("请先签到，再签退", code="punch.no_checkin")
    new = Punch(
        shift_id=shift.id,
        member_id=member.id,
        direction=direction,
        method=method,
        punched_at=now,
        distance_m=distance,
        accuracy_m=accuracy,
        flags=flags,
        created_at=now,
    )
    if not _insert_once(new):  # the same member's parallel punch won: return it
        won = _existing(shift.id, member.id, direction)
        if won is None:
            raise Conflict("正在处理您的打卡，请稍后刷新", code="punch.duplicate")
        return PunchResult(won, False, _record_of(shift.id, member.id))
    record = None
    if check_in is not None:
        record = create_record(
            shift,
            member.id,
            check_in_at=check_in.punched_at,
            check_out_at=now,
            source=RecordSource.PUNCHES,
            flags=set(check_in.flags) | set(flags),
        )
    return PunchResult(new, True, record)


def _mark_attended(shift_id: int, member_id: int) -> bool:
    """Mark the member's confirmed signup attended (one UPDATE); False when there is none."""
    signup_id = db.session.scalar(
        update(Signup)
        .where(
            Signup.shift_id == shift_id,
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
        )
        .values(attendance=Attendance.ATTENDED)
        .returning(Signup.id)
        .execution_options(synchronize_session=False)
    )
    return signup_id is not None


def _insert_once(punch: Punch) -> bool:
    """INSERT the punch unless one of its direction exists (ON CONFLICT DO NOTHING); the
    punch gets its id. False when a parallel request's punch was there first.

    One statement instead of a SAVEPOINT, an INSERT and a RELEASE: a check-in is the
    busiest write of an action day. The punch is not added to the session (it is never
    changed); callers read it as written.
    """
    dialect = db.session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    values = {
        column.key: getattr(punch, column.key)
        for column in Punch.__table__.columns
        if column.key != "id"
    }
    new_id: int | None = db.session.scalar(
        insert(Punch)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["shift_id", "member_id", "direction"])
        .returning(Punch.id)
    )
    if new_id is None:
        return False
    punch.id = new_id
    return True


def _walk_in(shift: Shift, member: Member) -> Signup:
    if not shift.task.allow_walk_ins:
        raise Conflict("您未报名本班次", code="punch.no_signup")
    return tasks.take_place_on_site(shift.id, member)


def _record_of(shift_id: int, member_id: int) -> ServiceRecord | None:
    return db.session.scalar(
        select(ServiceRecord).where(
            ServiceRecord.shift_id == shift_id, ServiceRecord.member_id == member_id
        )
    )


# Hand-recorded attendance and outcomes ------------------------------------------------------


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
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of(shift.task))
    _check_open(shift)
    signup = _confirmed_signup(shift.id, member_id)
    if signup is None:
        raise Conflict("该党员未报名本班次", code="attendance.no_signup")
    opens, closes = punch_window(shift)
    now = utcnow()
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
        raise NotFound("报名不存在", code="signup.not_found")
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of(signup.shift.task))
    if signup.status != SignupStatus.CONFIRMED or signup.attendance == Attendance.ATTENDED:
        raise Conflict("只能为已报名且未到场的党员请假", code="attendance.not_absent")
    if utcnow() < signup.shift.starts_at:
        raise Conflict("班次尚未开始，请让党员取消报名", code="attendance.not_started")
    signup.attendance, signup.attendance_note = Attendance.EXCUSED, reason
    db.session.flush()
    return signup
