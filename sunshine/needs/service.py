"""The needs list (需求清单): residents' needs recorded by the community and tracked until
done, often by turning them into a task or a 微心愿 (wish)."""

from __future__ import annotations

from typing import Any

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.errors import Conflict, Missing
from sunshine.extensions import db
from sunshine.needs.models import Need, NeedStatus, NeedUrgency
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Task, TaskKind

CLOSED = (NeedStatus.DONE, NeedStatus.CANCELLED)
# Where an edit may move a need: in progress only by becoming a task, never back to open.
MOVES = {
    NeedStatus.OPEN: {NeedStatus.OPEN, NeedStatus.DONE, NeedStatus.CANCELLED},
    NeedStatus.IN_PROGRESS: {NeedStatus.IN_PROGRESS, NeedStatus.DONE, NeedStatus.CANCELLED},
}


def record(
    *,
    actor: Actor,
    community_id: int,
    content: str,
    urgency: NeedUrgency,
    resident_contact: str | None,
) -> Need:
    """Record a resident's need in a community."""
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    authorize(actor, Permission.TASK_MANAGE, Place(area_path=community.path))
    need = Need(
        community=community,
        area_path=community.path,
        content=content,
        urgency=urgency,
        resident_contact=resident_contact,
        status=NeedStatus.OPEN,
        created_by_id=actor.id,
    )
    db.session.add(need)
    db.session.flush()
    return need


NEED_MISSING = Missing(code="need.not_found", message="需求不存在")


def managed(actor: Actor, need_id: int, permission: Permission = Permission.TASK_MANAGE) -> Need:
    """The need, if the actor manages its community (reads it: ``need.read``)."""
    require_somewhere(actor, permission)
    need = db.session.get(Need, need_id)
    if need is None:
        raise NEED_MISSING.error()
    subject = Subject("need", need.id, NEED_MISSING)
    authorize(actor, permission, Place(area_path=need.area_path, subject=subject))
    return need


def update(*, actor: Actor, need_id: int, changes: dict[str, Any]) -> Need:
    """Edit a need or close it (done or cancelled); it becomes in progress only through
    ``make_task``, and never goes back to open (409 ``need.bad_status``)."""
    need = managed(actor, need_id)
    if need.status in CLOSED:
        raise Conflict("需求已关闭", code="need.closed")
    if "status" in changes and changes["status"] not in MOVES[need.status]:
        raise Conflict(
            "需求只能改为已完成或已取消；转为任务后才是处理中",
            code="need.bad_status",
            fields={"status": ["只能改为 done 或 cancelled"]},
        )
    for field in ("content", "urgency", "resident_contact", "status"):
        if field in changes:
            setattr(need, field, changes[field])
    if need.status in CLOSED:
        need.closed_at = clock.now()
    db.session.flush()
    return need


def make_task(*, actor: Actor, need_id: int, **task_fields: Any) -> Task:
    """Turn an open need into a draft task (a wish unless said otherwise) of its community."""
    need = managed(actor, need_id)
    if need.status != NeedStatus.OPEN:
        raise Conflict("只有待处理的需求可以转为任务", code="need.not_open")
    task_fields.setdefault("kind", TaskKind.WISH)
    task_fields.setdefault("content", need.content)
    task = tasks.create_task(actor=actor, area_id=need.community_id, **task_fields)
    need.task, need.status = task, NeedStatus.IN_PROGRESS
    db.session.flush()
    return task
