"""A call-up itself: reading one, creating a draft with its posts, listing, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.callups import pool
from sunshine.callups.models import CallUp, CallUpPost, CallUpStatus
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import Shift, ShiftStatus, Task, TaskStatus

EDITABLE = (CallUpStatus.DRAFT, CallUpStatus.PROPOSED)


def _loaded(query: Select[CallUp]) -> Select[CallUp]:
    return query.options(
        selectinload(CallUp.posts)
        .selectinload(CallUpPost.shift)
        .selectinload(Shift.task)
        .selectinload(Task.skills),
        selectinload(CallUp.posts)
        .selectinload(CallUpPost.shift)
        .selectinload(Shift.task)
        .selectinload(Task.area),
    )


CALL_UP_MISSING = Missing(code="callup.not_found", message="动员不存在")


def get(*, actor: Actor, call_up_id: int, lock: bool = False) -> CallUp:
    """A call-up the actor may manage (locked for a change when ``lock``)."""
    require_somewhere(actor, Permission.CALLUP_MANAGE)
    query = _loaded(select(CallUp).where(CallUp.id == call_up_id))
    if lock:
        query = query.with_for_update(of=CallUp).execution_options(populate_existing=True)
    call_up = db.session.scalar(query)
    if call_up is None:
        raise CALL_UP_MISSING.error()
    subject = Subject("call_up", call_up.id, CALL_UP_MISSING)
    authorize(actor, Permission.CALLUP_MANAGE, Place(area_path=call_up.area_path, subject=subject))
    return call_up


def editable(actor: Actor, call_up_id: int) -> CallUp:
    call_up = get(actor=actor, call_up_id=call_up_id, lock=True)
    if call_up.status not in EDITABLE:
        raise Conflict("动员已确认或已取消，不能再修改", code="callup.not_editable")
    return call_up


# Creating and listing ------------------------------------------------------------------------


def _post_problems(
    call_up_path: str, day: date, shift: Shift | None, places: int
) -> dict[str, list[str]]:
    """What keeps a shift from being a post of the call-up (field errors), if anything."""
    if shift is None:
        return {"shift_id": ["班次不存在"]}
    task = shift.task
    if not task.area_path.startswith(call_up_path):
        return {"shift_id": ["班次所属任务不在本次动员的范围内"]}
    if shift.status != ShiftStatus.OPEN or task.status != TaskStatus.PUBLISHED:
        return {"shift_id": ["班次未发布或已取消"]}
    if clock.now() >= shift.signup_deadline:
        return {"shift_id": ["班次已截止报名"]}
    if clock.local_date(shift.starts_at) != day:
        return {"shift_id": ["班次不在动员当天"]}
    free = pool.free_places(shift)
    if places > free:
        return {"places": [f"不能超过班次空余名额（{free}）"]}
    return {}


def create(
    *, actor: Actor, area_id: int, title: str, day: date, posts: Sequence[dict[str, int]]
) -> CallUp:
    """A draft call-up of a street or city for one day, with its posts.

    Each post is a published open shift of a task inside the area, starting that day
    (Asia/Shanghai), still taking signups, with no more places than the shift has free.
    """
    require_somewhere(actor, Permission.CALLUP_MANAGE)
    area = org.get_area(area_id)
    if area.level not in (AreaLevel.STREET, AreaLevel.CITY):
        raise Invalid(
            "动员范围应为街道或全市", code="callup.bad_area", fields={"area_id": ["应为街道或市"]}
        )
    authorize(actor, Permission.CALLUP_MANAGE, Place(area_path=area.path))
    if day < clock.today():
        raise Invalid("动员日期已过", code="callup.bad_day", fields={"day": ["不能早于今天"]})
    shift_ids = [p["shift_id"] for p in posts]
    shifts = {
        s.id: s
        for s in db.session.scalars(
            select(Shift).where(Shift.id.in_(shift_ids)).options(selectinload(Shift.task))
        )
    }
    problems: dict[str, Any] = {}
    seen: set[int] = set()
    for i, post in enumerate(posts):
        if post["shift_id"] in seen:
            problems[str(i)] = {"shift_id": ["班次重复"]}
            continue
        seen.add(post["shift_id"])
        found = _post_problems(area.path, day, shifts.get(post["shift_id"]), post["places"])
        if found:
            problems[str(i)] = found
    if problems:
        raise Invalid(
            "部分岗位不能加入本次动员", code="callup.bad_posts", fields={"posts": problems}
        )
    call_up = CallUp(
        area=area,
        area_path=area.path,
        title=title,
        day=day,
        status=CallUpStatus.DRAFT,
        created_by_id=actor.id,
        posts=[CallUpPost(shift=shifts[p["shift_id"]], places=p["places"]) for p in posts],
    )
    db.session.add(call_up)
    db.session.flush()
    return call_up


def cancel(*, actor: Actor, call_up_id: int, reason: str) -> CallUp:
    """Drop a call-up that is not confirmed yet; its assignments stay as they were."""
    call_up = editable(actor, call_up_id)
    call_up.status, call_up.cancelled_at = CallUpStatus.CANCELLED, clock.now()
    call_up.cancel_reason = reason
    db.session.flush()
    return call_up
