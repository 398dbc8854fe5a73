"""Reading service records and hours: admin listings (filtered for auditors) and their totals,
a record with its entries, a member's own records and year, and correction requests.

Every figure of confirmed time comes from the hours ledger (its entries, joined to their
records for the service date, or the heads for all-time totals), never from
``ServiceRecord.minutes``, which is only the rule's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import selectinload

from sunshine.access.listing import scoped_page, scoped_query
from sunshine.access.permissions import Actor, Permission, authorize
from sunshine.api import Shown
from sunshine.audit.rules import Rule, member_rule
from sunshine.campaigns.views import tagged_shifts
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    OVERDUE,
    Correction,
    CorrectionStatus,
    Ledger,
    LedgerDigest,
    LedgerVerification,
    RecordStatus,
    ServiceRecord,
)
from sunshine.hours.service import confirmed_minutes_in_year, get_record, place_of
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.org.models import WorkUnit
from sunshine.pagination import CursorPage, cursor_page, newest_first
from sunshine.tasks.models import Shift, Task

Row = TypeVarTuple("Row")

# What a page of records shows, loaded in a few batched queries instead of several per row.
RECORD_PAGE_LOADS = (
    selectinload(ServiceRecord.member).selectinload(Member.account),
    selectinload(ServiceRecord.member).selectinload(Member.unit).selectinload(WorkUnit.city),
    selectinload(ServiceRecord.area),
)


def view(actor: Actor, record: ServiceRecord, *, with_entries: bool = False) -> Shown:
    """A record as the actor may see it: the member's phone masked unless the role needs it."""
    member = record.member
    shown: dict[str, Any] = {
        "member": Shown(member, phone=members.visible_phone(actor, member)),
    }
    if with_entries:
        shown["entries"] = [
            Shown(entry, ledger=name) for name, entry in ledger.entries_of_record(record.id)
        ]
    return Shown(record, **shown)


@dataclass(frozen=True)
class RecordFilter:
    """The filters of the admins' record listing and its totals (``RecordFilterArgs``), shared
    with the records export (``exports/kinds/records.py``)."""

    status: RecordStatus | None = None
    overdue: bool | None = None
    area_id: int | None = None
    shift_id: int | None = None
    member_id: int | None = None
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    flag: str | None = None
    campaign_id: int | None = None

    def apply(self, query: Select[*Row]) -> Select[*Row]:
        """``query`` over service records narrowed by every filter given but the area (the
        scope's area filter is looked up after the permission check)."""
        record = ServiceRecord
        if self.status is not None:
            query = query.where(record.status == self.status)
        if self.overdue is not None:
            query = query.where(record.overdue.is_(self.overdue))
        if self.shift_id is not None:
            query = query.where(record.shift_id == self.shift_id)
        if self.member_id is not None:
            query = query.where(record.member_id == self.member_id)
        if self.unit_id is not None:
            in_unit = select(Member.id).where(Member.unit_id == self.unit_id)
            query = query.where(record.member_id.in_(in_unit))
        if self.campaign_id is not None:
            query = query.where(record.shift_id.in_(tagged_shifts(self.campaign_id)))
        if self.date_from is not None:
            query = query.where(record.service_date >= self.date_from)
        if self.date_to is not None:
            query = query.where(record.service_date <= self.date_to)
        if self.flag == OVERDUE:
            query = query.where(record.overdue.is_(True))
        elif self.flag is not None:
            # flags is a JSON list of RecordFlag names; as text each appears quoted, and no
            # quoted name is part of another, so this matches exactly that flag.
            text = cast(record.flags, String)
            query = query.where(text.contains(f'"{self.flag}"', autoescape=True))
        return query


