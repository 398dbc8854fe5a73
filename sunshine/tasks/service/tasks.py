"""Tasks: the catalogue, posting, editing, publishing and cancelling, what each shift carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.database import utcnow
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members.models import Skill
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    SignupStatus,
    Task,
    TaskCategory,
    TaskStatus,
    Visibility,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # days and weeks are counted here
LIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)  # signups that hold or wait for a place
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


def carry(task: Task, before: dict[str, Any]) -> None:
    """Rewrite what the task's shifts carry of it, when that changed since ``before``."""
    db.session.flush()  # task.category_id follows task.category on flush
    after = carried(task)
    if after != before:
        db.session.execute(update(Shift).where(Shift.task_id == task.id).values(**after))


def place_of(task: Task) -> Place:
    return Place(area_path=task.area_path)


# Catalogue -----------------------------------------------------------------------------------


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


def managed_task(actor: Actor, task_id: int) -> Task:
    require_somewhere(actor, Permission.TASK_MANAGE)
    task = get_task(task_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(task))
    return task


def check_editable(task: Task) -> None:
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("任务已取消，不能修改", code="task.cancelled")


def update_task(*, actor: Actor, task_id: int, changes: dict[str, Any]) -> Task:
    task = managed_task(actor, task_id)
    check_editable(task)
    before = carried(task)
    if "category_id" in changes:
        task.category = _category(changes.pop("category_id"))
    if "skill_ids" in changes:
        task.skills = _skills(changes.pop("skill_ids"))
    _check_visibility(task.area, changes.get("visibility", task.visibility))
    for field in TASK_FIELDS:
        if field in changes:
            setattr(task, field, changes[field])
    carry(task, before)
    return task


def publish_task(*, actor: Actor, task_id: int) -> Task:
    """Make a task visible to members; it needs at least one open shift."""
    task = managed_task(actor, task_id)
    check_editable(task)
    if task.status == TaskStatus.PUBLISHED:
        return task
    if not any(s.status == ShiftStatus.OPEN for s in task.shifts):
        raise Conflict("请先添加至少一个班次", code="task.no_shifts")
    before = carried(task)
    task.status, task.published_at = TaskStatus.PUBLISHED, utcnow()
    carry(task, before)
    return task
