"""Check-in and check-out: punches and the record a check-out computes (who may show a
shift's rotating code, and who did: ``code_holders``).

A punch is accepted when: the code is genuine and current (rotating) or the phone is within
the task's radius (venue); the shift and task are not cancelled; it is inside the window
(check-in from ``checkin_opens_minutes`` before the start to the end, check-out from the
start until ``checkout_closes_minutes`` after the end); and the member holds a confirmed
signup (or, if the task allows walk-ins, takes a free place). A repeated punch returns the
first one. The check-out computes the service record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, bindparam, select, update

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.attendance import codes
from sunshine.attendance.models import CodeHolder, Direction, Punch, PunchFlag, PunchMethod
from sunshine.attendance.venue import task_of_scene
from sunshine.database import insert_or_skip, table_of
from sunshine.errors import Conflict, Forbidden, Invalid
from sunshine.extensions import db
from sunshine.geo import CoordinateSystem, Point, in_gcj02
from sunshine.hours.models import RecordFlag, RecordSource, ServiceRecord
from sunshine.hours.service import create_record
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
    """The phone's location as sent; only the distance to the site is ever kept."""

    latitude: float
    longitude: float
    system: CoordinateSystem
    accuracy: float | None = None


@dataclass(frozen=True)
class Site:
    """What a punch is checked against: the shift's times and status, its task's settings."""

    shift_id: int
    shift_status: str
    starts_at: datetime
    ends_at: datetime
    task_status: str
    checkin_opens_minutes: int
    checkout_closes_minutes: int
    latitude: Decimal | None
    longitude: Decimal | None
    checkin_radius_m: int
    allow_walk_ins: bool

    @classmethod
    def of(cls, shift: Shift) -> Site:
        task = shift.task
        return cls(
            shift.id,
            shift.status,
            shift.starts_at,
            shift.ends_at,
            task.status,
            task.checkin_opens_minutes,
            task.checkout_closes_minutes,
            task.latitude,
            task.longitude,
            task.checkin_radius_m,
            task.allow_walk_ins,
        )


def _window(site: Site, direction: Direction) -> tuple[datetime, datetime]:
    opens = site.starts_at - timedelta(minutes=site.checkin_opens_minutes)
    if direction == Direction.IN:
        return opens, site.ends_at
    return opens, site.ends_at + timedelta(minutes=site.checkout_closes_minutes)


def punch_window(shift: Shift | Site) -> tuple[datetime, datetime]:
    """From check-in opening to check-out closing: when anything may be punched at all."""
    site = shift if isinstance(shift, Site) else Site.of(shift)
    return _window(site, Direction.IN)[0], _window(site, Direction.OUT)[1]


def _check_window(site: Site, direction: Direction, moment: datetime) -> None:
    opens, closes = _window(site, direction)
    if moment < opens:
        raise Conflict("尚未到签到时间", code="punch.too_early")
    if direction == Direction.OUT and moment < site.starts_at:
        # Served nothing yet: the record would be 0 minutes, and punches are append-only, so
        # a mistaken tap would end the member's attendance for good (docs/attendance.md).
        raise Conflict("服务尚未开始，开始后才能签退", code="punch.checkout_before_start")
    if moment > closes:
        what = "签到" if direction == Direction.IN else "签退"
        raise Conflict(f"{what}时间已过", code="punch.too_late")


def check_open(shift: Shift | Site) -> None:
    site = shift if isinstance(shift, Site) else Site.of(shift)
    if site.shift_status == ShiftStatus.CANCELLED or site.task_status == TaskStatus.CANCELLED:
        raise Conflict("班次已取消", code="shift.cancelled")
    if site.task_status != TaskStatus.PUBLISHED:
        raise Conflict("任务尚未发布", code="shift.not_open")


# Punches ------------------------------------------------------------------------------------


