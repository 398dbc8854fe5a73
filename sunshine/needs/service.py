"""The needs list (需求清单): residents' needs — recorded by the community, or submitted by the
resident (``needs.residents``) and answered by it — tracked until done, often by turning them
into a task or a 微心愿 (wish), or a unit's project."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.hours.calendar import add_working_days
from sunshine.needs.models import Need, NeedKind, NeedStatus, NeedUrgency
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Task, TaskKind

CLOSED = (NeedStatus.DONE, NeedStatus.CANCELLED, NeedStatus.DECLINED)
# Accepted, whatever came after: what the completion rate counts (``needs.stats``).
ACCEPTED = (NeedStatus.OPEN, NeedStatus.IN_PROGRESS, NeedStatus.DONE, NeedStatus.CANCELLED)
# Where an edit may move a need: a submission only by its answer, in progress only by
# becoming a task (or a unit's project), never back to open.
MOVES = {
    NeedStatus.SUBMITTED: {NeedStatus.SUBMITTED},
    NeedStatus.OPEN: {NeedStatus.OPEN, NeedStatus.DONE, NeedStatus.CANCELLED},
    NeedStatus.IN_PROGRESS: {NeedStatus.IN_PROGRESS, NeedStatus.DONE, NeedStatus.CANCELLED},
}
KIND_LABELS = {NeedKind.WISH: "微心愿", NeedKind.REQUEST: "诉求"}


def due_after(moment: datetime, kind: NeedKind, step: str) -> datetime:
    """The end (Shanghai midnight) of the n-th working day after ``moment``'s day, n being
    the configured days of ``kind`` for ``step`` (``answer`` or ``complete``)."""
    days = current_app.config["NEED_DEADLINES"][kind.value][step]
    last = add_working_days(clock.local_date(moment), days)
    return clock.at_local(last + timedelta(days=1), time(0))


def record(
    *,
    actor: Actor,
    community_id: int,
    content: str,
    urgency: NeedUrgency,
    resident_contact: str | None,
    kind: NeedKind = NeedKind.WISH,
) -> Need:
    """Record a resident's need in a community: accepted at once, due for completion."""
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    authorize(actor, Permission.NEED_ANSWER, Place(area_path=community.path))
    now = clock.now()
    need = Need(
        community=community,
        area_path=community.path,
        kind=kind,
        content=content,
        urgency=urgency,
        resident_contact=resident_contact,
        status=NeedStatus.OPEN,
        created_by_id=actor.id,
        created_at=now,
        completion_due_at=due_after(now, kind, "complete"),
    )
    db.session.add(need)
    db.session.flush()
    return need


NEED_MISSING = Missing(code="need.not_found", message="需求不存在")


def managed(actor: Actor, need_id: int, permission: Permission = Permission.NEED_ANSWER) -> Need:
    """The need, if the actor manages its community (reads it: ``need.read``); locked and
    read afresh for an answer (two admins answering at once: the second sees the first's)."""
    require_somewhere(actor, permission)
    need = db.session.get(Need, need_id)
    if need is None:
        raise NEED_MISSING.error()
    subject = Subject("need", need.id, NEED_MISSING)
    authorize(actor, permission, Place(area_path=need.area_path, subject=subject))
    if permission != Permission.NEED_READ:
        db.session.refresh(need, with_for_update=True)
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
    status = changes.pop("status", need.status)
    for field in ("content", "urgency", "resident_contact"):
        if field in changes:
            setattr(need, field, changes[field])
    if status == NeedStatus.DONE:
        finish(need)
    elif status == NeedStatus.CANCELLED:
        need.status, need.closed_at = status, clock.now()
    db.session.flush()
    return need


def _answerable(actor: Actor, need_id: int) -> Need:
    need = managed(actor, need_id)
    if need.status != NeedStatus.SUBMITTED:
        raise Conflict("该需求已答复", code="need.answered")
    return need


def accept(*, actor: Actor, need_id: int) -> Need:
    """Accept a resident's submission: it opens, due for completion from now."""
    need = _answerable(actor, need_id)
    now = clock.now()
    need.status, need.answered_at = NeedStatus.OPEN, now
    need.completion_due_at = due_after(now, need.kind, "complete")
    _tell(Event.NEED_ANSWERED, need, result="已受理", reason=None, decided_at=now)
    db.session.flush()
    return need


def decline(*, actor: Actor, need_id: int, reason: str) -> Need:
    """Decline a resident's submission, saying why (the resident reads the reason)."""
    need = _answerable(actor, need_id)
    now = clock.now()
    need.status, need.answered_at, need.closed_at = NeedStatus.DECLINED, now, now
    need.decline_reason = reason
    _tell(Event.NEED_ANSWERED, need, result="未被受理", reason=reason, decided_at=now)
    db.session.flush()
    return need


def start(need: Need, *, how: str) -> None:
    """An open need taken on (``how``: 转为微心愿任务, 由单位项目承接 …): in progress, and
    its resident told. The caller has checked the need is open and may be managed."""
    need.status = NeedStatus.IN_PROGRESS
    _tell(Event.NEED_STARTED, need, how=how)


def finish(need: Need) -> None:
    """A need done: closed, and its resident told (and asked to rate it)."""
    need.status, need.closed_at = NeedStatus.DONE, clock.now()
    _tell(Event.NEED_DONE, need)


def _tell(event: Event, need: Need, **values: Any) -> None:
    """The resident who submitted the need is told (community-recorded needs: nobody)."""
    if need.resident_id is None:
        return
    summary = need.content if len(need.content) <= 20 else need.content[:20] + "…"
    notify.enqueue(
        event,
        account_ids=[need.resident_id],
        values={"kind": KIND_LABELS[need.kind], "summary": summary, "need_id": need.id, **values},
    )


def make_task(*, actor: Actor, need_id: int, **task_fields: Any) -> Task:
    """Turn an open need into a draft task (a wish unless said otherwise) of its community."""
    need = managed(actor, need_id)
    if need.status != NeedStatus.OPEN:
        raise Conflict("只有待处理的需求可以转为任务", code="need.not_open")
    task_fields.setdefault("kind", TaskKind.WISH)
    task_fields.setdefault("content", need.content)
    task = tasks.create_task(actor=actor, area_id=need.community_id, **task_fields)
    need.task = task
    start(need, how="已转为志愿服务任务")
    db.session.flush()
    return task


def take_up(need_id: int, *, community_id: int) -> Need:
    """A unit's project answers an open need of the community: it is in progress.

    The project's service (``cobuilding``) has authorised its actor already; this keeps the
    need's own rules: it must exist in that community (422 ``need.unusable``) and be open.
    """
    need = db.session.get(Need, need_id, with_for_update=True, populate_existing=True)
    if need is None or need.community_id != community_id:
        raise Invalid(
            "需求不存在或不属于该社区",
            code="need.unusable",
            fields={"need_id": ["不存在或不属于报到的社区"]},
        )
    if need.status != NeedStatus.OPEN:
        raise Conflict("只有待处理的需求可以转为任务", code="need.not_open")
    start(need, how="已由共建单位的项目承接")
    return need


def settle(need_id: int, *, done: bool) -> None:
    """The project answering a need ended: the need is done, or (cancelled) open again."""
    need = db.session.get(Need, need_id, with_for_update=True, populate_existing=True)
    if need is None or need.status != NeedStatus.IN_PROGRESS:
        return  # closed by the community meanwhile: its decision stands
    if done:
        finish(need)
    else:
        need.status = NeedStatus.OPEN
