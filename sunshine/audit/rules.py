"""Which requirement applies to a member: read in bulk, by community path, for one year.

The street's tightening if its street has one, else the city's rule for the year, else the
default (YEARLY_SERVICE_HOURS, no minimum of services). Field by field the stricter of the
street's and the city's (or default) minimums applies, so a street can never end up looser,
even after the city raises its own rule. One query whatever the number of communities: the
feed asks for one path, call-ups for every community in their pool.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from sunshine.audit.models import Period, PeriodKind, Requirement
from sunshine.extensions import db
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus


@dataclass(frozen=True)
class Rule:
    """A requirement in force: minimums (None: no such minimum) and where it comes from."""

    source: str  # "street", "city" or "default"
    min_services: int | None
    min_minutes: int | None
    period_id: int | None = None
    area_id: int | None = None  # the street or city whose row applies


def default_rule() -> Rule:
    return Rule("default", None, max(0, int(current_app.config["YEARLY_SERVICE_HOURS"])) * 60)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _stricter(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def combine(base: Rule, street: Requirement | None) -> Rule:
    """The street's tightening over the city's rule (or the default), field by field."""
    if street is None:
        return base
    return Rule(
        "street",
        _stricter(base.min_services, street.min_services),
        _stricter(base.min_minutes, street.min_minutes),
        street.period_id,
        street.area_id,
    )


def current_rows(
    period_ids: Collection[int], area_ids: Collection[int]
) -> dict[tuple[int, int], Requirement]:
    """The newest version of each (period, area) requirement among the given ones."""
    if not period_ids or not area_ids:
        return {}
    latest: dict[tuple[int, int], Requirement] = {}
    for row in db.session.scalars(
        select(Requirement)
        .where(Requirement.period_id.in_(period_ids), Requirement.area_id.in_(area_ids))
        .order_by(Requirement.id)
    ):
        latest[(row.period_id, row.area_id)] = row
    return latest


def base_rule(period: Period, city_row: Requirement | None) -> Rule:
    """What applies in a period where no street tightens: the city's rule, else for a year
    the default, else (a half or quarter without a rule) nothing (``source: "none"``)."""
    if city_row is not None:
        return Rule(
            "city", city_row.min_services, city_row.min_minutes, period.id, city_row.area_id
        )
    if period.kind == PeriodKind.YEAR:
        return default_rule()
    return Rule("none", None, None, period.id, None)


def period_rules(period: Period) -> tuple[Rule, dict[int, Rule]]:
    """The rule of a period in its city, and in each street that tightens it (by street id),
    from one query over the period's requirement rows."""
    latest: dict[int, Requirement] = {}
    for row in db.session.scalars(
        select(Requirement).where(Requirement.period_id == period.id).order_by(Requirement.id)
    ):
        latest[row.area_id] = row
    base = base_rule(period, latest.pop(period.city_id, None))
    return base, {area_id: combine(base, row) for area_id, row in latest.items()}


def year_rules(community_paths: Collection[str], year: int) -> dict[str, Rule]:
    """The rule of ``year`` for each community path, in one query."""
    paths = set(community_paths)
    result: dict[str, Rule] = {}
    default = default_rule()
    if not paths:
        return result
    cities = {_ids(p)[0] for p in paths}
    streets = {_ids(p)[1] for p in paths if len(_ids(p)) > 1}
    rows = db.session.execute(
        select(Period.city_id, Requirement)
        .join(Requirement, Requirement.period_id == Period.id)
        .where(
            Period.kind == PeriodKind.YEAR,
            Period.starts_on == date(year, 1, 1),
            Period.city_id.in_(cities),
            Requirement.area_id.in_(cities | streets),
        )
        .order_by(Requirement.id)
    ).all()
    latest = {row.area_id: row for _, row in rows}  # a city has one year period per year
    for path in paths:
        ids = _ids(path)
        city = latest.get(ids[0])
        base = (
            default
            if city is None
            else Rule("city", city.min_services, city.min_minutes, city.period_id, city.area_id)
        )
        result[path] = combine(base, latest.get(ids[1]) if len(ids) > 1 else None)
    return result


def year_minutes(community_paths: Collection[str], year: int) -> dict[str, int]:
    """Minutes required in ``year`` for each community path (0 when no minimum of hours)."""
    return {path: rule.min_minutes or 0 for path, rule in year_rules(community_paths, year).items()}


def member_rule(member_id: int, year: int) -> Rule:
    """The rule of ``year`` for a member: by the community of their active report-in (the
    default without one)."""
    path = db.session.scalar(
        select(Area.path)
        .join(ReportIn, ReportIn.community_id == Area.id)
        .where(ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE)
    )
    return default_rule() if path is None else year_rules([path], year)[path]
