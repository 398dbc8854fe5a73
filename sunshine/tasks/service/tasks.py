"""Tasks: the catalogue, posting, editing, publishing and cancelling.

What each shift carries of its task is kept in step by ``tasks.models`` (``carried``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sunshine import clock, geo
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.campaigns import service as campaigns
from sunshine.campaigns.models import Campaign
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.members.skills import active_skills
from sunshine.moderation import service as moderation
from sunshine.moderation.models import CLEARED, ContentCheck, Scene
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks import moderated
from sunshine.tasks.models import (
    ShiftStatus,
    SignupStatus,
    Task,
    TaskCategory,
    TaskStatus,
    Visibility,
)

LIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)  # signups that hold or wait for a place
TASK_FIELDS = (
    "kind",
    "title",
    "content",
    "address",
    "checkin_radius_m",
    "visibility",
    "contact_name",
    "contact_phone",
    "checkin_mode",
    "allow_walk_ins",
    "checkin_opens_minutes",
    "checkout_closes_minutes",
)


def _set_point(task: Task, point: Mapping[str, Any] | None) -> None:
    """Keep the venue point in GCJ-02 whatever system it came in; None clears it."""
    if point is None:
        task.latitude = task.longitude = None
        return
    kept = geo.in_gcj02(geo.Point(point["latitude"], point["longitude"], point["system"]))
    task.latitude = Decimal(f"{kept.latitude:.6f}")
    task.longitude = Decimal(f"{kept.longitude:.6f}")


TASK_MISSING = Missing(code="task.not_found", message="任务不存在")


def task_subject(task: Task) -> Subject:
    return Subject("task", task.id, TASK_MISSING)


def place_of(task: Task) -> Place:
    return Place(area_path=task.area_path, subject=task_subject(task))


# Catalogue -----------------------------------------------------------------------------------


def _category(category_id: int) -> TaskCategory:
    category = db.session.get(TaskCategory, category_id)
    if category is None or not category.active:
        raise Invalid(
            "服务类别不在目录中", code="task.unknown_category", fields={"category_id": ["未知类别"]}
        )
    return category


# Tasks ---------------------------------------------------------------------------------------


def _campaigns(area_path: str, campaign_ids: Sequence[int]) -> list[Campaign]:
    """The active campaigns of the task's city with these ids (422 ``campaign.unusable``)."""
    return campaigns.active_of_city(campaign_ids, city_id=int(area_path.split("/")[1]))


def _check_visibility(area: Area, visibility: Visibility) -> None:
    """A grid's task is for its grid alone, and only a grid's task is (docs/grids.md)."""
    if (area.level == AreaLevel.GRID) != (visibility == Visibility.GRID):
        grid = area.level == AreaLevel.GRID
        message = "网格任务仅对本网格可见" if grid else "仅网格任务可设为网格可见"
        raise Invalid(message, code="task.bad_visibility", fields={"visibility": [message]})
    if area.level == AreaLevel.STREET and visibility == Visibility.COMMUNITY:
        raise Invalid(
            "街道任务的可见范围应为街道或全市",
            code="task.bad_visibility",
            fields={"visibility": ["街道任务不能仅对社区可见"]},
        )


