"""Unit report-ins and their co-building agreements: the unit asks, the community decides.

Who does what (docs/units.md): the unit admin (``cobuild.manage``, a grant on the unit)
reports in, withdraws or ends, and writes the agreement; the admin of the community reported
in to (``cobuild.decide``) admits or rejects, and countersigns the agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.cobuilding.models import (
    LIVE,
    Agreement,
    ProjectStatus,
    Resource,
    UnitProject,
    UnitReportIn,
    UnitReportInStatus,
)
from sunshine.errors import Conflict, Invalid, Missing, NotFound
from sunshine.extensions import db
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org import service as org
from sunshine.org.models import AreaLevel, UnitCommunityPair, WorkUnit

REPORT_IN_MISSING = Missing(code="unit_report_in.not_found", message="单位报到记录不存在")
DUPLICATE = "该单位已在该社区报到或正有待审批的申请"


def unit_place(unit: WorkUnit) -> Place:
    """Where a unit's own things sit: the unit, in its city (a unit is public: no subject)."""
    return Place(unit_id=unit.id, unit_city_path=unit.city.path)


def place_of(report_in: UnitReportIn) -> Place:
    """In the community reported in to, and in the unit (and so its city)."""
    return Place(
        area_path=report_in.area_path,
        unit_id=report_in.unit_id,
        unit_city_path=report_in.unit.city.path,
        subject=Subject("unit_report_in", report_in.id, REPORT_IN_MISSING),
    )


def get_report_in(report_in_id: int) -> UnitReportIn:
    report_in = db.session.get(UnitReportIn, report_in_id)
    if report_in is None:
        raise REPORT_IN_MISSING.error()
    return report_in


