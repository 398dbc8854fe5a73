"""Tasks: the catalogue, posting, editing, publishing and cancelling.

What each shift carries of its task is kept in step by ``tasks.models`` (``carried``). A city
body's task (``body``, posted through ``bodies.service``) sits in the body's city, is managed
where the grant covers its place (the city and the body), and is visible to the whole city or
to chosen streets of it (``tasks.audience``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sunshine import clock, geo
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.bodies.models import CityBody
from sunshine.campaigns import service as campaigns
from sunshine.campaigns.models import Campaign
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.members.skills import active_skills
from sunshine.moderation import service as moderation
from sunshine.moderation.models import CLEARED, ContentCheck, Scene
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks import audience, moderated
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
    return Place(area_path=task.area_path, body_id=task.body_id, subject=task_subject(task))


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


def _check_visibility(area: Area, visibility: Visibility, body_id: int | None) -> None:
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
    city_wide = (Visibility.CITY, Visibility.STREETS)
    if (body_id is not None and visibility not in city_wide) or (
        body_id is None and visibility == Visibility.STREETS
    ):
        raise Invalid(
            "市级机构的任务对全市或所选街道可见；对所选街道可见只用于市级机构的任务",
            code="task.body_visibility",
            fields={"visibility": ["市级机构任务应为 city 或 streets"]},
        )


def _chosen_streets(
    task: Task, visibility: Visibility, street_ids: Sequence[int] | None
) -> list[Area] | None:
    """The chosen streets a task visible to ``streets`` is to have (None: keep its own, when
    ``street_ids`` is None): at least one, each a street of the task's city; none for any
    other visibility. Checked before anything is written."""
    if visibility != Visibility.STREETS:
        if street_ids:
            raise _bad_streets("只有对所选街道可见的任务才能指定街道")
        return []
    if street_ids is None:
        if not task.streets:
            raise _bad_streets("请至少选择一个街道")
        return None
    if not street_ids:
        raise _bad_streets("请至少选择一个街道")
    streets = [db.session.get(Area, street_id) for street_id in dict.fromkeys(street_ids)]
    unknown = [
        street_id
        for street_id, street in zip(dict.fromkeys(street_ids), streets, strict=True)
        if street is None
        or street.level != AreaLevel.STREET
        or not street.path.startswith(task.area_path)
    ]
    if unknown:
        raise _bad_streets(f"以下街道不存在或不属于本市：{unknown}")
    return [street for street in streets if street is not None]


def _bad_streets(message: str) -> Invalid:
    return Invalid(message, code="task.bad_streets", fields={"street_ids": [message]})


def create_task(
    *,
    actor: Actor,
    area_id: int,
    category_id: int,
    skill_ids: Sequence[int] = (),
    campaign_ids: Sequence[int] = (),
    body: CityBody | None = None,
    street_ids: Sequence[int] | None = None,
    **fields: Any,
) -> Task:
    """Post a task (a draft until published) for a community, a street for street-wide, or a
    grid for its members alone; ``body``: for a city body (``area_id`` its city), visible
    city-wide or to ``street_ids``."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    area = org.get_area(area_id)
    if body is None and area.level not in (AreaLevel.GRID, AreaLevel.COMMUNITY, AreaLevel.STREET):
        raise Invalid(
            "任务应属于网格、社区或街道",
            code="task.bad_area",
            fields={"area_id": ["应为网格、社区或街道"]},
        )
    body_id = body.id if body is not None else None
    authorize(actor, Permission.TASK_MANAGE, Place(area_path=area.path, body_id=body_id))
    _check_visibility(area, fields["visibility"], body_id)
    task = Task(
        area=area,
        area_path=area.path,
        body_id=body_id,
        category=_category(category_id),
        skills=active_skills(skill_ids),
        campaigns=_campaigns(area.path, campaign_ids),
        created_by_id=actor.id,
        status=TaskStatus.DRAFT,
        **{k: fields[k] for k in TASK_FIELDS if k in fields},
    )
    _set_point(task, fields.get("point"))
    audience.set_streets(task, _chosen_streets(task, task.visibility, street_ids or []) or [])
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
    visibility = changes.get("visibility", task.visibility)
    _check_visibility(task.area, visibility, task.body_id)
    streets = _chosen_streets(task, visibility, changes.get("street_ids"))
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
    if streets is not None:
        audience.set_streets(task, streets)
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
