"""支队服务时长: a detachment's hours per member between two service dates, as
``GET /detachments/{id}/hours`` shows them.

Nothing is counted here: the rows are ``detachments.views.detachment_hours``'s (its
``steward`` check — the detachment's leader or the organization department of its city;
another member of it 403 ``detachment.leader_only``; anyone else 404 as for an unknown
detachment — and its sums over the confirmed service records), one row per member and the
team's total. The spreadsheet is the organization department's (``detachment.manage``): a
leader is a member, holds no grant, and reads the same figures in the mini-program; keeping
a permission lets ``POST /exports`` refuse everyone holding none before reading the body.
A roster's few dozen lines: written at once.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID
from sunshine.detachments import views
from sunshine.detachments.models import Detachment
from sunshine.detachments.schemas import HoursArgs
from sunshine.exports.labels import yes_no
from sunshine.exports.registry import ExportKind, Filters, Listed
from sunshine.exports.xlsx import Cell, Column, Layout
from sunshine.extensions import db

COLUMNS = (
    Column("党员编号", 10, Cell.INTEGER),
    Column("姓名", 12),
    Column("现任成员", 9),
    Column("支队服务次数", 12, Cell.INTEGER),
    Column("支队服务时长（小时）", 14, Cell.HOURS),
    Column("全部服务次数", 12, Cell.INTEGER),
    Column("全部服务时长（小时）", 14, Cell.HOURS),
)
TOTAL = "全队合计"


class DetachmentHoursExportArgs(HoursArgs):
    detachment_id = fields.Integer(required=True, validate=ID)


def _hours(actor: Actor, filters: Filters) -> views.DetachmentHours:
    return views.detachment_hours(
        actor=actor,
        detachment_id=filters["detachment_id"],
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )


def check(actor: Actor, filters: Filters) -> None:
    _hours(actor, filters)


def rows(actor: Actor, filters: Filters) -> Listed:
    hours = _hours(actor, filters)
    lines: list[list[Any]] = [
        [
            m.member_id,
            m.name,
            yes_no(m.current),
            m.team_records,
            m.team_minutes,
            m.all_records,
            m.all_minutes,
        ]
        for m in hours.members
    ]
    total = [None, TOTAL, None, hours.team_records, hours.team_minutes, None, None]
    return Listed([*lines, total])


def layout(filters: Filters) -> Layout:
    detachment = db.session.get_one(Detachment, filters["detachment_id"])
    start, end = filters.get("date_from"), filters.get("date_to")
    span = f"（服务日期 {start or '不限'} 至 {end or '不限'}）" if start or end else ""
    return Layout(page_header=f"{detachment.name}服务时长{span}")


KIND = ExportKind(
    name="detachment_hours",
    title="支队服务时长",
    permission=Permission.DETACHMENT_MANAGE,
    filters=DetachmentHoursExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
    immediate=True,
    layout=layout,
)
