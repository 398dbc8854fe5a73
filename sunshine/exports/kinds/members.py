"""党员名单: the members listing (``GET /members``) as a sheet.

The same permission (``MEMBER_LIST``: unit admins, the org department), scope (in the area,
or in a unit of a city inside it) and filters (``MemberListArgs`` without the cursor) as the
listing, and the same phone rule (``phone_as_seen``: whole for those who hold
``MEMBER_CONTACT`` where the member sits, else masked).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, and_
from sqlalchemy.orm import aliased

from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, Place, require_somewhere
from sunshine.auth.models import Account
from sunshine.exports.labels import label, yes_no
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.members.models import Member
from sunshine.members.schemas import MemberListArgs
from sunshine.members.service import phone_as_seen
from sunshine.members.views import member_query
from sunshine.org import service as org
from sunshine.org.models import Area, PartyOrg, WorkUnit
from sunshine.reportin.models import ReportIn, ReportInStatus

COLUMNS = (
    Column("编号", 9, Cell.INTEGER),
    Column("姓名", 12),
    Column("手机号", 14),
    Column("状态", 9),
    Column("工作单位", 28),
    Column("党组织", 28),
    Column("居住社区", 18),
    Column("报到社区", 18),
    Column("报到状态", 10),
    Column("名册核验", 10),
    Column("注册时间", 17, Cell.DATETIME),
)


def check(actor: Actor, filters: Filters) -> None:
    """As the listing: refused without ``MEMBER_LIST`` anywhere; an unknown area or unit 404."""
    require_somewhere(actor, Permission.MEMBER_LIST)
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])
    if filters.get("unit_id") is not None:
        org.get_work_unit(filters["unit_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    city, residence = aliased(Area), aliased(Area)
    active, pending = aliased(ReportIn), aliased(ReportIn)
    active_community, pending_community = aliased(Area), aliased(Area)
    query = (
        member_query(**filters)
        .with_only_columns(
            Member.id,
            Member.name,
            Account.phone,
            Member.account_id,
            Member.area_path,
            Member.unit_id,
            city.path.label("city_path"),
            Member.status,
            WorkUnit.name.label("unit"),
            PartyOrg.name.label("party_org"),
            residence.name.label("home"),
            active_community.name.label("active_in"),
            pending_community.name.label("pending_in"),
            Member.roster_entry_id,
            Member.created_at,
        )
        .join(Account, Account.id == Member.account_id)
        .join(WorkUnit, WorkUnit.id == Member.unit_id)
        .join(city, city.id == WorkUnit.city_id)
        .outerjoin(PartyOrg, PartyOrg.id == Member.party_org_id)
        .join(residence, residence.id == Member.residence_id)
        .outerjoin(
            active,
            and_(active.member_id == Member.id, active.status == ReportInStatus.ACTIVE),
        )
        .outerjoin(active_community, active_community.id == active.community_id)
        .outerjoin(
            pending,
            and_(pending.member_id == Member.id, pending.status == ReportInStatus.PENDING),
        )
        .outerjoin(pending_community, pending_community.id == pending.community_id)
    )
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.MEMBER_LIST,
        area_path=Member.area_path,
        unit_id=Member.unit_id,
    )

    def cells(row: Row[Any]) -> list[Any]:
        place = Place(area_path=row.area_path, unit_id=row.unit_id, unit_city_path=row.city_path)
        report_in = "active" if row.active_in else "pending" if row.pending_in else "none"
        return [
            row.id,
            row.name,
            phone_as_seen(actor, row.phone, row.account_id, place),
            label("member", row.status),
            row.unit,
            row.party_org,
            row.home,
            row.active_in or row.pending_in,
            label("report_in", report_in),
            yes_no(row.roster_entry_id is not None),
            row.created_at,
        ]

    return Source(scoped, key=(Member.id,), cells=cells)


KIND = ExportKind(
    name="members",
    title="党员名单",
    permission=Permission.MEMBER_LIST,
    filters=MemberListArgs(exclude=("cursor", "limit")),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
