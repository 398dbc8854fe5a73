"""双报到反馈: one version of a unit's feedback as a sheet, for the unit's admins.

Bounded by nature (one unit's members), so written in the request itself. ``check`` is the
feedback's own read check (``feedback.views.readable``: the unit's admins and the
organisation department of its city; another unit's is 403); the rows are the version's
lines with the consent re-checked at read time (``feedback.views.lines_query``), so a member
who withdrew since the issue reads 未授权 here as on the page. A 未授权 line keeps its
member's number and name; its text cells say 未授权 and its number cells are empty.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row

from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID, BaseSchema
from sunshine.exports.labels import yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column, Layout
from sunshine.extensions import db
from sunshine.feedback import documents, views
from sunshine.feedback.models import UnitFeedback, UnitFeedbackLine

COLUMNS = (
    Column("党员编号", 10, Cell.INTEGER),
    Column("姓名", 12),
    Column("授权情况", 10),
    Column("报到社区", 22),
    Column("本周期报到", 10),
    Column("服务次数", 10, Cell.INTEGER),
    Column("服务时长（小时）", 14, Cell.HOURS),
    Column("考核评价", 10),
    Column("达标情况", 10),
)


class UnitFeedbackExportArgs(BaseSchema):
    feedback_id = fields.Integer(required=True, validate=ID)


def check(actor: Actor, filters: Filters) -> None:
    views.readable(actor, filters["feedback_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    feedback = views.readable(actor, filters["feedback_id"])

    def cells(row: Row[Any]) -> list[Any]:
        line = views.line_of(row)
        if not line.authorized:
            no = views.UNAUTHORIZED
            return [line.member_id, line.name, no, no, no, None, None, no, no]
        return [
            line.member_id,
            line.name,
            "已授权",
            line.area_name,
            yes_no(bool(line.reported_in)),
            line.services,
            line.minutes,
            line.grade_label or "未评价",
            line.status_label,
        ]

    return Source(views.lines_query(feedback.id), key=(UnitFeedbackLine.id,), cells=cells)


def layout(filters: Filters) -> Layout:
    feedback = db.session.get_one(UnitFeedback, filters["feedback_id"])
    return Layout(printable=True, page_header=documents.title_of(feedback))


KIND = ExportKind(
    name="unit_feedback",
    title="双报到反馈",
    permission=Permission.UNIT_FEEDBACK_READ,
    filters=UnitFeedbackExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
    immediate=True,
    layout=layout,
)
