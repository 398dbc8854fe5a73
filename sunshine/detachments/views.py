"""The read side of detachments: a city's list, one detachment with its roster, a member's
own detachments, and the team's hours.

Team hours are the members' hours: the confirmed service records of the hours domain (their
``credited_minutes``, the sum of each record's hours-ledger entries), never a ledger of the
detachment's own. A record counts for the detachment when the member's signup for its shift
came through the detachment (``detachment_signup``) and was not cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import aliased

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.detachments.models import Detachment, DetachmentMember, DetachmentSignup
from sunshine.detachments.service import get_city, get_detachment, steward
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.org.models import Area, WorkUnit
from sunshine.tasks.models import Signup, SignupStatus


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


@dataclass(frozen=True)
class Leader:
    member_id: int
    name: str


@dataclass(frozen=True)
class RosterLine:
    member_id: int
    name: str
    community: str | None
    unit: str
    joined_at: datetime
    is_leader: bool


@dataclass(frozen=True)
class Shown:
    """A detachment as its readers see it (``roster`` only on the one-detachment read)."""

    id: int
    city_id: int
    name: str
    description: str | None
    active: bool
    leader: Leader | None
    member_count: int
    created_at: datetime
    roster: list[RosterLine] = field(default_factory=list)
    is_leader: bool = False  # on the caller's own list: whether they lead it


def _counts(ids: Iterable[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(DetachmentMember.detachment_id, func.count())
            .where(
                DetachmentMember.detachment_id.in_(list(ids)), DetachmentMember.left_at.is_(None)
            )
            .group_by(DetachmentMember.detachment_id)
        ).all()
    )


def _shown(detachments: list[Detachment], *, me: int | None = None) -> list[Shown]:
    counts = _counts(d.id for d in detachments)
    leader_ids = {d.leader_member_id for d in detachments if d.leader_member_id is not None}
    leaders = dict(
        db.session.execute(select(Member.id, Member.name).where(Member.id.in_(leader_ids))).all()
    )
    return [
        Shown(
            id=d.id,
            city_id=d.city_id,
            name=d.name,
            description=d.description,
            active=d.active,
            leader=(
                Leader(d.leader_member_id, leaders[d.leader_member_id])
                if d.leader_member_id is not None
                else None
            ),
            member_count=counts.get(d.id, 0),
            created_at=d.created_at,
            is_leader=me is not None and d.leader_member_id == me,
        )
        for d in detachments
    ]


def list_detachments(*, actor: Actor, city_id: int, active: bool | None = None) -> list[Shown]:
    """The city's detachments by name (a short list: the model city runs 24)."""
    require_somewhere(actor, Permission.DETACHMENT_MANAGE)
    city = get_city(city_id)
    authorize(actor, Permission.DETACHMENT_MANAGE, Place(area_path=city.path))
    query = select(Detachment).where(Detachment.city_id == city.id)
    if active is not None:
        query = query.where(Detachment.active.is_(active))
    return _shown(list(db.session.scalars(query.order_by(Detachment.name, Detachment.id))))


def roster(detachment: Detachment) -> list[RosterLine]:
    """The detachment's members now, in the order they joined, with where each comes from."""
    community = aliased(Area)
    rows = db.session.execute(
        select(Member.id, Member.name, community.name, WorkUnit.name, DetachmentMember.joined_at)
        .join(Member, DetachmentMember.member_id == Member.id)
        .join(WorkUnit, Member.unit_id == WorkUnit.id)
        .outerjoin(community, community.path == Member.area_path)
        .where(DetachmentMember.detachment_id == detachment.id, DetachmentMember.left_at.is_(None))
        .order_by(DetachmentMember.joined_at, DetachmentMember.id)
    ).all()
    leader = detachment.leader_member_id
    return [
        RosterLine(member_id, name, place, unit, joined_at, member_id == leader)
        for member_id, name, place, unit, joined_at in rows
    ]


def detachment_for(*, actor: Actor, detachment_id: int) -> Shown:
    """One detachment with its roster: for its leader and the organization department."""
    detachment = steward(actor, detachment_id, action="detachment.read")
    return shown_with_roster(detachment)


def shown_with_roster(detachment: Detachment) -> Shown:
    (shown,) = _shown([detachment])
    lines = roster(detachment)
    return replace(shown, roster=lines, member_count=len(lines))


