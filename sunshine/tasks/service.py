"""Posting tasks and shifts, and signing members up with waitlists.

Capacity holds under concurrency because every signup change locks the shift row first
(SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite) and keeps ``confirmed_count``
beside the capacity. The lock is the guarantee: the CHECK on the counter catches arithmetic
slips, not lost updates. A full shift puts the member on the
waitlist; a cancellation promotes the oldest waitlisted signup in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.database import utcnow
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus, Skill
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.models import (
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskStatus,
    Visibility,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # days and weeks are counted here
# A shift moved by more than this is an event members must hear about.
MOVE_NOTICE_THRESHOLD = timedelta(minutes=5)
MAX_SHIFT_LENGTH = timedelta(hours=24)
LIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
TASK_FIELDS = (
    "kind",
    "title",
    "content",
    "address",
    "latitude",
    "longitude",
    "checkin_radius_m",
    "visibility",
    "contact_name",
    "contact_phone",
    "checkin_mode",
    "allow_walk_ins",
    "checkin_opens_minutes",
    "checkout_closes_minutes",
)


def visible_prefix(task: Task) -> str:
    """The area path under which members may join the task (its community, street or city)."""
    segments = task.area_path.strip("/").split("/")  # city, street[, community]
    return {
        Visibility.COMMUNITY: task.area_path,
        Visibility.STREET: "/" + "/".join(segments[:2]) + "/",
        Visibility.CITY: "/" + segments[0] + "/",
    }[task.visibility]


def carried(task: Task) -> dict[str, Any]:
    """What each shift of the task carries of it, for the feed to read one row: the visible
    prefix (``Shift.scope_path``), the status, the kind, the category and the area path."""
    return {
        "scope_path": visible_prefix(task),
        "task_status": task.status,
        "task_kind": task.kind,
        "task_category_id": task.category_id,
        "task_area_path": task.area_path,
    }


def _carry(task: Task, before: dict[str, Any]) -> None:
    """Rewrite what the task's shifts carry of it, when that changed since ``before``."""
    db.session.flush()  # task.category_id follows task.category on flush
    after = carried(task)
    if after != before:
        db.session.execute(update(Shift).where(Shift.task_id == task.id).values(**after))


def place_of(task: Task) -> Place:
    return Place(area_path=task.area_path)


# Catalogue -----------------------------------------------------------------------------------


def list_categories() -> list[TaskCategory]:
    return list(
        db.session.scalars(
            select(TaskCategory).where(TaskCategory.active).order_by(TaskCategory.sort_order)
        )
    )


def _category(category_id: int) -> TaskCategory:
    category = db.session.get(TaskCategory, category_id)
    if category is None or not category.active:
        raise Invalid(
            "服务类别不在目录中", code="task.unknown_category", fields={"category_id": ["未知类别"]}
        )
    return category


def _skills(skill_ids: Sequence[int]) -> list[Skill]:
    wanted = set(skill_ids)
    found = list(db.session.scalars(select(Skill).where(Skill.id.in_(wanted), Skill.active)))
    if len(found) != len(wanted):
        raise Invalid(
            "技能不在目录中",
            code="skill.unknown",
            fields={"skill_ids": [f"未知技能：{sorted(wanted - {s.id for s in found})}"]},
        )
    return found


# Tasks ---------------------------------------------------------------------------------------


def _check_visibility(area: Area, visibility: Visibility) -> None:
    if area.level == AreaLevel.STREET and visibility == Visibility.COMMUNITY:
        raise Invalid(
            "街道任务的可见范围应为街道或全市",
            code="task.bad_visibility",
            fields={"visibility": ["街道任务不能仅对社区可见"]},
        )


