"""Periods and requirements: a city's org_admin defines them, a street admin tightens them.

Refused: periods of one kind that overlap in a city (409 ``period.overlap``), a year that is
not a calendar year or a half/quarter longer than one or across a year end (422
``period.bad_dates``), a requirement with no minimum (422 ``requirement.empty``), a street's
minimum below the city's (409 ``requirement.looser``), a rule of a locked period (409
``period.locked``), and anyone else (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.audit.models import Period, PeriodKind, Requirement
from sunshine.audit.rules import Rule, base_rule, combine, current_rows
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin

MAX_DAYS = {PeriodKind.HALF: 184, PeriodKind.QUARTER: 92}


def get_city(city_id: int) -> Area:
    """The city ``city_id`` names (404 unless it is one)."""
    area = org.get_area(city_id)
    if area.level != AreaLevel.CITY:
        raise Invalid("考核周期应设在市", code="area.wrong_level", fields={"city_id": ["应为市"]})
    return area


def _check_dates(kind: PeriodKind, starts_on: date, ends_on: date) -> None:
    problem = None
    if ends_on < starts_on:
        problem = "结束日期早于开始日期"
    elif kind == PeriodKind.YEAR and (
        starts_on != date(starts_on.year, 1, 1) or ends_on != date(starts_on.year, 12, 31)
    ):
        problem = "年度周期应为一个自然年（1 月 1 日至 12 月 31 日）"
    elif kind != PeriodKind.YEAR and (
        ends_on.year != starts_on.year or (ends_on - starts_on).days + 1 > MAX_DAYS[kind]
    ):
        problem = f"半年或季度应在同一自然年内，且不超过 {MAX_DAYS[kind]} 天"
    if problem:
        raise Invalid(problem, code="period.bad_dates", fields={"ends_on": [problem]})


def create_period(
    *,
    actor: Actor,
    city_id: int,
    kind: PeriodKind,
    starts_on: date,
    ends_on: date,
    origin: Origin | None = None,
) -> Period:
    """Define a period of a city; periods of one kind never overlap."""
    require_somewhere(actor, Permission.REQUIREMENT_CITY)
    city = get_city(city_id)
    authorize(actor, Permission.REQUIREMENT_CITY, Place(area_path=city.path))
    _check_dates(kind, starts_on, ends_on)
    # The city's row lock serialises period definitions of the city (the overlap check).
    org.lock_area(city.id)
    clash = db.session.scalar(
        select(Period.id).where(
            Period.city_id == city.id,
            Period.kind == kind,
            Period.starts_on <= ends_on,
            Period.ends_on >= starts_on,
        )
    )
    if clash is not None:
        raise Conflict(
            f"与已有的同类周期（{clash}）时间重叠",
            code="period.overlap",
            fields={"starts_on": [f"与周期 {clash} 重叠"]},
        )
    period = Period(
        city_id=city.id, kind=kind, starts_on=starts_on, ends_on=ends_on, created_by_id=actor.id
    )
    db.session.add(period)
    db.session.flush()
    security.record(
        action="audit.period",
        account_id=actor.id,
        origin=origin,
        object_type="period",
        object_id=period.id,
        detail={
            "city_id": city.id,
            "kind": kind.value,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return period


@dataclass(frozen=True)
class PeriodRules:
    """A period's rule for the city (or its street): the rows and what applies."""

    period: Period
    city_rule: Requirement | None
    street_rule: Requirement | None
    applies: Rule


def street_of(city: Area, street_id: int) -> Area:
    street = org.get_area(street_id)
    if street.level != AreaLevel.STREET or street.parent_id != city.id:
        raise Invalid(
            "应为该市的街道", code="area.wrong_level", fields={"street_id": ["应为该市的街道"]}
        )
    return street


def rules_of(period: Period, city: Area, street: Area | None) -> PeriodRules:
    """What applies in the city (or the street) for the period, with the rows it comes from."""
    ids = [city.id] + ([street.id] if street else [])
    rows = current_rows([period.id], ids)
    city_row = rows.get((period.id, city.id))
    street_row = rows.get((period.id, street.id)) if street else None
    return PeriodRules(
        period, city_row, street_row, combine(base_rule(period, city_row), street_row)
    )


def _period_for_change(period_id: int) -> tuple[Period, Area]:
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    return period, db.session.get_one(Area, period.city_id)


def _refuse_empty(min_services: int | None, min_minutes: int | None) -> None:
    if min_services is None and min_minutes is None:
        raise Invalid(
            "至少要求服务次数或服务时长之一",
            code="requirement.empty",
            fields={"min_minutes": ["与 min_services 至少填一项"]},
        )


def _lock(period: Period) -> None:
    """The period's row lock orders its versions, and a street's check against the city.

    A locked period's rules are frozen with its records (409 ``period.locked``); the row lock
    waits for a lock in progress, and reads the row as that left it.
    """
    locked_at = db.session.scalar(
        select(Period.locked_at).where(Period.id == period.id).with_for_update(key_share=True)
    )
    if locked_at is not None:
        raise Conflict("考核周期已锁定，服务要求不能再修改", code="period.locked")


def _add_version(
    actor: Actor,
    origin: Origin | None,
    period: Period,
    area: Area,
    min_services: int | None,
    min_minutes: int | None,
) -> None:
    row = Requirement(
        period_id=period.id,
        area_id=area.id,
        min_services=min_services,
        min_minutes=min_minutes,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    detail = {"area_id": area.id, "min_services": min_services, "min_minutes": min_minutes}
    security.record(
        action="audit.requirement",
        account_id=actor.id,
        origin=origin,
        object_type="period",
        object_id=period.id,
        detail={**detail, "version": row.id},
    )


def set_city_rule(
    *,
    actor: Actor,
    period_id: int,
    min_services: int | None,
    min_minutes: int | None,
    origin: Origin | None = None,
) -> PeriodRules:
    """A new version of the city's rule for the period; every version is kept and logged."""
    require_somewhere(actor, Permission.REQUIREMENT_CITY)  # before the lookup reveals ids
    period, city = _period_for_change(period_id)
    authorize(actor, Permission.REQUIREMENT_CITY, Place(area_path=city.path))
    _refuse_empty(min_services, min_minutes)
    _lock(period)
    _add_version(actor, origin, period, city, min_services, min_minutes)
    return rules_of(period, city, None)


def set_street_rule(
    *,
    actor: Actor,
    period_id: int,
    street_id: int,
    min_services: int | None,
    min_minutes: int | None,
    origin: Origin | None = None,
) -> PeriodRules:
    """A new version of a street's tightening: each minimum given must be at least the
    city's (or the default's); one not given follows the city's."""
    require_somewhere(actor, Permission.REQUIREMENT_STREET)  # before the lookup reveals ids
    period, city = _period_for_change(period_id)
    street = street_of(city, street_id)
    authorize(actor, Permission.REQUIREMENT_STREET, Place(area_path=street.path))
    _refuse_empty(min_services, min_minutes)
    _lock(period)
    base = rules_of(period, city, None).applies
    looser = {
        name: [f"不能低于全市要求 {floor}"]
        for name, mine, floor in (
            ("min_services", min_services, base.min_services),
            ("min_minutes", min_minutes, base.min_minutes),
        )
        if mine is not None and floor is not None and mine < floor
    }
    if looser:
        raise Conflict(
            "街道只能提高要求，不能低于全市要求", code="requirement.looser", fields=looser
        )
    _add_version(actor, origin, period, street, min_services, min_minutes)
    return rules_of(period, city, street)
