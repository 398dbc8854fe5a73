"""时长账本: the hours-ledger entries booked between two days, for an auditor.

Who: ``LEDGER_VERIFY`` (the org department of a city, the system administrator), the holders
of the ledger audit: the entries are the hash chains themselves (position, previous hash,
hash), which is what an auditor checks a chain with, and what community and street admins
never see (they read records, ``HOURS_READ``). The scope is the one a ledger verification
has: the chains of the members who sit in the actor's city (``Member.area_path``).

The days are Asia/Shanghai days of the entry's booking (``created_at``): the ledger as a
journal, each entry once, in the order of its id. The record's service date is a column.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from marshmallow import fields
from sqlalchemy import Row, select

from sunshine import clock
from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.api import ID, DateSpan
from sunshine.exports.labels import label
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.hours.models import HoursEntry, ServiceRecord
from sunshine.members.models import Member
from sunshine.org import service as org

MAX_DAYS = 366  # a year of a city's entries: a period, not the whole history at once

COLUMNS = (
    Column("流水号", 10, Cell.INTEGER),
    Column("党员编号", 9, Cell.INTEGER),
    Column("党员", 12),
    Column("链上序号", 9, Cell.INTEGER),
    Column("类型", 7),
    Column("分钟", 8, Cell.INTEGER),
    Column("小时", 8, Cell.HOURS),
    Column("记录编号", 10, Cell.INTEGER),
    Column("服务日期", 11, Cell.DATE),
    Column("活动名称", 26),
    Column("操作账号", 9, Cell.INTEGER),
    Column("原因", 24),
    Column("记账时间", 17, Cell.DATETIME),
    Column("前一哈希", 20),
    Column("哈希", 20),
)


class LedgerFilterArgs(DateSpan):
    max_span_days = MAX_DAYS
    date_from = fields.Date(
        data_key="from", required=True, metadata={"description": "booked on or after"}
    )
    date_to = fields.Date(data_key="to", required=True, metadata={"description": "on or before"})
    area_id = fields.Integer(validate=ID, metadata={"description": "members in this area"})


def check(actor: Actor, filters: Filters) -> None:
    require_somewhere(actor, Permission.LEDGER_VERIFY)
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    start: date = filters["date_from"]
    end: date = filters["date_to"] + timedelta(days=1)
    query = (
        select(
            HoursEntry.id,
            HoursEntry.member_id,
            Member.name,
            HoursEntry.seq,
            HoursEntry.kind,
            HoursEntry.amount,
            HoursEntry.record_id,
            ServiceRecord.service_date,
            ServiceRecord.activity_name,
            HoursEntry.actor_id,
            HoursEntry.reason,
            HoursEntry.created_at,
            HoursEntry.prev_hash,
            HoursEntry.hash,
        )
        .join(Member, Member.id == HoursEntry.member_id)
        .outerjoin(ServiceRecord, ServiceRecord.id == HoursEntry.record_id)
        .where(
            HoursEntry.created_at >= clock.at_local(start, time()),
            HoursEntry.created_at < clock.at_local(end, time()),
        )
    )
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.LEDGER_VERIFY,
        area_path=Member.area_path,
        within_area_id=filters.get("area_id"),
    )

    def cells(row: Row[Any]) -> list[Any]:
        return [
            row.id,
            row.member_id,
            row.name,
            row.seq,
            label("entry", row.kind),
            row.amount,
            row.amount,
            row.record_id,
            row.service_date,
            row.activity_name,
            row.actor_id,
            row.reason,
            row.created_at,
            row.prev_hash,
            row.hash,
        ]

    return Source(scoped, key=(HoursEntry.id,), cells=cells)


KIND = ExportKind(
    name="hours_ledger",
    title="时长账本",
    permission=Permission.LEDGER_VERIFY,
    filters=LedgerFilterArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