def create_task(
    *, actor: Actor, area_id: int, category_id: int, skill_ids: Sequence[int] = (), **fields: Any
) -> Task:
    """Post a task (a draft until published) for a community, or a street for street-wide."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    area = org.get_area(area_id)
    if area.level not in (AreaLevel.COMMUNITY, AreaLevel.STREET):
        raise Invalid(
            "任务应属于社区或街道", code="task.bad_area", fields={"area_id": ["应为社区或街道"]}
        )
    authorize(actor, Permission.TASK_MANAGE, Place(area_path=area.path))
    _check_visibility(area, fields["visibility"])
    task = Task(
        area=area,
        area_path=area.path,
        category=_category(category_id),
        skills=_skills(skill_ids),
        created_by_id=actor.id,
        status=TaskStatus.DRAFT,
        **{k: fields[k] for k in TASK_FIELDS if k in fields},
    )
    db.session.add(task)
    db.session.flush()
    return task


def get_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound("任务不存在", code="task.not_found")
    return task


def _managed(actor: Actor, task_id: int) -> Task:
    require_somewhere(actor, Permission.TASK_MANAGE)
    task = get_task(task_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(task))
    return task


def _editable(task: Task) -> None:
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("任务已取消，不能修改", code="task.cancelled")


def update_task(*, actor: Actor, task_id: int, changes: dict[str, Any]) -> Task:
    task = _managed(actor, task_id)
    _editable(task)
    before = carried(task)
    if "category_id" in changes:
        task.category = _category(changes.pop("category_id"))
    if "skill_ids" in changes:
        task.skills = _skills(changes.pop("skill_ids"))
    _check_visibility(task.area, changes.get("visibility", task.visibility))
    for field in TASK_FIELDS:
        if field in changes:
            setattr(task, field, changes[field])
    _carry(task, before)
    return task


def publish_task(*, actor: Actor, task_id: int) -> Task:
    """Make a task visible to members; it needs at least one open shift."""
    task = _managed(actor, task_id)
    _editable(task)
    if task.status == TaskStatus.PUBLISHED:
        return task
    if not any(s.status == ShiftStatus.OPEN for s in task.shifts):
        raise Conflict("请先添加至少一个班次", code="task.no_shifts")
    before = carried(task)
    task.status, task.published_at = TaskStatus.PUBLISHED, utcnow()
    _carry(task, before)
    return task


def cancel_task(*, actor: Actor, task_id: int, reason: str) -> Task:
    """Cancel a task with its open shifts (each an event for the members signed up)."""
    task = _managed(actor, task_id)
    _editable(task)
    # Locks in id order, as a call-up's confirmation takes them: the two never deadlock.
    for shift_id in sorted(s.id for s in task.shifts):
        shift = get_shift(shift_id, lock=True)  # as signups do: no signup slips in meanwhile
        if shift.status == ShiftStatus.OPEN:
            _cancel_shift(shift, reason)
    before = carried(task)
    task.status, task.cancelled_at, task.cancel_reason = TaskStatus.CANCELLED, utcnow(), reason
    _carry(task, before)
    return task


def query_tasks(
    *,
    actor: Actor,
    status: TaskStatus | None = None,
    area_id: int | None = None,
    after_id: int | None = None,
) -> Select[Task]:
    """Tasks the actor manages, newest first."""
    from sunshine.access.permissions import scope_filter

    require_somewhere(actor, Permission.TASK_MANAGE)
    query = (
        select(Task)
        .where(scope_filter(actor, Permission.TASK_MANAGE, area_path=Task.area_path))
        .order_by(Task.id.desc())
    )
    if status is not None:
        query = query.where(Task.status == status)
    if area_id is not None:
        query = query.where(Task.area_path.startswith(org.get_area(area_id).path, autoescape=True))
    if after_id is not None:
        query = query.where(Task.id < after_id)
    return query


# Shifts --------------------------------------------------------------------------------------


def _check_times(
    starts_at: datetime, ends_at: datetime, deadline: datetime, *, new_deadline: bool = True
) -> None:
    """Refuse impossible shift times.

    ``new_deadline=False`` when a move keeps the shift's deadline (or pulls it to the new
    start): that deadline may have passed, and moving a shift whose signups have closed
    must neither be refused nor reopen them.
    """
    now = utcnow()
    if starts_at <= now:
        raise Invalid("开始时间应晚于现在", code="shift.in_past", fields={"starts_at": ["已过去"]})
    if ends_at <= starts_at:
        raise Invalid(
            "结束时间应晚于开始时间",
            code="shift.ends_before_start",
            fields={"ends_at": ["应晚于开始时间"]},
        )
    if ends_at - starts_at > MAX_SHIFT_LENGTH:
        raise Invalid(
            "一个班次不能超过 24 小时", code="shift.too_long", fields={"ends_at": ["班次过长"]}
        )
    if deadline > starts_at or (new_deadline and deadline <= now):
        raise Invalid(
            "报名截止时间应在现在与开始时间之间",
            code="shift.bad_deadline",
            fields={"signup_deadline": ["应在现在与开始时间之间"]},
        )


def add_shift(
    *,
    actor: Actor,
    task_id: int,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    signup_deadline: datetime | None = None,
) -> Shift:
    task = _managed(actor, task_id)
    _editable(task)
    deadline = signup_deadline or starts_at
    _check_times(starts_at, ends_at, deadline)
    shift = Shift(
        task=task,
        **carried(task),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_deadline=deadline,
        status=ShiftStatus.OPEN,
        confirmed_count=0,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def get_shift(shift_id: int, *, lock: bool = False) -> Shift:
    query = select(Shift).where(Shift.id == shift_id)
    if lock:  # serialise every signup change on this shift (PostgreSQL row lock)
        query = query.with_for_update().execution_options(populate_existing=True)
    shift = db.session.scalar(query)
    if shift is None:
        raise NotFound("班次不存在", code="shift.not_found")
    return shift


def _open_shift(actor: Actor, shift_id: int) -> Shift:
    shift = get_shift(shift_id, lock=True)
    authorize(actor, Permission.TASK_MANAGE, place_of(shift.task))
    if shift.status == ShiftStatus.CANCELLED or shift.task.status == TaskStatus.CANCELLED:
        raise Conflict("班次已取消", code="shift.cancelled")
    return shift


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def update_shift(*, actor: Actor, shift_id: int, changes: dict[str, Any]) -> Shift:
    """Move a shift or change its capacity; a move of more than 5 minutes is an event."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = _open_shift(actor, shift_id)
    starts = changes.get("starts_at", shift.starts_at)
    ends = changes.get("ends_at", shift.ends_at)
    deadline = changes.get("signup_deadline", min(shift.signup_deadline, starts))
    if {"starts_at", "ends_at", "signup_deadline"} & changes.keys():
        _check_times(starts, ends, deadline, new_deadline="signup_deadline" in changes)
    moved = (
        abs(starts - shift.starts_at) > MOVE_NOTICE_THRESHOLD
        or abs(ends - shift.ends_at) > MOVE_NOTICE_THRESHOLD
    )
    if moved:
        db.session.add(
            ShiftEvent(
                shift_id=shift.id,
                kind=ShiftEventKind.MOVED,
                # UTC both ways, whatever offset the client sent, so readers compare strings.
                detail={
                    "from": [_iso(shift.starts_at), _iso(shift.ends_at)],
                    "to": [_iso(starts), _iso(ends)],
                },
            )
        )
    shift.starts_at, shift.ends_at, shift.signup_deadline = starts, ends, deadline
    if "capacity" in changes:
        if changes["capacity"] < shift.confirmed_count:
            raise Conflict("名额不能少于已确认人数", code="shift.capacity_below_confirmed")
        shift.capacity = changes["capacity"]
        _promote(shift)
    db.session.flush()
    return shift


