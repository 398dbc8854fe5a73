"""A year of service history for the demo city, so the audit's views show something real.

Members of the first street's first communities (the demo unit admin's hospital among their
units), reported in, most consenting to unit feedback; every two weeks over the last twelve
months a shift in each community that a handful of them served; their records confirmed by the
street admin a few days later (a few late, a few rejected, one voided, one adjusted, those of
the last five days still pending); last year and this year, each with its ended quarters, as
periods with the city's requirement and the first street's tightening. A rolling year, so the
demo shows the same on any day it is loaded.

Everything goes through the app's own services (records, decisions, the ledger, the audit
service), so the chains, heads, credited minutes and the security log are what production would
hold. Decisions are made "then": the module moves ``clock.now`` to the moment of each decision
while it writes it, and puts it back (the seed runs before the app serves).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.audit import service as audit
from sunshine.audit.models import PeriodKind
from sunshine.auth.models import Account
from sunshine.consent.models import ConsentKind, ConsentRecord, PrivacyNotice
from sunshine.extensions import db
from sunshine.hours.models import RecordSource, RecordStatus, ServiceRecord
from sunshine.hours.service import decisions
from sunshine.hours.service.records import create_record
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import Area, WorkUnit
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.roster.models import RosterEntry
from sunshine.tasks.models import (
    Attendance,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Visibility,
)

COMMUNITIES = 6  # of the first street
MEMBERS_PER_COMMUNITY = 30
HOSPITAL_MEMBERS = 24  # members of the demo unit admin's unit among them
ACTIVITIES = (
    ("文明劝导", "文明劝导"),
    ("小区环境整治", "环境卫生"),
    ("政策宣传", "政策宣传"),
    ("关爱空巢老人", "助老助残"),
    ("垃圾分类督导", "环境卫生"),
    ("文明城市创建", "文明创建"),
)


@dataclass(frozen=True)
class History:
    members: int
    shifts: int
    records: int
    periods: int


@contextmanager
def then(moment: datetime) -> Iterator[None]:
    """``clock.now`` is ``moment`` inside the block (see the module docstring)."""
    real: Callable[[], datetime] = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real


def verified_member(
    entry: RosterEntry,
    community: Area,
    notice: PrivacyNotice,
    *,
    openid: str,
    since: datetime,
    consents: dict[ConsentKind, bool] | None = None,
    reported: bool = True,
) -> Member:
    """The roster entry's member, registered and verified ``since``, living in (and unless
    ``reported`` is False reported in to) the community, with the notice and ``consents``."""
    account = Account(openid=openid, phone=entry.phone, phone_bound_at=since)
    db.session.add(account)
    db.session.flush()
    given = {ConsentKind.PRIVACY_NOTICE: True, **(consents or {})}
    db.session.add_all(
        ConsentRecord(
            account_id=account.id,
            kind=kind,
            granted=granted,
            notice_version=notice.version,
            recorded_at=since,
        )
        for kind, granted in given.items()
    )
    member = Member(
        account=account,
        name=entry.name,
        unit_id=entry.unit_id,
        party_org_id=entry.party_org_id,
        residence_id=community.id,
        area_path=community.path,
        status=MemberStatus.VERIFIED,
        roster_entry_id=entry.id,
        available_weekends=True,
        created_at=since,
    )
    db.session.add(member)
    db.session.flush()
    if reported:
        db.session.add(
            ReportIn(
                member_id=member.id,
                community_id=community.id,
                status=ReportInStatus.ACTIVE,
                requested_at=since,
                decided_at=since,
            )
        )
    return member


def _members(
    rng: random.Random,
    communities: list[Area],
    hospital: WorkUnit,
    notice: PrivacyNotice,
    taken: set[int],
) -> dict[int, list[int]]:
    """Verified members reported in to the communities (nine in ten; the rest not yet), from
    the roster: the hospital's members first. Returns the member ids of each community."""
    wanted = COMMUNITIES * MEMBERS_PER_COMMUNITY
    free = RosterEntry.id.not_in(taken) if taken else RosterEntry.id.is_not(None)
    entries = list(
        db.session.scalars(
            select(RosterEntry)
            .where(RosterEntry.unit_id == hospital.id, free)
            .order_by(RosterEntry.id)
            .limit(HOSPITAL_MEMBERS)
        )
    )
    chosen = {e.id for e in entries} | taken
    entries += db.session.scalars(
        select(RosterEntry)
        .where(RosterEntry.id.not_in(chosen))
        .order_by(RosterEntry.id)
        .limit(wanted - len(entries))
    )
    rng.shuffle(entries)
    by_community: dict[int, list[int]] = {c.id: [] for c in communities}
    since = clock.now() - timedelta(days=400)
    for i, entry in enumerate(entries):
        community = communities[i % len(communities)]
        reported = rng.random() >= 0.1
        member = verified_member(
            entry,
            community,
            notice,
            openid=f"demo-history-{entry.id}",
            since=since,
            consents={
                ConsentKind.UNIT_FEEDBACK: rng.random() < 0.7,
                ConsentKind.PUBLIC_RANKING: rng.random() < 0.5,
            },
            reported=reported,
        )
        if reported:
            by_community[community.id].append(member.id)
    return by_community