def report_in_for(actor: Actor, permission: Permission, report_in_id: int) -> UnitReportIn:
    """The report-in, if the actor holds ``permission`` over it; locked and read afresh for
    a change (two admins deciding at once: the second sees the first's decision)."""
    require_somewhere(actor, permission)
    report_in = get_report_in(report_in_id)
    authorize(actor, permission, place_of(report_in))
    if permission != Permission.COBUILD_READ:
        # Fetched, not only executed: the rows are what refreshes the object.
        db.session.execute(
            select(UnitReportIn)
            .where(UnitReportIn.id == report_in.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    return report_in


def request_report_in(
    *, actor: Actor, unit_id: int, party_org_id: int, community_id: int
) -> UnitReportIn:
    """The unit's party organisation asks to report in to a community of the unit's city.

    Refuses a party organisation of another unit (422), a place that is not a community or
    lies in another city (422), and a second live report-in to the same community (409, also
    under a race: the partial unique index decides).
    """
    unit = org.get_work_unit(unit_id)
    authorize(actor, Permission.COBUILD_MANAGE, unit_place(unit))
    party_org = org.get_party_org(unit, party_org_id)
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    if not unit.city.contains(community.path):
        raise Invalid(
            "社区不在单位所在的市",
            code="unit_report_in.other_city",
            fields={"community_id": ["不在单位所在的市"]},
        )
    live = select(UnitReportIn.id).where(
        UnitReportIn.unit_id == unit.id,
        UnitReportIn.community_id == community.id,
        UnitReportIn.status.in_(LIVE),
    )
    if db.session.scalar(live) is not None:
        raise Conflict(DUPLICATE, code="unit_report_in.duplicate")
    paired = db.session.scalar(
        select(
            exists().where(
                UnitCommunityPair.unit_id == unit.id,
                UnitCommunityPair.community_id == community.id,
            )
        )
    )
    made = UnitReportIn(
        unit=unit,
        party_org=party_org,
        community=community,
        area_path=community.path,
        paired=bool(paired),
        status=UnitReportInStatus.PENDING,
        requested_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(made)
            db.session.flush()
    except IntegrityError:
        # A parallel request won the race; the partial unique index kept the rule.
        raise Conflict(DUPLICATE, code="unit_report_in.duplicate") from None
    return made


def _tell(report_in: UnitReportIn, *, approved: bool) -> None:
    """The unit's admins learn the community's decision (inbox and subscribe message)."""
    admins = access.unit_admins([report_in.unit_id])[report_in.unit_id]
    notify.enqueue(
        Event.UNIT_REPORT_IN_DECIDED,
        account_ids=admins,
        values={
            "unit": report_in.unit.name,
            "community": report_in.community.name,
            "unit_report_in_id": report_in.id,
            "result": "已通过" if approved else "未通过",
            "reason": report_in.decision_reason,
            "decided_at": clock.now(),
        },
    )


def decide(*, actor: Actor, report_in_id: int, approve: bool, reason: str | None) -> UnitReportIn:
    """The community admits the unit (active) or turns it away (rejected, with a reason)."""
    found = report_in_for(actor, Permission.COBUILD_DECIDE, report_in_id)
    if found.status != UnitReportInStatus.PENDING:
        raise Conflict("该申请不在待审批状态", code="unit_report_in.not_pending")
    found.status = UnitReportInStatus.ACTIVE if approve else UnitReportInStatus.REJECTED
    found.decided_at, found.decided_by_id, found.decision_reason = clock.now(), actor.id, reason
    _tell(found, approved=approve)
    db.session.flush()
    return found


def withdraw(*, actor: Actor, report_in_id: int, reason: str) -> UnitReportIn:
    """The unit withdraws its request, or ends its report-in once its projects are closed."""
    found = report_in_for(actor, Permission.COBUILD_MANAGE, report_in_id)
    if found.status not in LIVE:
        raise Conflict("该记录已结束", code="unit_report_in.closed")
    open_projects = select(UnitProject.id).where(
        UnitProject.report_in_id == found.id,
        UnitProject.status.in_((ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)),
    )
    if db.session.scalar(open_projects) is not None:
        raise Conflict("还有未完成的项目，请先完成或取消", code="unit_report_in.projects_open")
    pending = found.status == UnitReportInStatus.PENDING
    found.status = UnitReportInStatus.WITHDRAWN if pending else UnitReportInStatus.ENDED
    found.ended_at, found.ended_by_id, found.end_reason = clock.now(), actor.id, reason
    db.session.flush()
    return found


def require_active(report_in: UnitReportIn) -> None:
    if report_in.status != UnitReportInStatus.ACTIVE:
        raise Conflict("单位报到未获批准或已结束", code="unit_report_in.not_active")


AGREEMENT_MISSING = "尚未签订共建协议"


def agreement_of(report_in: UnitReportIn) -> Agreement:
    if report_in.agreement is None:
        raise NotFound(AGREEMENT_MISSING, code="agreement.not_found")
    return report_in.agreement


def write_agreement(
    *,
    actor: Actor,
    report_in_id: int,
    starts_on: date,
    ends_on: date,
    text: str,
    resources: Sequence[dict[str, Any]],
) -> Agreement:
    """The unit writes (or rewrites, until countersigned) the agreement of an admitted
    report-in: its term, text and resources list, replaced whole."""
    found = report_in_for(actor, Permission.COBUILD_MANAGE, report_in_id)
    require_active(found)
    agreement = found.agreement
    if agreement is not None and agreement.confirmed_at is not None:
        raise Conflict("共建协议已经社区会签，不能再修改", code="agreement.confirmed")
    if agreement is None:
        agreement = Agreement(report_in=found)
        db.session.add(agreement)
    agreement.starts_on, agreement.ends_on, agreement.text = starts_on, ends_on, text
    agreement.written_by_id, agreement.written_at = actor.id, clock.now()
    agreement.resources = [Resource(**line) for line in resources]
    db.session.flush()
    return agreement


def countersign(*, actor: Actor, report_in_id: int) -> Agreement:
    """The community countersigns (confirms) the agreement; it no longer changes."""
    found = report_in_for(actor, Permission.COBUILD_DECIDE, report_in_id)
    agreement = agreement_of(found)
    require_active(found)
    if agreement.confirmed_at is not None:
        raise Conflict("共建协议已经社区会签，不能再修改", code="agreement.confirmed")
    agreement.confirmed_at, agreement.confirmed_by_id = clock.now(), actor.id
    db.session.flush()
    return agreement
