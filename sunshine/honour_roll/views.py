"""The honour roll (光荣榜) of a city, street or community for a period, and a member's place.

Computed live, like compliance: the verified members placed in the area (``Member.area_path``,
as compliance places them) whose public-ranking consent is in force *now*
(``consent.in_force``, the newest consent record), with the figures of ``audit.tally``
(confirmed services and credited minutes dated in the period). So a withdrawal takes effect
at the next read: there is no copy of the board to forget. Only members with at least one
confirmed service (and, on the hours board, at least one credited minute) are on a board;
ties share a rank and the next rank skips (competition ranking, 1-2-2-4), shown in member id
order. The public sees masked names (``members.names.mask_name``) and no ids.

Who reads a board: a verified member whose placement lies in the area (their community, its
street, their city), and admins whose ``ranking.read`` grant reaches the area. Anyone else:
403. See docs/rankings.md for the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Subquery, case, func, select

from sunshine.access.permissions import Actor, Permission, Place, can_reach
from sunshine.audit.models import Period
from sunshine.audit.selection import rules_for
from sunshine.audit.tally import Rules, per_member, without_jit
from sunshine.consent import service as consent
from sunshine.consent.models import ConsentKind
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.members.names import mask_name
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel

BOARD_LEVELS = (AreaLevel.CITY, AreaLevel.STREET, AreaLevel.COMMUNITY)


class Measure(StrEnum):
    HOURS = "hours"  # credited minutes of confirmed records
    SERVICES = "services"  # confirmed records


@dataclass(frozen=True)
class Entry:
    """One line of a board, as the public sees it."""

    rank: int
    name: str  # masked: 张*明
    services: int
    minutes: int
    is_me: bool  # the caller's own line

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class Board:
    period_id: int
    area: Area
    by: Measure
    total: int  # members on the board (the items are its first ``limit``)
    items: list[Entry]


@dataclass(frozen=True)
class Standing:
    """A member's place on one board (``rank`` None: not on it, no service counted)."""

    area: Area
    rank: int | None
    total: int


@dataclass(frozen=True)
class Mine:
    period_id: int
    by: Measure
    services: int
    minutes: int
    boards: list[Standing]

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


def get_period(period_id: int) -> tuple[Period, Area]:
    """The period and its city (404 ``period.not_found``)."""
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    return period, db.session.get_one(Area, period.city_id)


def _board_area(city: Area, area_id: int | None) -> Area:
    """The city itself, or a street or community of it (422 otherwise, 404 unknown)."""
    if area_id is None:
        return city
    area = org.get_area(area_id)
    if area.level not in BOARD_LEVELS or not city.contains(area.path):
        message = "应为该周期所在的市，或其街道、社区"
        raise Invalid(message, code="area.wrong_level", fields={"area_id": [message]})
    return area


def _may_read(actor: Actor, area: Area, member: Member | None) -> None:
    """A verified member placed in the area, or an admin whose grant reaches it."""
    if (
        member is not None
        and member.status == MemberStatus.VERIFIED
        and area.contains(member.area_path)
    ):
        return
    if not can_reach(actor, Permission.RANKING_READ, Place(area_path=area.path)):
        raise Forbidden()


def _ranked(period: Period, rules: Rules, area: Area, by: Measure) -> Subquery:
    """Every member on the area's board: id, name, services, minutes, rank, total."""
    on_board = [
        Member.status == MemberStatus.VERIFIED,
        Member.area_path.startswith(area.path, autoescape=True),
        consent.in_force(ConsentKind.PUBLIC_RANKING, Member.account_id),
    ]
    figures = per_member(period, rules, on_board, (Member.id, Member.name)).subquery("figures")
    value = figures.c.minutes if by == Measure.HOURS else figures.c.services
    without_jit()
    return (
        select(
            figures.c.id,
            figures.c.name,
            figures.c.services,
            figures.c.minutes,
            func.rank().over(order_by=value.desc()).label("rank"),
            func.count().over().label("total"),
        )
        .where(figures.c.services > 0, value > 0)
        .subquery("ranked")
    )


def board(
    *, actor: Actor, period_id: int, by: Measure, limit: int, area_id: int | None = None
) -> Board:
    """The first ``limit`` lines of the area's board for the period, rank by rank."""
    period, city = get_period(period_id)
    area = _board_area(city, area_id)
    me = members.own_member_or_none(actor)
    _may_read(actor, area, me)
    ranked = _ranked(period, rules_for(period), area, by)
    rows = db.session.execute(
        select(ranked).order_by(ranked.c.rank, ranked.c.id).limit(limit)
    ).all()
    items = [
        Entry(
            rank=int(row.rank),
            name=mask_name(row.name),
            services=int(row.services),
            minutes=int(row.minutes),
            is_me=me is not None and row.id == me.id,
        )
        for row in rows
    ]
    total = int(rows[0].total) if rows else 0
    return Board(period_id=period.id, area=area, by=by, total=total, items=items)


def mine(*, actor: Actor, period_id: int, by: Measure) -> Mine:
    """The member's own place on the boards of their community, street and city.

    Without the public-ranking consent in force the member is on no board, and is told so
    (409 ``ranking.no_consent``) rather than shown where they would be.
    """
    member = members.own_member(actor)
    if member.status != MemberStatus.VERIFIED:
        raise Forbidden("党员身份尚未认证", code="member.not_verified")
    period, city = get_period(period_id)
    if not city.contains(member.area_path):
        raise Forbidden()
    if not consent.states(actor.id)[ConsentKind.PUBLIC_RANKING].granted:
        raise Conflict(
            "您未同意公开排名，不在光荣榜上；可在“我的—隐私设置”中同意后上榜",
            code="ranking.no_consent",
        )
    rules = rules_for(period)
    own = db.session.execute(
        per_member(period, rules, [Member.id == member.id], (Member.id,))
    ).one()
    areas = _areas_of(member.area_path)
    boards = []
    for area in areas:
        ranked = _ranked(period, rules, area, by)
        rank, total = db.session.execute(
            select(
                func.max(case((ranked.c.id == member.id, ranked.c.rank))),
                func.count(),
            )
        ).one()
        boards.append(Standing(area, int(rank) if rank is not None else None, int(total)))
    return Mine(
        period_id=period.id,
        by=by,
        services=int(own.services),
        minutes=int(own.minutes),
        boards=boards,
    )


def _areas_of(area_path: str) -> list[Area]:
    """The community, street and city of a placement, narrowest first."""
    ids = [int(part) for part in area_path.strip("/").split("/") if part]
    found = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(ids)))}
    areas = [found[i] for i in ids if i in found and found[i].level in BOARD_LEVELS]
    return list(reversed(areas))
