"""Projects (项目清单) a unit takes on for the community it reported in to.

The unit admin plans a project (optionally answering a resident's need of the community),
starts it, sends its members, and cancels it; the community admin confirms it done. A
project's need follows it: in progress when the project is planned, done when the project is
done, open again when it is cancelled (``needs.service``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.cobuilding import service as reportins
from sunshine.cobuilding.models import ProjectStatus, UnitProject
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.needs import service as needs

PROJECT_MISSING = Missing(code="unit_project.not_found", message="共建项目不存在")
OPEN = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)


def place_of(project: UnitProject) -> Place:
    return Place(
        area_path=project.area_path,
        unit_id=project.unit_id,
        unit_city_path=project.report_in.unit.city.path,
        subject=Subject("unit_project", project.id, PROJECT_MISSING),
    )


def project_for(actor: Actor, permission: Permission, project_id: int) -> UnitProject:
    """The project, if the actor holds ``permission`` over it; locked for a change."""
    require_somewhere(actor, permission)
    project = db.session.get(UnitProject, project_id)
    if project is None:
        raise PROJECT_MISSING.error()
    authorize(actor, permission, place_of(project))
    if permission != Permission.COBUILD_READ:
        # Fetched, not only executed: the rows are what refreshes the object.
        db.session.execute(
            select(UnitProject)
            .where(UnitProject.id == project.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    return project


def create(
    *,
    actor: Actor,
    report_in_id: int,
    title: str,
    description: str,
    planned_from: date,
    planned_to: date,
    need_id: int | None = None,
) -> UnitProject:
    """A planned project of an admitted report-in; a need it answers is then in progress."""
    report_in = reportins.report_in_for(actor, Permission.COBUILD_MANAGE, report_in_id)
    reportins.require_active(report_in)
    if need_id is not None:
        needs.take_up(need_id, community_id=report_in.community_id)
    project = UnitProject(
        report_in=report_in,
        unit_id=report_in.unit_id,
        area_path=report_in.area_path,
        title=title,
        description=description,
        planned_from=planned_from,
        planned_to=planned_to,
        need_id=need_id,
        status=ProjectStatus.PLANNED,
        created_by_id=actor.id,
    )
    db.session.add(project)
    db.session.flush()
    return project


def _bad_status(project: UnitProject, wanted: Sequence[ProjectStatus]) -> None:
    if project.status not in wanted:
        raise Conflict(
            f"项目当前状态（{project.status.value}）不允许此操作", code="unit_project.bad_status"
        )


def start(*, actor: Actor, project_id: int) -> UnitProject:
    """The unit starts a planned project."""
    project = project_for(actor, Permission.COBUILD_MANAGE, project_id)
    _bad_status(project, (ProjectStatus.PLANNED,))
    project.status, project.started_at = ProjectStatus.IN_PROGRESS, clock.now()
    db.session.flush()
    return project


def send_members(*, actor: Actor, project_id: int, member_ids: Sequence[int]) -> UnitProject:
    """The members the unit sends (the whole list, replaced): verified members of the unit.

    Any other id (unknown, another unit's member, not verified) is 422 naming them, and
    nothing changes.
    """
    project = project_for(actor, Permission.COBUILD_MANAGE, project_id)
    _bad_status(project, OPEN)
    wanted = set(member_ids)
    members = list(
        db.session.scalars(
            select(Member).where(
                Member.id.in_(wanted),
                Member.unit_id == project.unit_id,
                Member.status == MemberStatus.VERIFIED,
            )
        )
    )
    others = sorted(wanted - {m.id for m in members})
    if others:
        raise Invalid(
            "只能派出本单位已认证的党员",
            code="unit_project.not_unit_members",
            fields={"member_ids": [f"不是本单位已认证的党员：{others}"]},
        )
    project.members = sorted(members, key=lambda m: m.id)
    db.session.flush()
    return project


def cancel(*, actor: Actor, project_id: int, reason: str) -> UnitProject:
    """The unit cancels an open project; the need it answered is open again."""
    project = project_for(actor, Permission.COBUILD_MANAGE, project_id)
    _bad_status(project, OPEN)
    project.status = ProjectStatus.CANCELLED
    project.cancelled_at, project.cancel_reason = clock.now(), reason
    if project.need_id is not None:
        needs.settle(project.need_id, done=False)
    db.session.flush()
    return project


def confirm_done(*, actor: Actor, project_id: int) -> UnitProject:
    """The community confirms a project in progress done, once the unit has sent members;
    the need it answered is done."""
    project = project_for(actor, Permission.COBUILD_DECIDE, project_id)
    _bad_status(project, (ProjectStatus.IN_PROGRESS,))
    if not project.members:
        raise Conflict("单位尚未派出党员，不能确认完成", code="unit_project.no_members")
    project.status = ProjectStatus.DONE
    project.done_at, project.done_by_id = clock.now(), actor.id
    if project.need_id is not None:
        needs.settle(project.need_id, done=True)
    db.session.flush()
    return project
