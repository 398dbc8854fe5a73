"""The figures of residents' needs (需求办理情况) for an area and the areas one level below it.

One statement groups a period's needs by community — counts, and the sums of response times —
and a second reads the response times themselves for the medians; both are rolled up here from
the communities to their streets and city (305 rows for Xiaoyi, against a year's ~60,000
needs: bench/need_stats.py). The period is of submission (or recording) days in Shanghai.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, Place, authorize
from sunshine.errors import Invalid
from sunshine.extensions import db
from sunshine.needs.models import Need, NeedRating, NeedStatus
from sunshine.needs.service import ACCEPTED
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel

MAX_DAYS = 366 * 3
_COUNTS = (
    "submitted",
    "answered",
    "accepted",
    "done",
    "on_time",
    "rated",
    "satisfied",
    "fairly_satisfied",
    "dissatisfied",
)


@dataclass
class Figures:
    """One area's figures; the rates are ``None`` where nothing is counted under them."""

    area: Area
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    response_seconds: list[float] = field(default_factory=list)
    children: list[Figures] = field(default_factory=list)

    def add(self, counts: dict[str, int], seconds: list[float]) -> None:
        for name in _COUNTS:
            self.counts[name] += counts[name]
        self.response_seconds.extend(seconds)

    def __getattr__(self, name: str) -> Any:
        if name in _COUNTS:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def response_hours_median(self) -> float | None:
        if not self.response_seconds:
            return None
        return round(statistics.median(self.response_seconds) / 3600, 1)

    @property
    def response_hours_average(self) -> float | None:
        if not self.response_seconds:
            return None
        return round(statistics.fmean(self.response_seconds) / 3600, 1)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.counts["done"], self.counts["accepted"])

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.counts["on_time"], self.counts["done"])

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 and 基本满意 over every rating."""
        c = self.counts
        return _rate(c["satisfied"] + c["fairly_satisfied"], c["rated"])


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(later: Any, earlier: Any) -> ColumnElement[Any]:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def stats(*, actor: Actor, area_id: int, starts_on: date | None, ends_on: date | None) -> Figures:
    """The figures of an area the actor manages needs in, with those of its child areas
    (streets of a city, communities of a street), for needs submitted in the period
    (default: the 365 days to today)."""
    area = org.get_area(area_id)
    if area.level == AreaLevel.GRID:
        raise Invalid(
            "请选择市、街道或社区", code="area.wrong_level", fields={"area_id": ["不能是网格"]}
        )
    authorize(actor, Permission.NEED_READ, Place(area_path=area.path))
    ends_on = ends_on or clock.today()
    starts_on = starts_on or ends_on - timedelta(days=364)
    if starts_on > ends_on or (ends_on - starts_on).days >= MAX_DAYS:
        raise Invalid(
            "统计区间不正确",
            code="need.bad_period",
            fields={"from": [f"须不晚于 to，且区间不超过 {MAX_DAYS} 天"]},
        )
    window = and_(
        Need.area_path.startswith(area.path, autoescape=True),
        Need.created_at >= clock.at_local(starts_on, time(0)),
        Need.created_at < clock.at_local(ends_on + timedelta(days=1), time(0)),
    )
    resident = Need.resident_id.is_not(None)
    answered = and_(resident, Need.answered_at.is_not(None))
    rows = db.session.execute(
        select(
            Need.community_id,
            _count(resident),
            _count(answered),
            _count(Need.status.in_(ACCEPTED)),
            _count(Need.status == NeedStatus.DONE),
            _count(and_(Need.status == NeedStatus.DONE, Need.closed_at <= Need.completion_due_at)),
            _count(Need.rating.is_not(None)),
            _count(Need.rating == NeedRating.SATISFIED),
            _count(Need.rating == NeedRating.FAIRLY_SATISFIED),
            _count(Need.rating == NeedRating.DISSATISFIED),
        )
        .where(window)
        .group_by(Need.community_id)
    ).all()
    seconds: dict[int, list[float]] = defaultdict(list)
    for community_id, value in db.session.execute(
        select(Need.community_id, _seconds(Need.answered_at, Need.created_at)).where(
            window, answered
        )
    ):
        seconds[community_id].append(float(value))
    return _roll_up(area, {r[0]: dict(zip(_COUNTS, r[1:], strict=True)) for r in rows}, seconds)


def _roll_up(
    area: Area, by_community: dict[int, dict[str, int]], seconds: dict[int, list[float]]
) -> Figures:
    """The area's figures, and its children's, from the communities' rows."""
    total = Figures(area)
    children: dict[int, Figures] = {}
    if area.level != AreaLevel.COMMUNITY:
        for child in db.session.scalars(
            select(Area).where(Area.parent_id == area.id).order_by(Area.id)
        ):
            children[child.id] = Figures(child)
    parent_of: dict[int, int] = {}
    if area.level == AreaLevel.CITY and by_community:
        parent_of = {
            community_id: street_id or community_id
            for community_id, street_id in db.session.execute(
                select(Area.id, Area.parent_id).where(Area.id.in_(list(by_community)))
            )
        }
    for community_id, counts in by_community.items():
        times = seconds.get(community_id, [])
        total.add(counts, times)
        child_id = parent_of.get(community_id, community_id)
        if child_id in children:
            children[child_id].add(counts, times)
    total.children = list(children.values())
    return total
