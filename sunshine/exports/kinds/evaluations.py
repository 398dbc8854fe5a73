"""考核评价: the evaluations in force of a period, as ``GET /periods/{id}/evaluations`` lists
them.

The same permission (``EVALUATION_READ``: community, street and org admins), the same period
check (``evaluations.views.readable_period``: a grant inside the period's city or covering
it), the same filters (``grade``, ``area_id``) and the same scope (``scoped_query`` over the
evaluation's ``area_path``, the community that graded last).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row, select

from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID, BaseSchema
from sunshine.evaluations.models import GRADE_LABELS, Evaluation, Grade
from sunshine.evaluations.views import readable_period
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.members.models import Member
from sunshine.org import service as org
from sunshine.org.models import Area, WorkUnit

COLUMNS = (
    Column("评价编号", 10, Cell.INTEGER),
    Column("党员编号", 10, Cell.INTEGER),
    Column("姓名", 12),
    Column("工作单位", 28),
    Column("评价社区", 18),
    Column("评价等次", 10),
    Column("评语", 36),
    Column("不合格原因", 30),
    Column("评价次数", 9, Cell.INTEGER),
    Column("首次评价时间", 17, Cell.DATETIME),
    Column("最后评价时间", 17, Cell.DATETIME),
)


class EvaluationExportArgs(BaseSchema):
    period_id = fields.Integer(required=True, validate=ID)
    grade = fields.Enum(Grade, by_value=True)
    area_id = fields.Integer(validate=ID, metadata={"description": "a street or community"})


def check(actor: Actor, filters: Filters) -> None:
    """As the listing: 403 without ``EVALUATION_READ`` in the period's city, 404 for an unknown
    period or area."""
    readable_period(actor, filters["period_id"])
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    period, _ = readable_period(actor, filters["period_id"])
    query = (
        select(
            Evaluation.id,
            Evaluation.member_id,
            Member.name,
            WorkUnit.name.label("unit"),
            Area.name.label("community"),
            Evaluation.grade,
            Evaluation.comment,
            Evaluation.reason,
            Evaluation.versions,
            Evaluation.created_at,
            Evaluation.updated_at,
        )
        .join(Member, Member.id == Evaluation.member_id)
        .join(WorkUnit, WorkUnit.id == Member.unit_id)
        .join(Area, Area.id == Evaluation.community_id)
        .where(Evaluation.period_id == period.id)
    )
    if filters.get("grade") is not None:
        query = query.where(Evaluation.grade == filters["grade"])
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.EVALUATION_READ,
        area_path=Evaluation.area_path,
        within_area_id=filters.get("area_id"),
    )

    def cells(row: Row[Any]) -> list[Any]:
        return [
            row.id,
            row.member_id,
            row.name,
            row.unit,
            row.community,
            GRADE_LABELS[Grade(row.grade)],
            row.comment,
            row.reason,
            row.versions,
            row.created_at,
            row.updated_at,
        ]

    return Source(scoped, key=(Evaluation.id,), cells=cells)


KIND = ExportKind(
    name="evaluations",
    title="考核评价",
    permission=Permission.EVALUATION_READ,
    filters=EvaluationExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
