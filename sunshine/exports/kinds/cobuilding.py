"""单位共建台账: units' report-ins with their agreement, resources and projects, and the unit's
yearly report, in the reader's scope of ``GET /unit-report-ins``.

The same permission (``COBUILD_READ``: unit, community, street and org admins), the same
filters (``status``, ``unit_id``, ``area_id``, applied by ``cobuilding.views``'s own
``filtered_report_ins``) and the same scope (``REPORT_IN_SCOPE``: the community's path or
the unit). One row per project of a report-in (a report-in without a project: one row with
empty project cells); the resources list is one cell (``人员 志愿者 10人；…``). The yearly
report's submission time is shown where the reader may read that report
(``cobuilding.yearly.readable``, as the yearly-report listing); elsewhere it is empty.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row, String, and_, case, cast, func, literal, select

from sunshine import clock
from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.api import ID, BaseSchema
from sunshine.cobuilding import views, yearly
from sunshine.cobuilding.models import (
    Agreement,
    Resource,
    ResourceKind,
    UnitProject,
    UnitProjectMember,
    UnitReportIn,
    UnitReportInStatus,
    YearlyReport,
)
from sunshine.cobuilding.schemas import YEAR
from sunshine.exports.labels import label, yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.org import service as org
from sunshine.org.models import Area, PartyOrg, WorkUnit

COLUMNS = (
    Column("报到编号", 9, Cell.INTEGER),
    Column("单位", 24),
    Column("党组织", 24),
    Column("报到社区", 16),
    Column("结对社区", 8),
    Column("报到状态", 9),
    Column("申请时间", 17, Cell.DATETIME),
    Column("审批时间", 17, Cell.DATETIME),
    Column("协议开始", 11, Cell.DATE),
    Column("协议结束", 11, Cell.DATE),
    Column("协议确认时间", 17, Cell.DATETIME),
    Column("资源清单", 36),
    Column("项目编号", 9, Cell.INTEGER),
    Column("项目名称", 24),
    Column("项目状态", 9),
    Column("计划开始", 11, Cell.DATE),
    Column("计划结束", 11, Cell.DATE),
    Column("派出党员数", 10, Cell.INTEGER),
    Column("完成时间", 17, Cell.DATETIME),
    Column("报告年度", 9, Cell.INTEGER),
    Column("年度报告提交时间", 17, Cell.DATETIME),
)


class CoBuildingExportArgs(BaseSchema):
    status = fields.Enum(UnitReportInStatus, by_value=True)
    area_id = fields.Integer(validate=ID, metadata={"description": "a street or community"})
    unit_id = fields.Integer(validate=ID)
    year = fields.Integer(
        validate=YEAR, metadata={"description": "of the yearly report; default: this year"}
    )


def check(actor: Actor, filters: Filters) -> None:
    """As the listing: 403 without ``COBUILD_READ`` anywhere; 404 an unknown area or unit."""
    require_somewhere(actor, Permission.COBUILD_READ)
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])
    if filters.get("unit_id") is not None:
        org.get_work_unit(filters["unit_id"])


def _resources() -> Any:
    """Each agreement's resources as one text: ``人员 志愿者 10人；车辆 货车 2辆``."""
    kind = case(
        {k.value: label("resource", k) for k in ResourceKind}, value=Resource.kind, else_=""
    )
    line = kind + literal(" ") + Resource.name + literal(" ") + cast(Resource.quantity, String)
    return (
        select(
            Resource.agreement_id,
            func.aggregate_strings(line + Resource.measure, "；").label("resources"),
        )
        .group_by(Resource.agreement_id)
        .subquery()
    )


def rows(actor: Actor, filters: Filters) -> Source:
    year: int = filters.get("year") or clock.today().year
    resources = _resources()
    sent = (
        select(UnitProjectMember.project_id, func.count().label("sent"))
        .group_by(UnitProjectMember.project_id)
        .subquery()
    )
    project_key = func.coalesce(UnitProject.id, 0)
    query = (
        select(
            UnitReportIn.id,
            WorkUnit.name.label("unit"),
            PartyOrg.name.label("party_org"),
            Area.name.label("community"),
            UnitReportIn.paired,
            UnitReportIn.status,
            UnitReportIn.requested_at,
            UnitReportIn.decided_at,
            Agreement.starts_on,
            Agreement.ends_on,
            Agreement.confirmed_at,
            resources.c.resources,
            UnitProject.id.label("project_id"),
            UnitProject.title,
            UnitProject.status.label("project_status"),
            UnitProject.planned_from,
            UnitProject.planned_to,
            sent.c.sent,
            UnitProject.done_at,
            YearlyReport.submitted_at.label("yearly_at"),
        )
        .join(WorkUnit, WorkUnit.id == UnitReportIn.unit_id)
        .join(PartyOrg, PartyOrg.id == UnitReportIn.party_org_id)
        .join(Area, Area.id == UnitReportIn.community_id)
        .outerjoin(Agreement, Agreement.report_in_id == UnitReportIn.id)
        .outerjoin(resources, resources.c.agreement_id == Agreement.id)
        .outerjoin(UnitProject, UnitProject.report_in_id == UnitReportIn.id)
        .outerjoin(sent, sent.c.project_id == UnitProject.id)
        .outerjoin(
            YearlyReport,
            and_(
                YearlyReport.unit_id == UnitReportIn.unit_id,
                YearlyReport.year == year,
                yearly.readable(actor, year),
            ),
        )
    )
    query = views.filtered_report_ins(
        query, status=filters.get("status"), unit_id=filters.get("unit_id")
    )
    scoped = scoped_query(
        query, actor=actor, within_area_id=filters.get("area_id"), **views.REPORT_IN_SCOPE
    )

    def cells(row: Row[Any]) -> list[Any]:
        project = row.project_id is not None
        return [
            row.id,
            row.unit,
            row.party_org,
            row.community,
            yes_no(bool(row.paired)),
            label("unit_report_in", row.status),
            row.requested_at,
            row.decided_at,
            row.starts_on,
            row.ends_on,
            row.confirmed_at,
            row.resources,
            row.project_id,
            row.title,
            label("project", row.project_status),
            row.planned_from,
            row.planned_to,
            (row.sent or 0) if project else None,
            row.done_at,
            year,
            row.yearly_at,
        ]

    return Source(scoped, key=(UnitReportIn.id, project_key), cells=cells)


KIND = ExportKind(
    name="unit_cobuilding",
    title="单位共建台账",
    permission=Permission.COBUILD_READ,
    filters=CoBuildingExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
