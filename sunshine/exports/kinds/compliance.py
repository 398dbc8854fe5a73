"""达标情况: every member a reader counts in a period, with their figures and status.

The same selection as ``GET /periods/{id}/compliance/members`` (``audit.selection``): the
period's city, the reader's scope inside it, the street / community / unit / party-org
filters, and for a unit admin only the members whose unit-feedback consent is in force (the
others are counted on the page, never listed — nor exported). The figures are
``audit.tally``'s: confirmed services and credited minutes dated in the period, the status
by the rule that applies to the member's street.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row, select
from sqlalchemy.orm import aliased

from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID, BaseSchema
from sunshine.audit.selection import Filters as MemberFilters
from sunshine.audit.selection import select_members
from sunshine.audit.tally import (
    STATUS_LABELS,
    ComplianceStatus,
    per_member,
    with_status,
    without_jit,
)
from sunshine.exports.labels import yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.org.models import Area, PartyOrg, WorkUnit

COLUMNS = (
    Column("党员编号", 10, Cell.INTEGER),
    Column("姓名", 12),
    Column("工作单位", 28),
    Column("党组织", 28),
    Column("所在社区/街道", 20),
    Column("本周期报到", 10),
    Column("服务次数", 10, Cell.INTEGER),
    Column("服务时长（小时）", 14, Cell.HOURS),
    Column("达标情况", 10),
)


class ComplianceExportArgs(BaseSchema):
    period_id = fields.Integer(required=True, validate=ID)
    street_id = fields.Integer(validate=ID)
    community_id = fields.Integer(validate=ID)
    unit_id = fields.Integer(validate=ID)
    party_org_id = fields.Integer(validate=ID)
    campaign_id = fields.Integer(
        validate=ID, metadata={"description": "count only records of tasks so tagged"}
    )
    status = fields.Enum(ComplianceStatus, by_value=True)


def _selection(actor: Actor, filters: Filters) -> Any:
    narrowed = MemberFilters(
        street_id=filters.get("street_id"),
        community_id=filters.get("community_id"),
        unit_id=filters.get("unit_id"),
        party_org_id=filters.get("party_org_id"),
        campaign_id=filters.get("campaign_id"),
    )
    return select_members(actor, filters["period_id"], narrowed)


def check(actor: Actor, filters: Filters) -> None:
    _selection(actor, filters)  # 404 / 403 / 422 as the compliance pages answer


def rows(actor: Actor, filters: Filters) -> Source:
    selection = _selection(actor, filters)
    listed = [selection.listed] if selection.listed is not None else []
    figures = with_status(
        per_member(
            selection.period,
            selection.rules,
            [*selection.where, *listed],
            records=selection.records,
        ),
        selection.rules,
    ).subquery()
    place, org = aliased(Area), aliased(PartyOrg)
    query = (
        select(
            figures.c.id,
            figures.c.name,
            WorkUnit.name.label("unit"),
            org.name.label("party_org"),
            place.name.label("place"),
            figures.c.reported_in,
            figures.c.services,
            figures.c.minutes,
            figures.c.status,
        )
        .join(WorkUnit, WorkUnit.id == figures.c.unit_id)
        .outerjoin(org, org.id == figures.c.party_org_id)
        .outerjoin(place, place.path == figures.c.area_path)
    )
    if filters.get("status") is not None:
        query = query.where(figures.c.status == filters["status"].value)
    without_jit()

    def cells(row: Row[Any]) -> list[Any]:
        return [
            row.id,
            row.name,
            row.unit,
            row.party_org,
            row.place,
            yes_no(bool(row.reported_in)),
            int(row.services),
            int(row.minutes),
            STATUS_LABELS[ComplianceStatus(row.status)],
        ]

    return Source(query, key=(figures.c.id,), cells=cells)


KIND = ExportKind(
    name="compliance",
    title="达标情况",
    permission=Permission.COMPLIANCE_READ,
    filters=ComplianceExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
