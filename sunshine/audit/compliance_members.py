"""Compliance member by member: a page of the members a reader counts, and one member.

A unit admin sees in detail only the members whose unit-feedback consent is in force; the
others are counted in the figures, not listed: a page says how many of the filter's members
were withheld, and asking for one of them is 403 ``compliance.no_consent``.

Pages are keyset pages in the order asked (``id``, ``name``, ``minutes`` or ``services``,
each then by id): the cursor carries the order, the last row's sort value and its id, so a
page costs the same at any depth and a cursor of another order is refused (422).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select, tuple_

from sunshine.access.permissions import Actor, Place, authorize, can
from sunshine.audit.compliance import Order, names_of, path_ids
from sunshine.audit.rules import Rule
from sunshine.audit.selection import READ, Filters, Selection, period_for, rules_for
from sunshine.audit.selection import select_members as selection_of
from sunshine.audit.selection import withheld as withheld_of
from sunshine.audit.tally import ComplianceStatus, per_member, with_status, without_jit
from sunshine.consent import service as consent
from sunshine.consent.models import ConsentKind
from sunshine.errors import Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.members.service import get_member, place_of
from sunshine.org.models import Area, PartyOrg, WorkUnit


class MemberSort(StrEnum):
    ID = "id"
    NAME = "name"
    MINUTES = "minutes"
    SERVICES = "services"


@dataclass(frozen=True)
class Ref:
    id: int
    name: str


@dataclass(frozen=True)
class MemberRow:
    """One member's standing in the period, as a reader sees it."""

    member_id: int
    name: str
    unit: Ref
    party_org: Ref | None
    street: Ref | None
    community: Ref | None
    reported_in: bool
    services: int
    minutes: int
    status: ComplianceStatus
    rule: Rule | None = None  # shown for one member

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class MemberPage:
    items: list[MemberRow]
    next_cursor: str | None
    withheld: int  # members of the filter counted but not listed (no unit-feedback consent)


def _cursor(sort: MemberSort, value: Any, member_id: int) -> str:
    raw = json.dumps([sort.value, value, member_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str, sort: MemberSort) -> tuple[Any, int]:
    """The sort value and id a cursor continues after (422 if it is not one of this order)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, member_id = json.loads(raw)
        expected = str if sort == MemberSort.NAME else int
        if kind != sort.value or not isinstance(value, expected) or type(member_id) is not int:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error):
        message = "分页游标无效（应为上一页的 next_cursor，且排序方式相同）"
        raise Invalid(message, fields={"cursor": [message]}) from None
    return value, member_id


def _rows(selection: Selection, raw: list[Any], with_rule: bool = False) -> list[MemberRow]:
    """Rows of the page with the names of their units, party orgs, streets, communities."""
    paths = {row.id: path_ids(row.area_path) for row in raw}
    areas = names_of(Area, [i for ids in paths.values() for i in ids[1:3]])
    units = names_of(WorkUnit, [row.unit_id for row in raw])
    orgs = names_of(PartyOrg, [row.party_org_id for row in raw])

    def ref(names: dict[int, str], ref_id: int | None) -> Ref | None:
        return None if ref_id is None else Ref(ref_id, names.get(ref_id, ""))

    def at(ids: list[int], depth: int) -> int | None:
        return ids[depth] if len(ids) > depth else None

    return [
        MemberRow(
            member_id=row.id,
            name=row.name,
            unit=Ref(row.unit_id, units.get(row.unit_id, "")),
            party_org=ref(orgs, row.party_org_id),
            street=ref(areas, at(paths[row.id], 1)),
            community=ref(areas, at(paths[row.id], 2)),
            reported_in=bool(row.reported_in),
            services=int(row.services),
            minutes=int(row.minutes),
            status=ComplianceStatus(row.status),
            rule=selection.rules.for_path(row.area_path) if with_rule else None,
        )
        for row in raw
    ]


def _figures(selection: Selection, *extra: Any) -> Any:
    """The members' figures with their status, as a subquery (``extra``: more conditions)."""
    where = [*selection.where, *extra]
    inner = per_member(selection.period, selection.rules, where, records=selection.records)
    return with_status(inner, selection.rules)


def member_page(
    *,
    actor: Actor,
    period_id: int,
    filters: Filters,
    status: ComplianceStatus | None = None,
    sort: MemberSort = MemberSort.ID,
    order: Order = Order.ASC,
    cursor: str | None = None,
    limit: int = 20,
) -> MemberPage:
    """One page of the members the reader counts and may see in detail, in the order asked."""
    selection = selection_of(actor, period_id, filters)
    after = _after(cursor, sort) if cursor is not None else None
    listed = [selection.listed] if selection.listed is not None else []
    figures = _figures(selection, *listed).subquery()
    key = figures.c[sort.value]
    query: Select[Any] = select(figures)
    if status is not None:
        query = query.where(figures.c.status == status.value)
    if after is not None:
        mark = tuple_(key, figures.c.id) if sort != MemberSort.ID else key
        value = tuple_(*after) if sort != MemberSort.ID else after[1]
        query = query.where(mark > value if order == Order.ASC else mark < value)
    ordering = [key, figures.c.id] if sort != MemberSort.ID else [key]
    query = query.order_by(*(c.desc() if order == Order.DESC else c.asc() for c in ordering))
    without_jit()
    raw = list(db.session.execute(query.limit(limit + 1)))
    more = len(raw) > limit
    raw = raw[:limit]
    last = raw[-1] if raw else None
    next_cursor = _cursor(sort, getattr(last, sort.value), last.id) if more and last else None
    return MemberPage(_rows(selection, raw), next_cursor, _withheld(selection, status))


def _withheld(selection: Selection, status: ComplianceStatus | None) -> int:
    hidden = withheld_of(selection)
    if hidden is None:
        return 0
    figures = _figures(selection, hidden).subquery()
    query = select(func.count()).select_from(figures)
    if status is not None:
        query = query.where(figures.c.status == status.value)
    return db.session.scalar(query) or 0


def member_detail(*, actor: Actor, period_id: int, member_id: int) -> MemberRow:
    """One member's standing in the period, with the rule that applies to them.

    404 for an unknown member (``member.not_found``) or one the period does not count (not
    verified, or placed outside the period's city: ``compliance.not_counted``); 403 outside
    the reader's scope, and for a unit admin when the member's unit-feedback consent is not
    in force (``compliance.no_consent``).
    """
    period, city = period_for(actor, period_id)
    member = get_member(member_id)
    authorize(actor, READ, place_of(member))
    if member.status != MemberStatus.VERIFIED or not member.area_path.startswith(city.path):
        raise NotFound("该党员不在本周期的统计范围内", code="compliance.not_counted")
    by_area = can(actor, READ, Place(area_path=member.area_path))
    if not by_area and not consent.states(member.account_id)[ConsentKind.UNIT_FEEDBACK].granted:
        raise Forbidden(
            "该党员未同意向单位反馈服务情况，只计入统计，不能查看明细", code="compliance.no_consent"
        )
    selection = Selection(
        period=period,
        city=city,
        rules=rules_for(period),
        where=[Member.id == member.id],
        listed=None,
        within=city.path,
        area_prefixes=(),
        by_unit=False,
    )
    without_jit()
    (row,) = db.session.execute(_figures(selection))
    return _rows(selection, [row], with_rule=True)[0]
