"""心愿诉求台账: residents' needs in the reader's scope, as ``GET /needs`` lists them.

The same permission (``NEED_READ``: community, street and org admins, and a grid role for its
grid's needs), the same filters (``status``, ``kind``, ``overdue``, ``area_id``, applied by the
listing's own ``needs.views.filtered``) and the same scope (``scoped_query`` over the need's
``area_path``), plus the days of submission (``from``, ``to``: a ledger is read by period).
The resident's contact is written only where the reader holds ``NEED_CONTACT`` over the
need (the community's own admins), as the listing shows it; elsewhere the cell is empty.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from marshmallow import fields
from sqlalchemy import Row, case, func, literal, select
from sqlalchemy.orm import aliased

from sunshine import clock
from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, require_somewhere, scope_filter
from sunshine.api import ID, DateSpan
from sunshine.cobuilding.models import UnitProject
from sunshine.exports.labels import label, yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.needs import views
from sunshine.needs.models import Need, NeedKind, NeedStatus
from sunshine.org import service as org
from sunshine.org.models import Area

MAX_DAYS = 366 * 3  # as the needs figures' longest period

COLUMNS = (
    Column("编号", 9, Cell.INTEGER),
    Column("社区", 16),
    Column("网格", 14),
    Column("类别", 8),
    Column("内容", 36),
    Column("居民联系方式", 18),
    Column("提交时间", 17, Cell.DATETIME),
    Column("状态", 9),
    Column("答复期限", 17, Cell.DATETIME),
    Column("答复时间", 17, Cell.DATETIME),
    Column("答复超期", 8),
    Column("办结期限", 17, Cell.DATETIME),
    Column("办结时间", 17, Cell.DATETIME),
    Column("办结超期", 8),
    Column("不予受理原因", 24),
    Column("办理方式", 12),
    Column("任务编号", 9, Cell.INTEGER),
    Column("单位项目", 24),
    Column("评价", 9),
    Column("评价意见", 28),
    Column("评价时间", 17, Cell.DATETIME),
)


class NeedExportArgs(DateSpan):
    max_span_days = MAX_DAYS
    status = fields.Enum(NeedStatus, by_value=True)
    kind = fields.Enum(NeedKind, by_value=True)
    overdue = fields.Boolean(
        metadata={"description": "true: past a due time (answer or completion), or done late"}
    )
    area_id = fields.Integer(validate=ID, metadata={"description": "a street, community or grid"})
    date_from = fields.Date(data_key="from", metadata={"description": "submitted on or after"})
    date_to = fields.Date(data_key="to", metadata={"description": "submitted on or before"})


def check(actor: Actor, filters: Filters) -> None:
    """As the listing: 403 without ``NEED_READ`` anywhere, 404 for an unknown area."""
    require_somewhere(actor, Permission.NEED_READ)
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    community, grid = aliased(Area), aliased(Area)
    # A need answered by a unit project: the first one (a cancelled project frees the need).
    first_project = (
        select(UnitProject.need_id, func.min(UnitProject.id).label("project_id"))
        .where(UnitProject.need_id.is_not(None))
        .group_by(UnitProject.need_id)
        .subquery()
    )
    contact = scope_filter(actor, Permission.NEED_CONTACT, area_path=Need.area_path)
    query = (
        select(
            Need.id,
            community.name.label("community"),
            grid.name.label("grid"),
            Need.kind,
            Need.content,
            case((contact, Need.resident_contact), else_=literal(None)).label("contact"),
            Need.created_at,
            Need.status,
            Need.answer_due_at,
            Need.answered_at,
            views.overdue_answer().label("late_answer"),
            Need.completion_due_at,
            Need.closed_at,
            views.overdue_completion().label("late_completion"),
            Need.decline_reason,
            Need.task_id,
            UnitProject.title.label("project"),
            Need.rating,
            Need.rating_comment,
            Need.rated_at,
        )
        .join(community, community.id == Need.community_id)
        .outerjoin(grid, grid.id == Need.grid_id)
        .outerjoin(first_project, first_project.c.need_id == Need.id)
        .outerjoin(UnitProject, UnitProject.id == first_project.c.project_id)
    )
    query = views.filtered(
        query,
        status=filters.get("status"),
        kind=filters.get("kind"),
        is_overdue=filters.get("overdue"),
    )
    if filters.get("date_from") is not None:
        query = query.where(Need.created_at >= clock.at_local(filters["date_from"], time(0)))
    if filters.get("date_to") is not None:
        end = clock.at_local(filters["date_to"] + timedelta(days=1), time(0))
        query = query.where(Need.created_at < end)
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.NEED_READ,
        area_path=Need.area_path,
        within_area_id=filters.get("area_id"),
    )

    def cells(row: Row[Any]) -> list[Any]:
        how = "转为任务" if row.task_id is not None else "单位项目" if row.project else None
        return [
            row.id,
            row.community,
            row.grid,
            label("need_kind", row.kind),
            row.content,
            row.contact,
            row.created_at,
            label("need", row.status),
            row.answer_due_at,
            row.answered_at,
            yes_no(bool(row.late_answer)),
            row.completion_due_at,
            row.closed_at,
            yes_no(bool(row.late_completion)),
            row.decline_reason,
            how,
            row.task_id,
            row.project,
            label("rating", row.rating),
            row.rating_comment,
            row.rated_at,
        ]

    return Source(scoped, key=(Need.id,), cells=cells)


KIND = ExportKind(
    name="needs",
    title="心愿诉求台账",
    permission=Permission.NEED_READ,
    filters=NeedExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