def create_task(
    *,
    actor: Actor,
    area_id: int,
    category_id: int,
    skill_ids: Sequence[int] = (),
    campaign_ids: Sequence[int] = (),
    **fields: Any,
) -> Task:
    """Post a task (a draft until published) for a community, a street for street-wide, or a
    grid (its grid roles, or the community, post it for the grid's members alone)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    area = org.get_area(area_id)
    if area.level not in (AreaLevel.GRID, AreaLevel.COMMUNITY, AreaLevel.STREET):
        raise Invalid(
            "任务应属于网格、社区或街道",
            code="task.bad_area",
            fields={"area_id": ["应为网格、社区或街道"]},
        )
    authorize(actor, Permission.TASK_MANAGE, Place(area_path=area.path))
    _check_visibility(area, fields["visibility"])
    task = Task(
        area=area,
        area_path=area.path,
        category=_category(category_id),
        skills=active_skills(skill_ids),
        campaigns=_campaigns(area.path, campaign_ids),
        created_by_id=actor.id,
        status=TaskStatus.DRAFT,
        **{k: fields[k] for k in TASK_FIELDS if k in fields},
    )
    _set_point(task, fields.get("point"))
    db.session.add(task)
    db.session.flush()
    return task


def get_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise TASK_MISSING.error()
    return task


def managed_task(actor: Actor, task_id: int) -> Task:
    require_somewhere(actor, Permission.TASK_MANAGE)
    task = get_task(task_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(task))
    return task


def check_editable(task: Task) -> None:
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("任务已取消，不能修改", code="task.cancelled")


def update_task(
    *, actor: Actor, task_id: int, changes: dict[str, Any]
) -> tuple[Task, ContentCheck | None]:
    """Edit a task. New text of a published task is checked first (``moderation.screen``),
    together with an edit of its text still held: risky is refused (422), held text stays
    off the task until it clears; the other changes apply at once. New text of a draft
    drops a held publication of the old one."""
    task = managed_task(actor, task_id)
    check_editable(task)
    if "category_id" in changes:
        _category(changes["category_id"])
    if "skill_ids" in changes:
        active_skills(changes["skill_ids"])
    if "campaign_ids" in changes:
        _campaigns(task.area_path, changes["campaign_ids"])
    _check_visibility(task.area, changes.get("visibility", task.visibility))
    published = task.status == TaskStatus.PUBLISHED
    # An edit of the text still held is checked again with this one, as one.
    held = moderation.held_texts(moderated.SUBJECT, task.id, moderated.EDIT) if published else {}
    edited = held | {f: changes[f] for f in moderated.TEXT_FIELDS if f in changes}
    edited = {f: text for f, text in edited.items() if text != getattr(task, f)}
    check = None
    if edited and published:
        check = moderation.screen(
            actor=actor,
            subject=moderated.SUBJECT,
            subject_id=task.id,
            action=moderated.EDIT,
            area_path=task.area_path,
            scene=Scene.FORUM,
            texts=edited,
        )
        task = managed_task(actor, task_id)  # read again: the check ended the transaction
        check_editable(task)
        if check.status in CLEARED:
            changes = changes | edited
        else:
            changes = {k: v for k, v in changes.items() if k not in edited}
    elif held:  # the text went back to what is shown: the held edit is void
        moderation.supersede(moderated.SUBJECT, task.id, action=moderated.EDIT)
    elif edited:
        moderation.supersede(moderated.SUBJECT, task.id, action=moderated.PUBLISH)
    if "category_id" in changes:
        task.category = _category(changes.pop("category_id"))
    if "skill_ids" in changes:
        task.skills = active_skills(changes.pop("skill_ids"))
    if "campaign_ids" in changes:
        task.campaigns = _campaigns(task.area_path, changes.pop("campaign_ids"))
    for field in TASK_FIELDS:
        if field in changes:
            setattr(task, field, changes[field])
    if "point" in changes:
        _set_point(task, changes["point"])
    return task, check


def publish_task(*, actor: Actor, task_id: int) -> tuple[Task, ContentCheck | None]:
    """Make a task visible to members; it needs at least one open shift, and its text must
    clear the content check: held text leaves it a draft, published once it clears."""
    task = managed_task(actor, task_id)
    check_editable(task)
    if task.status == TaskStatus.PUBLISHED:
        return task, None
    _require_open_shift(task)
    check = moderation.screen(
        actor=actor,
        subject=moderated.SUBJECT,
        subject_id=task.id,
        action=moderated.PUBLISH,
        area_path=task.area_path,
        scene=Scene.FORUM,
        texts=moderated.texts_of(task),
    )
    task = managed_task(actor, task_id)  # read again: the check ended the transaction
    check_editable(task)
    if moderation.digest_of(moderated.texts_of(task)) != check.digest:
        raise Conflict("任务内容刚被修改，请重新发布", code="task.changed")
    if check.status in CLEARED and task.status != TaskStatus.PUBLISHED:
        _require_open_shift(task)
        task.status, task.published_at = TaskStatus.PUBLISHED, clock.now()
    return task, check


def _require_open_shift(task: Task) -> None:
    if not any(s.status == ShiftStatus.OPEN for s in task.shifts):
        raise Conflict("请先添加至少一个班次", code="task.no_shifts")