def list_records(
    *, actor: Actor, limit: int, after_id: int | None = None, filters: RecordFilter
) -> CursorPage:
    """Records of the areas in the actor's scope, newest first, narrowed by ``filters``."""
    page = scoped_page(
        filters.apply(select(ServiceRecord)).options(*RECORD_PAGE_LOADS),
        actor=actor,
        permission=Permission.HOURS_READ,
        within_area_id=filters.area_id,
        id_column=ServiceRecord.id,
        area_path=ServiceRecord.area_path,
        body_id=ServiceRecord.body_id,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage([view(actor, r) for r in page.items], page.next_cursor)


@dataclass(frozen=True)
class Totals:
    count: int = 0
    minutes: int = 0
    credited_minutes: int = 0


@dataclass(frozen=True)
class RecordTotals(Totals):
    by_status: dict[str, Totals] = field(default_factory=dict)


def record_totals(*, actor: Actor, filters: RecordFilter) -> RecordTotals:
    """What the listing with ``filters`` holds, in one aggregate: records, claimed minutes and
    credited minutes, in all and by status (the same scope and filters as the listing)."""
    sums = select(
        ServiceRecord.status,
        func.count(),
        func.coalesce(func.sum(ServiceRecord.minutes), 0),
        func.coalesce(func.sum(ServiceRecord.credited_minutes), 0),
    ).group_by(ServiceRecord.status)
    query = scoped_query(
        sums,
        actor=actor,
        permission=Permission.HOURS_READ,
        area_path=ServiceRecord.area_path,
        body_id=ServiceRecord.body_id,
        within_area_id=filters.area_id,
    )
    by_status = {status.value: Totals() for status in RecordStatus}
    for status, n, minutes, credited in db.session.execute(filters.apply(query)):
        by_status[RecordStatus(status).value] = Totals(int(n), int(minutes), int(credited))
    rows = by_status.values()
    return RecordTotals(
        count=sum(t.count for t in rows),
        minutes=sum(t.minutes for t in rows),
        credited_minutes=sum(t.credited_minutes for t in rows),
        by_status=by_status,
    )


def record_for(*, actor: Actor, record_id: int) -> Shown:
    """One record with its ledger entries: for the member themself or HOURS_READ in scope."""
    record = get_record(record_id)
    if record.member.account_id != actor.id:
        authorize(actor, Permission.HOURS_READ, place_of(record))
    return view(actor, record, with_entries=True)


def my_records(
    *,
    actor: Actor,
    limit: int,
    status: RecordStatus | None = None,
    after_id: int | None = None,
) -> CursorPage:
    """The member's own records, newest first."""
    member = members.own_member(actor)
    query = (
        select(ServiceRecord)
        .where(ServiceRecord.member_id == member.id)
        .order_by(ServiceRecord.id.desc())
        .options(
            *RECORD_PAGE_LOADS,
            selectinload(ServiceRecord.shift).selectinload(Shift.task).selectinload(Task.area),
        )
    )
    if status is not None:
        query = query.where(ServiceRecord.status == status)
    if after_id is not None:
        query = query.where(ServiceRecord.id < after_id)
    page = cursor_page(query, ServiceRecord.id, limit)
    return CursorPage([view(actor, r) for r in page.items], page.next_cursor)


# Corrections -----------------------------------------------------------------------------------


def my_corrections(
    *,
    actor: Actor,
    limit: int,
    status: CorrectionStatus | None = None,
    after_id: int | None = None,
) -> CursorPage:
    """The member's corrections, newest first (``status=open``: the ones still waiting)."""
    member = members.own_member(actor)
    query = select(Correction).where(Correction.member_id == member.id)
    if status is not None:
        query = query.where(Correction.status == status)
    return newest_first(query, Correction.id, after_id=after_id, limit=limit)


def list_corrections(
    *,
    actor: Actor,
    limit: int,
    status: CorrectionStatus | None = None,
    after_id: int | None = None,
) -> CursorPage:
    """Corrections of records in the actor's scope, newest first."""
    query = select(Correction).join(ServiceRecord, Correction.record_id == ServiceRecord.id)
    if status is not None:
        query = query.where(Correction.status == status)
    return scoped_page(
        query,
        actor=actor,
        permission=Permission.HOURS_READ,
        id_column=Correction.id,
        area_path=ServiceRecord.area_path,
        body_id=ServiceRecord.body_id,
        after_id=after_id,
        limit=limit,
    )


# Hours per year --------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    year: int
    confirmed_minutes: int
    required_minutes: int
    remaining_minutes: int
    points_total: int
    total_minutes: int
    records: dict[str, int]
    rule: Rule

    @property
    def required_services(self) -> int | None:
        return self.rule.min_services

    @property
    def confirmed_services(self) -> int:
        return self.records["confirmed"]

    @property
    def remaining_services(self) -> int | None:
        required = self.rule.min_services
        return None if required is None else max(0, required - self.confirmed_services)

    @property
    def confirmed_hours(self) -> float:
        return round(self.confirmed_minutes / 60, 2)

    @property
    def required_hours(self) -> float:
        return round(self.required_minutes / 60, 2)

    @property
    def remaining_hours(self) -> float:
        return round(self.remaining_minutes / 60, 2)


def my_year(*, actor: Actor, year: int) -> YearSummary:
    """The member's confirmed time in ``year`` against the requirement, and their points.

    The requirement is the rule that applies to the member's community for the year
    (``audit.rules``: the street's tightening, else the city's, else YEARLY_SERVICE_HOURS).
    """
    member = members.own_member(actor)
    confirmed = confirmed_minutes_in_year([member.id], year)[member.id]
    rule = member_rule(member.id, year)
    required = rule.min_minutes or 0
    counts = dict.fromkeys((s.value for s in RecordStatus), 0)
    counts.update(
        {
            status.value: n
            for status, n in db.session.execute(
                select(ServiceRecord.status, func.count())
                .where(
                    ServiceRecord.member_id == member.id,
                    ServiceRecord.service_date.between(date(year, 1, 1), date(year, 12, 31)),
                )
                .group_by(ServiceRecord.status)
            )
        }
    )
    return YearSummary(
        year=year,
        confirmed_minutes=confirmed,
        required_minutes=required,
        remaining_minutes=max(0, required - confirmed),
        points_total=ledger.total(Ledger.POINTS, member.id),
        total_minutes=ledger.total(Ledger.HOURS, member.id),
        records=counts,
        rule=rule,
    )


# Ledger verifications ----------------------------------------------------------------------


def verification(verification: LedgerVerification) -> Shown:
    """A verification request as its reader sees it, with the day of the digest it checked."""
    digest = (
        None
        if verification.digest_id is None
        else db.session.get(LedgerDigest, verification.digest_id)
    )
    return Shown(verification, digest_day=None if digest is None else digest.day)
