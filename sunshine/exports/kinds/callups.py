"""动员名单: who is on each post of one call-up, as the call-up's page shows them.

Who: the call-up's admins (``CALLUP_MANAGE`` over its street or city, ``callups.service.get``:
an unknown call-up or one of another area is 404 / 403 as on its page). No phone numbers:
the call-up's page shows none either. A call-up holds at most its places (a thousand or so),
so the sheet is written at once, in the request.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row, and_, select
from sqlalchemy.orm import aliased

from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID, BaseSchema
from sunshine.callups import service as callups
from sunshine.callups.models import CallUpAssignment, CallUpPost
from sunshine.exports.labels import label
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.models import Invitation, Shift, Task

COLUMNS = (
    Column("岗位编号", 9, Cell.INTEGER),
    Column("任务", 26),
    Column("组织社区/街道", 18),
    Column("地点", 24),
    Column("开始时间", 17, Cell.DATETIME),
    Column("结束时间", 17, Cell.DATETIME),
    Column("党员", 12),
    Column("报到社区", 18),
    Column("得分", 7, Cell.INTEGER),
    Column("推荐理由", 40),
    Column("来源", 10),
    Column("邀请答复", 10),
)


class CallUpExportArgs(BaseSchema):
    call_up_id = fields.Integer(required=True, validate=ID)


def check(actor: Actor, filters: Filters) -> None:
    callups.get(actor=actor, call_up_id=filters["call_up_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    call_up = callups.get(actor=actor, call_up_id=filters["call_up_id"])
    organiser, community = aliased(Area), aliased(Area)
    answer = (
        select(Invitation.status)
        .where(
            Invitation.call_up_id == CallUpAssignment.call_up_id,
            Invitation.member_id == CallUpAssignment.member_id,
        )
        .order_by(Invitation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            CallUpAssignment.post_id,
            Task.title,
            organiser.name.label("organiser"),
            Task.address,
            Shift.starts_at,
            Shift.ends_at,
            Member.name,
            community.name.label("community"),
            CallUpAssignment.score,
            CallUpAssignment.reasons,
            CallUpAssignment.source,
            answer.label("answer"),
        )
        .join(CallUpPost, CallUpPost.id == CallUpAssignment.post_id)
        .join(Shift, Shift.id == CallUpPost.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .join(organiser, organiser.id == Task.area_id)
        .join(Member, Member.id == CallUpAssignment.member_id)
        .outerjoin(
            ReportIn,
            and_(ReportIn.member_id == Member.id, ReportIn.status == ReportInStatus.ACTIVE),
        )
        .outerjoin(community, community.id == ReportIn.community_id)
        .where(CallUpAssignment.call_up_id == call_up.id)
    )

    def cells(row: Row[Any]) -> list[Any]:
        return [
            row.post_id,
            row.title,
            row.organiser,
            row.address,
            row.starts_at,
            row.ends_at,
            row.name,
            row.community,
            row.score,
            "；".join(row.reasons or ()),
            label("assignment", row.source),
            label("invitation", row.answer),
        ]

    return Source(query, key=(CallUpAssignment.post_id, CallUpAssignment.id), cells=cells)


KIND = ExportKind(
    name="call_up_assignments",
    title="动员名单",
    permission=Permission.CALLUP_MANAGE,
    filters=CallUpExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
    immediate=True,
)
