"""Shifts: adding, moving and cancelling them (each change an event notifications hook onto),
cancelling a task with its shifts, rosters, weekly schedules, and filling from the waitlist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.tasks.models import (
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskStatus,
)
from sunshine.tasks.service.tasks import (
    LIVE,
    check_editable,
    managed_task,
    place_of,
)

# A shift moved by more than this is an event members must hear about.
MOVE_NOTICE_THRESHOLD = timedelta(minutes=5)
MAX_SHIFT_LENGTH = timedelta(hours=24)


def _check_times(
    starts_at: datetime, ends_at: datetime, deadline: datetime, *, new_deadline: bool = True
) -> None:
    """Refuse impossible shift times.

    ``new_deadline=False`` when a move keeps the shift's deadline (or pulls it to the new
    start): that deadline may have passed, and moving a shift whose signups have closed
    must neither be refused nor reopen them.
    """
    now = clock.now()
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
    task = managed_task(actor, task_id)
    check_editable(task)
    deadline = signup_deadline or starts_at
    _check_times(starts_at, ends_at, deadline)
    shift = _new_shift(task, starts_at, ends_at, capacity, deadline)
    db.session.flush()
    return shift


def _new_shift(
    task: Task, starts_at: datetime, ends_at: datetime, capacity: int, deadline: datetime
) -> Shift:
    """An open, empty shift of the task, carrying what its shifts carry, added to the session."""
    shift = Shift(
        task=task,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_deadline=deadline,
        status=ShiftStatus.OPEN,
        confirmed_count=0,
    )
    db.session.add(shift)
    return shift


SHIFT_MISSING = Missing(code="shift.not_found", message="班次不存在")


def shift_subject(shift: Shift) -> Subject:
    return Subject("shift", shift.id, SHIFT_MISSING)


def place_of_shift(shift: Shift) -> Place:
    """A shift's place is its task's; a refusal names the shift (and answers its 404)."""
    return replace(place_of(shift.task), subject=shift_subject(shift))


def get_shift(shift_id: int, *, lock: bool = False) -> Shift:
    query = select(Shift).where(Shift.id == shift_id)
    if lock:  # serialise every signup change on this shift (PostgreSQL row lock)
        query = query.with_for_update().execution_options(populate_existing=True)
    shift = db.session.scalar(query)
    if shift is None:
        raise SHIFT_MISSING.error()
    return shift


def _open_shift(actor: Actor, shift_id: int) -> Shift:
    shift = get_shift(shift_id, lock=True)
    authorize(actor, Permission.TASK_MANAGE, place_of_shift(shift))
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
    old_starts = shift.starts_at
    shift.starts_at, shift.ends_at, shift.signup_deadline = starts, ends, deadline
    if moved:
        live = db.session.scalars(
            select(Signup.member_id).where(Signup.shift_id == shift.id, Signup.status.in_(LIVE))
        ).all()
        notify.about_shift(Event.SHIFT_MOVED, shift, live, old_starts_at=old_starts)
    if "capacity" in changes:
        if changes["capacity"] < shift.confirmed_count:
            raise Conflict("名额不能少于已确认人数", code="shift.capacity_below_confirmed")
        shift.capacity = changes["capacity"]
        fill_from_waitlist(shift)
    db.session.flush()
    return shift


def _cancel_shift(shift: Shift, reason: str) -> None:
    now = clock.now()
    shift.status, shift.cancelled_at, shift.cancel_reason = ShiftStatus.CANCELLED, now, reason
    told = []
    for signup in db.session.scalars(
        select(Signup).where(Signup.shift_id == shift.id, Signup.status.in_(LIVE))
    ):
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
        told.append(signup.member_id)
    notify.about_shift(Event.SHIFT_CANCELLED, shift, told, reason=reason)
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
    task = managed_task(actor, task_id)
    check_editable(task)
    if end_time <= start_time:
        raise Invalid(
            "结束时间应晚于开始时间",
            code="shift.ends_before_start",
            fields={"end_time": ["应晚于开始时间"]},
        )
    existing = {s.starts_at for s in task.shifts if s.status == ShiftStatus.OPEN}
    now = clock.now()
    today = clock.local_date(now)
    created = []
    for offset in range(1, weeks * 7 + 1):
        day = today + timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        starts = clock.at_local(day, start_time)
        if starts in existing:
            continue
        ends = clock.at_local(day, end_time)
        deadline = starts - timedelta(hours=deadline_hours_before)
        if deadline <= now:
            continue
        created.append(_new_shift(task, starts, ends, capacity, deadline))
    db.session.flush()
    return created


def fill_from_waitlist(shift: Shift) -> list[Signup]:
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
        now = clock.now()
        waiting.status, waiting.confirmed_at, waiting.promoted_at = (
            SignupStatus.CONFIRMED,
            now,
            now,
        )
        shift.confirmed_count += 1
        promoted.append(waiting)
        db.session.flush()
    notify.about_shift(Event.PROMOTED, shift, [s.member_id for s in promoted])
    return promoted


def cancel_task(*, actor: Actor, task_id: int, reason: str) -> Task:
    """Cancel a task with its open shifts (each an event for the members signed up)."""
    task = managed_task(actor, task_id)
    check_editable(task)
    # Locks in id order, as a call-up's confirmation takes them: the two never deadlock.
    for shift_id in sorted(s.id for s in task.shifts):
        shift = get_shift(shift_id, lock=True)  # as signups do: no signup slips in meanwhile
        if shift.status == ShiftStatus.OPEN:
            _cancel_shift(shift, reason)
    task.status, task.cancelled_at, task.cancel_reason = TaskStatus.CANCELLED, clock.now(), reason
    return task