def managed_detachment(detachment_id: int) -> Shown:
    """What a change by the organization department answers (it was authorised already)."""
    return shown_with_roster(get_detachment(detachment_id))


def my_detachments(*, actor: Actor) -> list[Shown]:
    """The detachments the caller belongs to now (none for an account without a member)."""
    member = members.own_member_or_none(actor)
    if member is None:
        return []
    query = (
        select(Detachment)
        .join(DetachmentMember, DetachmentMember.detachment_id == Detachment.id)
        .where(DetachmentMember.member_id == member.id, DetachmentMember.left_at.is_(None))
        .order_by(Detachment.name, Detachment.id)
    )
    return _shown(list(db.session.scalars(query)), me=member.id)


# Team hours ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberHours:
    member_id: int
    name: str
    current: bool  # on the roster now
    team_records: int
    team_minutes: int
    all_records: int
    all_minutes: int

    @property
    def team_hours(self) -> float:
        return _hours(self.team_minutes)

    @property
    def all_hours(self) -> float:
        return _hours(self.all_minutes)


@dataclass(frozen=True)
class DetachmentHours:
    detachment_id: int
    name: str
    date_from: date | None
    date_to: date | None
    members: list[MemberHours]

    @property
    def team_records(self) -> int:
        return sum(m.team_records for m in self.members)

    @property
    def team_minutes(self) -> int:
        return sum(m.team_minutes for m in self.members)

    @property
    def team_hours(self) -> float:
        return _hours(self.team_minutes)


def _confirmed(date_from: date | None, date_to: date | None) -> ColumnElement[bool]:
    conditions = [ServiceRecord.status == RecordStatus.CONFIRMED]
    if date_from is not None:
        conditions.append(ServiceRecord.service_date >= date_from)
    if date_to is not None:
        conditions.append(ServiceRecord.service_date <= date_to)
    return and_(*conditions)


def detachment_hours(
    *, actor: Actor, detachment_id: int, date_from: date | None, date_to: date | None
) -> DetachmentHours:
    """The confirmed hours of the detachment's members between two service dates (either
    open): per member, those of shifts signed up through the detachment and all of theirs.

    Members listed: the current roster, and former members with hours through the team in the
    span. Three aggregate queries, each on ``ix_service_record_member_id_service_date``."""
    detachment = steward(actor, detachment_id, action="detachment.hours")
    sums = (ServiceRecord.member_id, func.count(), func.sum(ServiceRecord.credited_minutes))
    through_team = dict(
        (member_id, (int(n), int(minutes or 0)))
        for member_id, n, minutes in db.session.execute(
            select(*sums)
            .join(
                Signup,
                and_(
                    Signup.shift_id == ServiceRecord.shift_id,
                    Signup.member_id == ServiceRecord.member_id,
                    Signup.status != SignupStatus.CANCELLED,
                ),
            )
            .join(DetachmentSignup, DetachmentSignup.signup_id == Signup.id)
            .where(DetachmentSignup.detachment_id == detachment.id, _confirmed(date_from, date_to))
            .group_by(ServiceRecord.member_id)
        )
    )
    current = {line.member_id: line.name for line in roster(detachment)}
    listed = list(current) + sorted(set(through_team) - set(current))
    names = dict(
        db.session.execute(select(Member.id, Member.name).where(Member.id.in_(listed))).all()
    )
    overall = {
        member_id: (int(n), int(minutes or 0))
        for member_id, n, minutes in db.session.execute(
            select(*sums)
            .where(ServiceRecord.member_id.in_(listed), _confirmed(date_from, date_to))
            .group_by(ServiceRecord.member_id)
        )
    }
    return DetachmentHours(
        detachment_id=detachment.id,
        name=detachment.name,
        date_from=date_from,
        date_to=date_to,
        members=[
            MemberHours(
                member_id=member_id,
                name=names[member_id],
                current=member_id in current,
                team_records=through_team.get(member_id, (0, 0))[0],
                team_minutes=through_team.get(member_id, (0, 0))[1],
                all_records=overall.get(member_id, (0, 0))[0],
                all_minutes=overall.get(member_id, (0, 0))[1],
            )
            for member_id in listed
        ],
    )