def confirmed_signup(shift_id: int, member_id: int) -> Signup | None:
    return db.session.scalar(
        select(Signup).where(
            Signup.shift_id == shift_id,
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
        )
    )


# A check-in's statements are built once, on Table columns: building a statement costs about
# as much CPU as running it, the ORM's bookkeeping as much again, and the check-in is the
# busiest request of an action day.
_shifts, _tasks = table_of(Shift), table_of(Task)
_signups, _punches = table_of(Signup), table_of(Punch)
_SITE_COLUMNS = (  # in the order of Site's fields
    _shifts.c.id,
    _shifts.c.status,
    _shifts.c.starts_at,
    _shifts.c.ends_at,
    _tasks.c.status,
    _tasks.c.checkin_opens_minutes,
    _tasks.c.checkout_closes_minutes,
    _tasks.c.latitude,
    _tasks.c.longitude,
    _tasks.c.checkin_radius_m,
    _tasks.c.allow_walk_ins,
)
_PUNCH_KEYS = [c.key for c in _punches.columns]
_SITE_AND_PUNCHES = (  # one row per punch the member has on the shift, at least one row
    select(*_SITE_COLUMNS, *_punches.columns)
    .join_from(_shifts, _tasks, _shifts.c.task_id == _tasks.c.id)
    .outerjoin(
        _punches,
        and_(_punches.c.shift_id == _shifts.c.id, _punches.c.member_id == bindparam("member_id")),
    )
    .where(_shifts.c.id == bindparam("shift_id"))
)
_MARK_ATTENDED = (
    update(_signups)
    .where(
        _signups.c.shift_id == bindparam("signup_shift_id"),
        _signups.c.member_id == bindparam("signup_member_id"),
        _signups.c.status == SignupStatus.CONFIRMED,
    )
    .values(attendance=Attendance.ATTENDED)
    .returning(_signups.c.id)
)
_holders = table_of(CodeHolder)
_HELD = select(_holders.c.shift_id).where(
    _holders.c.shift_id == bindparam("held_shift_id"),
    _holders.c.account_id == bindparam("held_account_id"),
)
_INSERT_ONCE = {  # the VALUES come from the parameters
    dialect: insert_or_skip(
        _punches, dialect, key=["shift_id", "member_id", "direction"]
    ).returning(_punches.c.id)
    for dialect in ("sqlite", "postgresql")
}


def held_code(shift_id: int, account_id: int) -> bool:
    """Whether the account was ever handed the shift's rotating code (``code_holders``)."""
    params = {"held_shift_id": shift_id, "held_account_id": account_id}
    return db.session.scalar(_HELD, params) is not None


def _site_and_punches(shift_id: int, member_id: int) -> tuple[Site, dict[Direction, Punch]]:
    """The shift as a ``Site`` and the member's punches on it by direction (one statement).

    The punches are read as written and never changed, so they are not added to the session.
    """
    rows = db.session.execute(
        _SITE_AND_PUNCHES, {"shift_id": shift_id, "member_id": member_id}
    ).all()
    if not rows:
        raise tasks.SHIFT_MISSING.error()
    width = len(_SITE_COLUMNS)
    punches = {}
    for row in rows:
        if row[width] is not None:
            punch = Punch(**dict(zip(_PUNCH_KEYS, row[width:], strict=True)))
            punches[punch.direction] = punch
    return Site(*rows[0][:width]), punches