def activity_shift(
    community: Area, day: date, n: int, *, at: time = time(9, 0), title: str | None = None
) -> Shift:
    """A past shift of the community on ``day`` (the n-th activity of the list)."""
    activity, category_name = ACTIVITIES[n % len(ACTIVITIES)]
    title = title or activity
    category = db.session.scalars(
        select(TaskCategory).where(TaskCategory.name == category_name)
    ).one()
    starts = clock.at_local(day, at)
    task = Task(
        area=community,
        area_path=community.path,
        kind=TaskKind.ACTIVITY,
        category=category,
        title=f"{community.name}{title}",
        content=f"{title}：请按时到场，听从现场负责人安排。",
        address=f"{community.name}党群服务中心",
        latitude=Decimal("37.146000"),
        longitude=Decimal("111.781000"),
        visibility=Visibility.COMMUNITY,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
        published_at=starts - timedelta(days=7),
        created_at=starts - timedelta(days=7),
    )
    shift = Shift(
        task=task,
        starts_at=starts,
        ends_at=starts + timedelta(hours=(2, 3, 3, 4)[n % 4]),
        capacity=15,
        signup_deadline=starts,
        status=ShiftStatus.OPEN,
        confirmed_count=0,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def serve_shift(rng: random.Random, shift: Shift, member_ids: list[int]) -> list[int]:
    """The members who served the shift, their signups and records (pending)."""
    served = rng.sample(member_ids, min(len(member_ids), rng.randint(4, 10)))
    record_ids = []
    for member_id in served:
        check_in = shift.starts_at - timedelta(minutes=rng.randint(0, 20))
        check_out = shift.ends_at + timedelta(minutes=rng.randint(-30, 15))
        db.session.add(
            Signup(
                shift=shift,
                member_id=member_id,
                status=SignupStatus.CONFIRMED,
                confirmed_at=shift.starts_at - timedelta(days=3),
                attendance=Attendance.ATTENDED,
            )
        )
        with then(check_out):
            record = create_record(
                shift,
                member_id,
                check_in_at=check_in,
                check_out_at=check_out,
                source=RecordSource.PUNCHES,
                flags=[],
            )
        record_ids.append(record.id)
    shift.confirmed_count = len(served)
    return record_ids


def _decide(rng: random.Random, street: Actor, shift: Shift, record_ids: list[int]) -> None:
    """The street admin's decisions, a few days after the service (a few of them late)."""
    day = clock.local_date(shift.starts_at)
    if (clock.today() - day).days < 5:
        return  # the newest records are still waiting
    late = rng.random() < 0.05 and (clock.today() - day).days > 26  # never in the future
    when = clock.at_local(day + timedelta(days=25 if late else rng.randint(1, 4)), time(15, 0))
    with then(when):
        for record_id in record_ids:
            if rng.random() < 0.03:
                decisions.reject(actor=street, record_id=record_id, reason="未按要求完成服务内容")
            else:
                decisions.confirm(actor=street, record_id=record_id)


def _correct(street: Actor, member_ids: list[int], today: date) -> None:
    """One record voided and one adjusted, a month ago, in the first community (records of
    the month or two before)."""
    confirmed = list(
        db.session.scalars(
            select(ServiceRecord.id)
            .where(
                ServiceRecord.member_id.in_(member_ids),
                ServiceRecord.status == RecordStatus.CONFIRMED,
                # served before the correction, in a quarter that stays open
                ServiceRecord.service_date.between(
                    today - timedelta(days=75), today - timedelta(days=35)
                ),
            )
            .order_by(ServiceRecord.id)
            .limit(2)
        )
    )
    with then(clock.at_local(today - timedelta(days=30), time(10, 0))):
        decisions.void(actor=street, record_id=confirmed[0], reason="重复登记，经核实作废")
        decisions.adjust(
            actor=street, record_id=confirmed[1], minutes=30, reason="提前到场布置，补记半小时"
        )


def _periods(org: Actor, street: Actor, city: Area, first_street: Area, year: int) -> int:
    """The year (its rule, the first street's tightening) and its ended quarters."""
    period = audit.create_period(
        actor=org,
        city_id=city.id,
        kind=PeriodKind.YEAR,
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )
    audit.set_city_rule(actor=org, period_id=period.id, min_services=6, min_minutes=1200)
    audit.set_street_rule(
        actor=street,
        period_id=period.id,
        street_id=first_street.id,
        min_services=8,
        min_minutes=None,
    )
    made = 1
    for quarter in range(4):
        starts = date(year, 3 * quarter + 1, 1)
        ends = (
            date(year, 3 * quarter + 4, 1) - timedelta(days=1)
            if quarter < 3
            else date(year, 12, 31)
        )
        if ends >= clock.today():
            break
        q = audit.create_period(
            actor=org, city_id=city.id, kind=PeriodKind.QUARTER, starts_on=starts, ends_on=ends
        )
        audit.set_city_rule(actor=org, period_id=q.id, min_services=1, min_minutes=300)
        made += 1
    return made


def seed_history(
    *,
    city: Area,
    communities: list[Area],
    hospital: WorkUnit,
    notice: PrivacyNotice,
    org_account_id: int,
    street_account_id: int,
    taken_roster_ids: set[int],
) -> History:
    """Load the demo city's history (see the module docstring)."""
    rng = random.Random(20261204)  # noqa: S311 (demo data, nothing secret)
    org, street = Actor(account_id=org_account_id), Actor(account_id=street_account_id)
    chosen = communities[:COMMUNITIES]
    members = _members(rng, chosen, hospital, notice, taken_roster_ids)
    today = clock.today()
    shifts = records = 0
    for c_index, community in enumerate(chosen):
        day = today - timedelta(days=364 - c_index)  # the last twelve months
        n = c_index
        while day < today - timedelta(days=1):
            shift = activity_shift(community, day, n)
            record_ids = serve_shift(rng, shift, members[community.id])
            _decide(rng, street, shift, record_ids)
            shifts, records, n = shifts + 1, records + len(record_ids), n + 1
            day += timedelta(days=14)
    _correct(street, members[chosen[0].id], today)
    first_street = db.session.get_one(Area, chosen[0].parent_id)
    periods = sum(
        _periods(org, street, city, first_street, year) for year in (today.year - 1, today.year)
    )
    return History(sum(map(len, members.values())), shifts, records, periods)