def _cancel_shift(shift: Shift, reason: str) -> None:
    now = utcnow()
    shift.status, shift.cancelled_at, shift.cancel_reason = ShiftStatus.CANCELLED, now, reason
    for signup in db.session.scalars(
        select(Signup).where(Signup.shift_id == shift.id, Signup.status.in_(LIVE))
    ):
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    shift.confirmed_count = 0
    db.session.add(
        ShiftEvent(shift_id=shift.id, kind=ShiftEventKind.CANCELLED, detail={"reason": reason})
    )


def cancel_shift(*, actor: Actor, shift_id: int, reason: str) -> Shift:
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = _open_shift(actor, shift_id)
    _cancel_shift(shift, reason)
    db.session.flush()
    return shift


def roster(*, actor: Actor, shift_id: int) -> list[Signup]:
    """Who holds a place, who waits, who cancelled (late cancellations flagged)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(shift.task))
    return list(
        db.session.scalars(select(Signup).where(Signup.shift_id == shift.id).order_by(Signup.id))
    )


# Signups -------------------------------------------------------------------------------------


def active_community(member_id: int) -> Area | None:
    return db.session.scalar(
        select(Area)
        .join(ReportIn, ReportIn.community_id == Area.id)
        .where(ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE)
    )


def sign_up(*, actor: Actor, shift_id: int) -> tuple[Signup, bool]:
    """Hold a place on the shift, or join its waitlist when it is full.

    Returns (signup, created). Signing up twice returns the live signup. Refuses members not
    reported to a community the task is visible to, shifts past their deadline, and shifts
    that overlap another of the member's live signups.
    """
    member = members.require_verified(actor)
    return join_shift(get_shift(shift_id, lock=True), member)


def join_shift(
    shift: Shift, member: Member, *, waitlist: bool = True, on_site: bool = False
) -> tuple[Signup, bool]:
    """Put one member on the (locked) shift under the signup rules: (signup, created).

    Returns the member's live signup on the shift when there is one; raises the rule's
    ``Conflict`` when the member may not join.
    """
    held, refused = admission(shift, [member], waitlist=waitlist, on_site=on_site)
    if member.id in refused:
        raise refused[member.id]
    if member.id in held:
        return held[member.id], False
    return hold(shift, [member])[0], True


def admission(
    shift: Shift, members: Sequence[Member], *, waitlist: bool = True, on_site: bool = False
) -> tuple[dict[int, Signup], dict[int, Conflict]]:
    """The signup rules, in the one place every way onto a shift is judged: a member signing
    up, and a call-up being confirmed for many members at once (three queries either way).

    The caller holds the shift's row lock. Returns (the live signups members already hold on
    the shift, why each of the others may not join): not open, past the deadline, not
    verified, not reported in where the task is visible, on a clashing shift — and, with
    ``waitlist=False``, beyond the free places (in the order given). Members in neither may
    take a new place with ``hold``. ``on_site`` judges a walk-in at check-in: the signup
    deadline and the start have passed by then, so they do not close the shift.
    """
    task = shift.task
    if task.status != TaskStatus.PUBLISHED or shift.status != ShiftStatus.OPEN:
        return {}, {m.id: Conflict("该班次不可报名", code="shift.not_open") for m in members}
    ids = [m.id for m in members]
    held = {
        signup.member_id: signup
        for signup in db.session.scalars(
            select(Signup).where(
                Signup.shift_id == shift.id, Signup.member_id.in_(ids), Signup.status.in_(LIVE)
            )
        )
    }
    communities = dict(
        db.session.execute(
            select(ReportIn.member_id, Area.path)
            .join(Area, ReportIn.community_id == Area.id)
            .where(ReportIn.member_id.in_(ids), ReportIn.status == ReportInStatus.ACTIVE)
        ).all()
    )
    clashing = set(
        db.session.scalars(
            select(Signup.member_id)
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                Signup.member_id.in_(ids),
                Signup.status.in_(LIVE),
                Shift.status == ShiftStatus.OPEN,
                Shift.starts_at < shift.ends_at,
                Shift.ends_at > shift.starts_at,
            )
        )
    )
    now = utcnow()
    closed = not on_site and (now >= shift.signup_deadline or now >= shift.starts_at)
    prefix = visible_prefix(task)
    free = shift.capacity - shift.confirmed_count
    refused: dict[int, Conflict] = {}
    for member in members:
        community = communities.get(member.id)
        if member.id in held:
            continue
        if closed:
            refused[member.id] = Conflict("报名已截止", code="shift.signup_closed")
        elif member.status != MemberStatus.VERIFIED:
            refused[member.id] = Conflict("党员身份尚未认证", code="signup.not_verified")
        elif community is None or not community.startswith(prefix):
            refused[member.id] = Conflict("该任务不面向您报到的社区", code="signup.not_eligible")
        elif member.id in clashing:
            refused[member.id] = Conflict("与您已报名的其他班次时间冲突", code="signup.overlap")
        elif not waitlist and free <= 0:
            refused[member.id] = Conflict("班次名额已满", code="shift.full")
        else:
            free -= 1
    return held, refused


def hold(shift: Shift, members: Sequence[Member]) -> list[Signup]:
    """New signups on the (locked) shift for members ``admission`` let through, in order:
    confirmed while places last, then waitlisted."""
    now = utcnow()
    signups = []
    for member in members:
        confirmed = not shift.is_full
        signups.append(
            Signup(
                shift=shift,
                member_id=member.id,
                status=SignupStatus.CONFIRMED if confirmed else SignupStatus.WAITLISTED,
                confirmed_at=now if confirmed else None,
            )
        )
        if confirmed:
            shift.confirmed_count += 1
    try:
        with db.session.begin_nested():
            db.session.add_all(signups)
            db.session.flush()
    except IntegrityError:  # the same member's parallel request won; the index kept the rule
        raise Conflict("正在处理您的报名，请稍后刷新", code="signup.duplicate") from None
    return signups


def take_place_on_site(shift_id: int, member: Member) -> Signup:
    """A walk-in: a confirmed place taken at check-in, while the shift has one free."""
    signup, _ = join_shift(get_shift(shift_id, lock=True), member, waitlist=False, on_site=True)
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict("班次名额已满，您在候补名单中", code="shift.full")
    return signup


def _promote(shift: Shift) -> list[Signup]:
    """Fill free places from the waitlist, oldest first."""
    promoted = []
    while not shift.is_full:
        waiting = db.session.scalar(
            select(Signup)
            .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITLISTED)
            .order_by(Signup.id)
            .limit(1)
        )
        if waiting is None:
            break
        now = utcnow()
        waiting.status, waiting.confirmed_at, waiting.promoted_at = (
            SignupStatus.CONFIRMED,
            now,
            now,
        )
        shift.confirmed_count += 1
        promoted.append(waiting)
        db.session.flush()
    return promoted


def cancel_signup(*, actor: Actor, signup_id: int, late_cutoff: timedelta) -> Signup:
    """Give up a place (or a waitlist spot); the next in line is promoted at once.

    Cancelling later than ``late_cutoff`` before the start is allowed but recorded as late.
    """
    member = members.own_member(actor)
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.member_id != member.id:
        raise NotFound("报名记录不存在", code="signup.not_found")
    shift = get_shift(signup.shift_id, lock=True)
    db.session.refresh(signup)
    if signup.status == SignupStatus.CANCELLED:
        raise Conflict("报名已取消", code="signup.cancelled")
    now = utcnow()
    if now >= shift.starts_at:
        raise Conflict("班次已开始，不能取消", code="signup.shift_started")
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    signup.late_cancel = was_confirmed and now > shift.starts_at - late_cutoff
    if was_confirmed:
        shift.confirmed_count -= 1
        db.session.flush()
        _promote(shift)
    db.session.flush()
    return signup


def my_signups(*, actor: Actor) -> list[Signup]:
    member = members.own_member(actor)
    return list(
        db.session.scalars(
            select(Signup).where(Signup.member_id == member.id).order_by(Signup.id.desc())
        )
    )


def view_task(*, actor: Actor, task_id: int) -> Task:
    """A published task is public to logged-in users; a draft only to its managers.

    A draft cancelled before it was ever published stays with its managers too.
    """
    task = get_task(task_id)
    if task.published_at is None:
        authorize(actor, Permission.TASK_MANAGE, place_of(task))
    return task


def schedule_weekly(
    *,
    actor: Actor,
    task_id: int,
    weekdays: Sequence[int],
    start_time: time,
    end_time: time,
    capacity: int,
    weeks: int,
    deadline_hours_before: int = 0,
) -> list[Shift]:
    """Generate a standing post's shifts ``weeks`` ahead: on each given weekday (1 = Monday,
    Shanghai time), from ``start_time`` to ``end_time``. Shifts that already exist at the same
    start are skipped, so running it again only extends the schedule."""
    task = _managed(actor, task_id)
    _editable(task)
    if end_time <= start_time:
        raise Invalid(
            "结束时间应晚于开始时间",
            code="shift.ends_before_start",
            fields={"end_time": ["应晚于开始时间"]},
        )
    existing = {s.starts_at for s in task.shifts if s.status == ShiftStatus.OPEN}
    now = utcnow()
    today = now.astimezone(SHANGHAI).date()
    created = []
    for offset in range(1, weeks * 7 + 1):
        day = today + timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        starts = datetime.combine(day, start_time, SHANGHAI).astimezone(UTC)
        if starts in existing:
            continue
        ends = datetime.combine(day, end_time, SHANGHAI).astimezone(UTC)
        deadline = starts - timedelta(hours=deadline_hours_before)
        if deadline <= now:
            continue
        shift = Shift(
            task=task,
            **carried(task),
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            signup_deadline=deadline,
            status=ShiftStatus.OPEN,
            confirmed_count=0,
        )
        db.session.add(shift)
        created.append(shift)
    db.session.flush()
    return created