def _venue_shift(task: Task, member_id: int, now: datetime) -> Shift:
    """The member's shift of the task whose punch window is open now."""
    for shift in task.shifts:
        opens, closes = punch_window(shift)
        if (
            shift.status == ShiftStatus.OPEN
            and opens <= now <= closes
            and (task.allow_walk_ins or confirmed_signup(shift.id, member_id) is not None)
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
    member_id = members.verified_member_id(actor)
    now = clock.on_site()
    if codes.is_rotating(code):
        shift_id = codes.read_rotating(code, now)
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
        shift_id = _venue_shift(task, member_id, now).id
        method = PunchMethod.VENUE
    site, punches = _site_and_punches(shift_id, member_id)
    existing = punches.get(direction)
    if existing is not None:
        return PunchResult(existing, False, _record_of(shift_id, member_id))
    check_open(site)
    _check_window(site, direction, now)
    flags: list[str] = []
    distance = None
    if location is not None and site.latitude is not None and site.longitude is not None:
        # The site is stored in GCJ-02; a WGS-84 location is moved there first. Measured within
        # GCJ-02: its shift varies so slowly that distances differ from WGS-84 ones by < 1%.
        here = in_gcj02(Point(location.latitude, location.longitude, location.system))
        distance = round(
            codes.distance_m(
                here.latitude, here.longitude, float(site.latitude), float(site.longitude)
            )
        )
        if method == PunchMethod.VENUE and distance > site.checkin_radius_m:
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
        if not _mark_attended(shift_id, member_id):
            _walk_in(site, member_id).attendance = Attendance.ATTENDED
            flags.append(PunchFlag.WALK_IN)
    else:
        check_in = punches.get(Direction.IN)
        if check_in is None:
            raise Conflict("请先签到，再签退", code="punch.no_checkin")
    new = Punch(
        shift_id=shift_id,
        member_id=member_id,
        direction=direction,
        method=method,
        punched_at=now,
        distance_m=distance,
        accuracy_m=accuracy,
        flags=flags,
        created_at=now,
    )
    if not _insert_once(new):  # the same member's parallel punch won: return it
        won = _site_and_punches(shift_id, member_id)[1].get(direction)
        if won is None:
            raise Conflict("正在处理您的打卡，请稍后刷新", code="punch.duplicate")
        return PunchResult(won, False, _record_of(shift_id, member_id))
    record = None
    if check_in is not None:
        # Only a check-out asks whether the member held the code (one primary-key lookup):
        # the check-in, the busiest request of an action day, stays as it was.
        held = {RecordFlag.CODE_HOLDER} if held_code(shift_id, actor.id) else set()
        record = create_record(
            tasks.get_shift(shift_id),
            member_id,
            check_in_at=check_in.punched_at,
            check_out_at=now,
            source=RecordSource.PUNCHES,
            flags=set(check_in.flags) | set(flags) | held,
        )
    return PunchResult(new, True, record)


def _mark_attended(shift_id: int, member_id: int) -> bool:
    """Mark the member's confirmed signup attended (one UPDATE); False when there is none.

    A plain-SQL UPDATE: a signup object already in the session keeps its old attendance.
    """
    params = {"signup_shift_id": shift_id, "signup_member_id": member_id}
    return db.session.scalar(_MARK_ATTENDED, params) is not None


def _insert_once(punch: Punch) -> bool:
    """INSERT the punch unless one of its direction exists (ON CONFLICT DO NOTHING); the
    punch gets its id. False when a parallel request's punch was there first.

    One statement instead of a SAVEPOINT, an INSERT and a RELEASE: a check-in is the
    busiest write of an action day. The punch is not added to the session (it is never
    changed); callers read it as written.
    """
    dialect = db.session.get_bind().dialect.name
    values = {key: getattr(punch, key) for key in _PUNCH_KEYS if key != "id"}
    new_id: int | None = db.session.scalar(_INSERT_ONCE[dialect], values)
    if new_id is None:
        return False
    punch.id = new_id
    return True


def _walk_in(site: Site, member_id: int) -> Signup:
    if not site.allow_walk_ins:
        raise Conflict("您未报名本班次", code="punch.no_signup")
    return tasks.take_place_on_site(site.shift_id, db.session.get_one(Member, member_id))


def _record_of(shift_id: int, member_id: int) -> ServiceRecord | None:
    return db.session.scalar(
        select(ServiceRecord).where(
            ServiceRecord.shift_id == shift_id, ServiceRecord.member_id == member_id
        )
    )
