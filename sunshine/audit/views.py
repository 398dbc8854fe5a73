"""What the audit domain shows: a city's periods, the rule that applies in a period (for the
city or a street), and the history of its versions. Readers are admins whose grant lies inside
the city or covers it (``require_reach``)."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.permissions import Actor, Permission, Place, require_reach, require_somewhere
from sunshine.audit import service
from sunshine.audit.models import Period, PeriodKind, Requirement
from sunshine.errors import NotFound
from sunshine.extensions import db
from sunshine.org.models import Area
from sunshine.pagination import CursorPage, newest_first


def list_periods(
    *, actor: Actor, city_id: int, kind: PeriodKind | None, after_id: int | None, limit: int
) -> CursorPage:
    require_somewhere(actor, Permission.REQUIREMENT_READ)
    city = service.get_city(city_id)
    require_reach(actor, Permission.REQUIREMENT_READ, Place(area_path=city.path))
    query = select(Period).where(Period.city_id == city.id)
    if kind is not None:
        query = query.where(Period.kind == kind)
    return newest_first(query, Period.id, after_id=after_id, limit=limit)


def get_period(*, actor: Actor, period_id: int) -> tuple[Period, Area]:
    require_somewhere(actor, Permission.REQUIREMENT_READ)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    city = db.session.get_one(Area, period.city_id)
    require_reach(actor, Permission.REQUIREMENT_READ, Place(area_path=city.path))
    return period, city


def get_rules(*, actor: Actor, period_id: int) -> service.PeriodRules:
    """The city's rule for the period (the default for a year without one)."""
    period, city = get_period(actor=actor, period_id=period_id)
    return service.rules_of(period, city, None)


def get_street_rules(*, actor: Actor, period_id: int, street_id: int) -> service.PeriodRules:
    """What applies in a street for the period: its tightening over the city's rule."""
    period, city = get_period(actor=actor, period_id=period_id)
    return service.rules_of(period, city, service.street_of(city, street_id))


def history(*, actor: Actor, period_id: int, after_id: int | None, limit: int) -> CursorPage:
    """Every version of the period's rules (the city's and the streets'), newest first."""
    period, _ = get_period(actor=actor, period_id=period_id)
    query = select(Requirement).where(Requirement.period_id == period.id)
    return newest_first(query, Requirement.id, after_id=after_id, limit=limit)
