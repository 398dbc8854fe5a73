"""The detector of members far above their community in a period.

A member's figure for a period is their **confirmed minutes**: the credit of their confirmed
records dated in it. Their community is the one of their active report-in; the
distribution is that of the community's members with at least one confirmed minute in the
period (the many members who served nothing would pull the quartiles to zero and make
anyone who served at all look extreme). With at least ``MIN_MEMBERS`` such members, a
member is an **outlier** when

    minutes > Q3 + 3 × max(IQR, 60)

— Tukey's far-out fence, with quartiles by ``statistics.quantiles(method="inclusive")`` and
the interquartile range floored at an hour, so that a community where everyone served
about the same does not flag the member with 15 minutes more. The periods are the city's
(``audit.Period``; every kind); a city without periods has none to compare.

**Incremental**: the detector reads the hours entries written since its last run (its own
watermark), finds the members they touch, their communities and the periods holding the
touched days, and recomputes only those (community, period) distributions — one grouped
query per period for all of its touched communities. A distribution changes only when one
of its members' credit does, and every change of credit is an hours entry. Subject (member,
period): a member is flagged once per period; the figures are those of when it was found.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select

from sunshine import clock
from sunshine.anomalies.detectors import Found, batches, write
from sunshine.anomalies.models import AnomalyKind
from sunshine.audit.locks import city_id_of
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.hours.models import HoursEntry, RecordStatus, ServiceRecord
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus

WATERMARK = "outliers"
MIN_MEMBERS = 10  # serving members a community needs before its distribution says anything
FENCE = 3  # × IQR above Q3: Tukey's "far out"
IQR_FLOOR = 60  # minutes
CHUNK = 500  # ids per IN list


def _chunks(items: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(items)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def scan(now: datetime) -> dict[str, int]:
    """Recompute the distributions the entries since the last run touched; flag outliers."""
    query = select(
        HoursEntry.id,
        HoursEntry.created_at.label("stamp"),
        ServiceRecord.member_id,
        ServiceRecord.service_date,
    ).join(ServiceRecord, ServiceRecord.id == HoursEntry.record_id)
    read = 0
    touched: dict[int, set[date]] = defaultdict(set)  # community id → days
    paths: dict[int, str] = {}
    for batch in batches(WATERMARK, query, HoursEntry.id, now=now):
        read += len(batch)
        days: dict[int, set[date]] = defaultdict(set)
        for entry in batch:
            days[entry.member_id].add(entry.service_date)
        homes = db.session.execute(
            select(ReportIn.member_id, ReportIn.community_id, Area.path)
            .join(Area, Area.id == ReportIn.community_id)
            .where(ReportIn.member_id.in_(list(days)), ReportIn.status == ReportInStatus.ACTIVE)
        )
        for member_id, community_id, path in homes:
            touched[community_id] |= days[member_id]
            paths[community_id] = path
    if not touched:
        return {"read": read, "communities": 0, "found": 0}
    wanted = _periods_touched(touched, paths)
    today = clock.local_date(now)
    found: list[Found] = []
    for period, communities in wanted:
        found += _outliers(period, communities, paths, today)
    return {"read": read, "communities": len(touched), "found": write(found)}


def _periods_touched(
    touched: dict[int, set[date]], paths: dict[int, str]
) -> list[tuple[Period, set[int]]]:
    """Each period holding a touched day of a touched community, with those communities."""
    cities: dict[int, set[int]] = defaultdict(set)
    for community_id in touched:
        cities[city_id_of(paths[community_id])].add(community_id)
    first = min(min(days) for days in touched.values())
    last = max(max(days) for days in touched.values())
    periods = db.session.scalars(
        select(Period)
        .where(Period.city_id.in_(cities), Period.starts_on <= last, Period.ends_on >= first)
        .order_by(Period.id)
    )
    wanted = []
    for period in periods:
        communities = {
            c
            for c in cities[period.city_id]
            if any(period.starts_on <= d <= period.ends_on for d in touched[c])
        }
        if communities:
            wanted.append((period, communities))
    return wanted


def _outliers(
    period: Period, communities: set[int], paths: dict[int, str], today: date
) -> list[Found]:
    minutes: dict[int, dict[int, int]] = defaultdict(dict)  # community → member → minutes
    for chunk in _chunks(communities):
        rows = db.session.execute(
            select(
                ReportIn.community_id,
                ServiceRecord.member_id,
                func.sum(ServiceRecord.credited_minutes),
            )
            .join(ServiceRecord, ServiceRecord.member_id == ReportIn.member_id)
            .where(
                ReportIn.status == ReportInStatus.ACTIVE,
                ReportIn.community_id.in_(chunk),
                ServiceRecord.status == RecordStatus.CONFIRMED,
                ServiceRecord.service_date.between(period.starts_on, period.ends_on),
            )
            .group_by(ReportIn.community_id, ServiceRecord.member_id)
        )
        for community_id, member_id, total in rows:
            if total:
                minutes[community_id][member_id] = int(total)
    found = []
    for community_id, members in sorted(minutes.items()):
        fence = _fence(list(members.values()))
        if fence is None:
            continue
        limit, stats = fence
        for member_id, total in sorted(members.items()):
            if total > limit:
                found.append(_found(period, community_id, paths, member_id, total, stats, today))
    return found


def _fence(values: Sequence[int]) -> tuple[float, dict[str, float]] | None:
    """The upper fence of a distribution and its figures, or None when it is too small."""
    if len(values) < MIN_MEMBERS:
        return None
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    iqr = q3 - q1
    limit = q3 + FENCE * max(iqr, IQR_FLOOR)
    stats = {"members": len(values), "q1": q1, "median": median, "q3": q3, "iqr": iqr}
    return limit, {**stats, "limit": limit}


def _found(
    period: Period,
    community_id: int,
    paths: dict[int, str],
    member_id: int,
    total: int,
    stats: dict[str, float],
    today: date,
) -> Found:
    span = f"{period.starts_on.isoformat()}—{period.ends_on.isoformat()}"
    return Found(
        kind=AnomalyKind.OUTLIER,
        subject=f"member:{member_id}/period:{period.id}",
        member_id=member_id,
        area_id=community_id,
        area_path=paths[community_id],
        day=today,
        summary=(
            f"考核周期 {span} 已确认 {total / 60:.1f} 小时，远高于本社区"
            f"（{int(stats['members'])} 人，上限 {stats['limit'] / 60:.1f} 小时）"
        ),
        detail={"period_id": period.id, "minutes": total, **stats},
    )
