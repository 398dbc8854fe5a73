"""Which locked period, if any, holds a day of a city: what every change to a record asks.

A decision on a record (confirming, rejecting, voiding, adjusting, accepting a correction,
approval by policy) asks ``refuse_locked`` (or ``locked_periods_of``) after locking the
record. Both first take the record's **city row** ``FOR KEY SHARE`` and only then read the
periods, in a statement of its own. Locking a period takes the same city row ``FOR UPDATE``
(``audit.locking``), which conflicts with ``KEY SHARE`` and with nothing else a decision
holds, so:

- a lock waits for every decision of the city in progress, and its ``locked_at`` is later
  than anything they wrote;
- a decision that reaches the city row while a lock holds it waits for the lock to commit,
  and its next statement (READ COMMITTED: a fresh snapshot) sees the period locked.

The city row rather than the period rows: a decision holds it even when no period covered
its day yet, so a period defined and locked while the decision runs still waits for it.
``KEY SHARE`` leaves the city row free for everything else (requirements, new periods, other
decisions). On SQLite every transaction holds the one write lock from its start, which
orders them anyway. The lock order of a decision is records, then cities (ascending id), then
ledger heads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from sqlalchemy import select

from sunshine.audit.models import Period, PeriodKind
from sunshine.errors import Conflict
from sunshine.extensions import db
from sunshine.org.models import Area

KIND_LABELS = {PeriodKind.YEAR: "年度", PeriodKind.HALF: "半年", PeriodKind.QUARTER: "季度"}


class Dated(Protocol):
    """What the lock asks of a record: where it sits and the day it is dated."""

    @property
    def id(self) -> int: ...
    @property
    def area_path(self) -> str: ...
    @property
    def service_date(self) -> date: ...


def city_id_of(area_path: str) -> int:
    """The city of an area path (its first segment: paths are ``/city/street/community/``)."""
    return int(area_path.strip("/").split("/")[0])


def locked_period(area_path: str, day: date) -> Period | None:
    """The locked period (of any kind) of the city of ``area_path`` that contains ``day``."""
    return db.session.scalar(
        select(Period)
        .where(
            Period.city_id == city_id_of(area_path),
            Period.locked_at.is_not(None),
            Period.starts_on <= day,
            Period.ends_on >= day,
        )
        .order_by(Period.starts_on, Period.id)
        .limit(1)
    )


def hold_cities(city_ids: Iterable[int]) -> None:
    """Take the cities' rows ``FOR KEY SHARE`` (ascending id): a lock of one of their periods
    waits for this transaction, or this one waits for the lock (see the module docstring)."""
    ids = sorted(set(city_ids))
    if ids:
        db.session.execute(
            select(Area.id)
            .where(Area.id.in_(ids))
            .order_by(Area.id)
            .with_for_update(read=True, key_share=True)
        ).all()


def locked_periods_of(records: Sequence[Dated]) -> dict[int, Period]:
    """Record id → the locked period holding its day, for the records dated in one.

    Holds the records' cities first (``hold_cities``), then reads the locked periods in one
    statement of its own, so it sees a lock that committed while it waited.
    """
    if not records:
        return {}
    cities = {city_id_of(r.area_path) for r in records}
    hold_cities(cities)
    days = [r.service_date for r in records]
    periods = list(
        db.session.scalars(
            select(Period)
            .where(
                Period.city_id.in_(sorted(cities)),
                Period.locked_at.is_not(None),
                Period.starts_on <= max(days),
                Period.ends_on >= min(days),
            )
            .order_by(Period.starts_on, Period.id)
            .execution_options(populate_existing=True)
        )
    )
    found: dict[int, Period] = {}
    for record in records:
        city = city_id_of(record.area_path)
        holding = next(
            (
                p
                for p in periods
                if p.city_id == city and p.starts_on <= record.service_date <= p.ends_on
            ),
            None,
        )
        if holding is not None:
            found[record.id] = holding
    return found


def describe(period: Period) -> str:
    """A period as messages name it: 季度 2026-01-01 至 2026-03-31（周期 7）."""
    return (
        f"{KIND_LABELS[period.kind]} {period.starts_on.isoformat()} 至 "
        f"{period.ends_on.isoformat()}（周期 {period.id}）"
    )


def refuse_locked(records: Sequence[Dated]) -> None:
    """Refuse (409 ``period.locked``) when any record is dated in a locked period of its city.

    One record: the message and ``fields.service_date`` name the period. Several (a bulk
    decision): ``fields.ids`` maps each such record id to its period, and nothing is written.
    """
    locked = locked_periods_of(records)
    if not locked:
        return
    if len(records) == 1:
        (period,) = locked.values()
        raise Conflict(
            f"服务日期所在的考核周期（{describe(period)}）已锁定，不能再确认、驳回、调整或作废",
            code="period.locked",
            fields={"service_date": [f"在已锁定的{describe(period)}内"]},
        )
    ids = sorted(locked)
    raise Conflict(
        "以下服务记录所在的考核周期已锁定：" + "、".join(str(i) for i in ids),
        code="period.locked",
        fields={"ids": {str(i): [f"在已锁定的{describe(locked[i])}内"] for i in ids}},
    )
