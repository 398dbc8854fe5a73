"""Working days in Asia/Shanghai, and the holiday table that overrides Monday–Friday.

A day is a working day when it is Monday–Friday, unless the ``holiday`` table says
otherwise: a row with ``workday=False`` makes a weekday a holiday (国庆节), a row with
``workday=True`` makes a weekend day a working day (调休补班). The State Council publishes
the year's arrangement each autumn; the org department (or the system administrator) enters
it through ``/holidays``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import select

from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.errors import NotFound
from sunshine.extensions import db
from sunshine.hours.models import Holiday

# Holidays are read in windows of this many days while counting.
_WINDOW = timedelta(days=62)


def _overrides(first: date, last: date) -> dict[date, bool]:
    rows = db.session.execute(
        select(Holiday.day, Holiday.workday).where(Holiday.day.between(first, last))
    )
    return {day: workday for day, workday in rows}


def is_working_day(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    return day.isoweekday() <= 5


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

    ``day`` itself is not counted, working or not: one working day after a Friday is the
    next Monday, unless the holiday table says otherwise. ``n`` = 0 gives ``day``.
    """
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = day
    loaded: dict[date, bool] = {}
    edge = day  # the last day whose override is loaded, in the direction of travel
    while remaining:
        current += step
        if (current - edge) * step.days > timedelta(0):
            far = current + step * _WINDOW.days
            loaded.update(_overrides(min(current, far), max(current, far)))
            edge = far
        if is_working_day(current, loaded):
            remaining -= 1
    return current


# The holiday table -----------------------------------------------------------------------------


def set_holiday(*, actor: Actor, day: date, workday: bool, name: str) -> tuple[Holiday, bool]:
    """Enter or replace one day's override: (the row, whether it is new)."""
    require_somewhere(actor, Permission.CALENDAR_MANAGE)
    holiday = db.session.get(Holiday, day)
    created = holiday is None
    if holiday is None:
        holiday = Holiday(day=day)
        db.session.add(holiday)
    holiday.workday, holiday.name = workday, name
    db.session.flush()
    return holiday, created


def delete_holiday(*, actor: Actor, day: date) -> None:
    """Remove a day's override: the day follows Monday–Friday again."""
    require_somewhere(actor, Permission.CALENDAR_MANAGE)
    holiday = db.session.get(Holiday, day)
    if holiday is None:
        raise NotFound("该日期没有节假日设置", code="holiday.not_found")
    db.session.delete(holiday)
    db.session.flush()


def holidays_of(*, actor: Actor, year: int) -> list[Holiday]:
    """The year's overrides, in date order."""
    require_somewhere(actor, Permission.CALENDAR_MANAGE)
    return list(
        db.session.scalars(
            select(Holiday)
            .where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(Holiday.day)
        )
    )
