"""How much service each member has done this year: the one figure fairness rules read.

For now the minutes come from the member's confirmed signups on shifts that have ended in
the current year (Asia/Shanghai), counted at the shift's full length. Issue 5's hours ledger
(confirmed service records) will replace the body of ``minutes_served_this_year``; its
callers — the call-up proposal today, the feed later — stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.tasks.models import Shift, ShiftStatus, Signup, SignupStatus
from sunshine.tasks.service import SHANGHAI

CHUNK = 5000  # member ids per query on SQLite (it allows ~32k bound parameters)


def year_start(today: date) -> datetime:
    """Midnight of 1 January of ``today``'s year, Asia/Shanghai."""
    return datetime(today.year, 1, 1, tzinfo=SHANGHAI)


def _shift_minutes() -> ColumnElement[Any]:
    """A shift's length in minutes, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "sqlite":  # naive UTC text; julianday reads it
        return (func.julianday(Shift.ends_at) - func.julianday(Shift.starts_at)) * 1440.0
    return cast(func.extract("epoch", Shift.ends_at - Shift.starts_at), Float) / 60.0


def _chunks(ids: list[int]) -> list[ColumnElement[bool]]:
    """``Signup.member_id`` among ``ids``: one array parameter on PostgreSQL (thousands of
    bound values cost more to send than the query takes), chunks of IN lists on SQLite."""
    if db.session.get_bind().dialect.name != "sqlite":
        return [Signup.member_id == any_(bindparam("ids", ids, type_=ARRAY(Integer)))]
    return [Signup.member_id.in_(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def minutes_served_this_year(member_ids: Iterable[int]) -> dict[int, int]:
    """Minutes each member has served this year (0 for none), by member id."""
    ids = list(dict.fromkeys(member_ids))
    now = utcnow()
    since = year_start(now.astimezone(SHANGHAI).date())
    served = dict.fromkeys(ids, 0)
    for among in _chunks(ids) if ids else []:
        rows = db.session.execute(
            select(Signup.member_id, func.sum(_shift_minutes()))
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                among,
                Signup.status == SignupStatus.CONFIRMED,
                Shift.status == ShiftStatus.OPEN,
                Shift.ends_at >= since,
                Shift.ends_at <= now,
            )
            .group_by(Signup.member_id)
        )
        for member_id, minutes in rows:
            served[member_id] = round(minutes or 0)
    return served
