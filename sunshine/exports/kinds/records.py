"""服务记录: the admins' record listing (``GET /service-records``) as a sheet.

The same permission (``HOURS_READ``: community, street and org admins, over the records
their areas organised), the same filters (``RecordFilterArgs``, applied by the listing's own
``RecordFilter``: a filter added to the listing is in the export too) and the same phone rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import aliased

from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, Place, require_somewhere
from sunshine.auth.models import Account
from sunshine.exports.labels import label, yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.hours.models import ServiceRecord
from sunshine.hours.schemas import RecordFilterArgs
from sunshine.hours.views import RecordFilter
from sunshine.members.models import Member
from sunshine.members.service import phone_as_seen
from sunshine.org import service as org
from sunshine.org.models import Area, WorkUnit

COLUMNS = (
    Column("记录编号", 10, Cell.INTEGER),
    Column("党员", 12),
    Column("手机号", 14),
    Column("工作单位", 26),
    Column("组织社区/街道", 18),
    Column("活动名称", 26),
    Column("服务日期", 11, Cell.DATE),
    Column("地点", 24),
    Column("服务内容", 30),
    Column("负责人", 10),
    Column("签到时间", 17, Cell.DATETIME),
    Column("签退时间", 17, Cell.DATETIME),
    Column("申报分钟", 9, Cell.INTEGER),
    Column("认定分钟", 9, Cell.INTEGER),
    Column("认定小时", 9, Cell.HOURS),
    Column("状态", 8),
    Column("标记", 16),
    Column("超期未确认", 10),
    Column("来源", 11),
    Column("确认/驳回时间", 17, Cell.DATETIME),
    Column("驳回原因", 24),
)


def check(actor: Actor, filters: Filters) -> None:
    """As the listing: refused without ``HOURS_READ`` anywhere; an unknown area 404."""
    require_somewhere(actor, Permission.HOURS_READ)
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    record_filter = RecordFilter(**filters)
    area, city = aliased(Area), aliased(Area)
    query = (
        select(
            ServiceRecord.id,
            Member.name.label("member"),
            Account.phone,
            Member.account_id,
            Member.area_path.label("member_path"),
            Member.unit_id,
            city.path.label("city_path"),
            WorkUnit.name.label("unit"),
            area.name.label("area"),
            ServiceRecord.activity_name,
            ServiceRecord.service_date,
            ServiceRecord.place,
            ServiceRecord.content,
            ServiceRecord.person_in_charge,
            ServiceRecord.check_in_at,
            ServiceRecord.check_out_at,
            ServiceRecord.minutes,
            ServiceRecord.credited_minutes,
            ServiceRecord.status,
            ServiceRecord.flags,
            ServiceRecord.overdue,
            ServiceRecord.source,
            ServiceRecord.decided_at,
            ServiceRecord.reject_reason,
        )
        .join(Member, Member.id == ServiceRecord.member_id)
        .join(Account, Account.id == Member.account_id)
        .join(WorkUnit, WorkUnit.id == Member.unit_id)
        .join(city, city.id == WorkUnit.city_id)
        .join(area, area.id == ServiceRecord.area_id)
    )
    scoped = scoped_query(
        record_filter.apply(query),
        actor=actor,
        permission=Permission.HOURS_READ,
        area_path=ServiceRecord.area_path,
        body_id=ServiceRecord.body_id,
        within_area_id=record_filter.area_id,
    )

    def cells(row: Row[Any]) -> list[Any]:
        place = Place(area_path=row.member_path, unit_id=row.unit_id, unit_city_path=row.city_path)
        return [
            row.id,
            row.member,
            phone_as_seen(actor, row.phone, row.account_id, place),
            row.unit,
            row.area,
            row.activity_name,
            row.service_date,
            row.place,
            row.content,
            row.person_in_charge,
            row.check_in_at,
            row.check_out_at,
            row.minutes,
            row.credited_minutes,
            row.credited_minutes,
            label("record", row.status),
            "、".join(label("flag", flag) or "" for flag in row.flags or ()),
            yes_no(row.overdue),
            label("source", row.source),
            row.decided_at,
            row.reject_reason,
        ]

    return Source(scoped, key=(ServiceRecord.id,), cells=cells)


KIND = ExportKind(
    name="service_records",
    title="服务记录",
    permission=Permission.HOURS_READ,
    filters=RecordFilterArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
