"""How well a shift suits a member, with the reasons shown: one scoring for the member's feed,
the secretary's invitation suggestions and call-up proposals.

Where the task is (本社区 / 本街道 / 全市), the task's skills the member has, whether the shift
falls in a time the member said they are free, and how far the member is behind the yearly
requirement (from the hours ledger).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from sunshine import clock
from sunshine.audit.rules import year_minutes
from sunshine.hours.service import confirmed_minutes_in_year

EVENING_FROM_HOUR = 18


class Availability(Protocol):
    """When a member said they are free: a ``Member``, or a plain row with the same fields."""

    @property
    def available_weekday_daytime(self) -> bool: ...
    @property
    def available_evenings(self) -> bool: ...
    @property
    def available_weekends(self) -> bool: ...


# The three times of the week a member can say they are free, with the reason shown.
TIME_SLOTS = {
    "available_weekends": "时间合适：周末",
    "available_evenings": "时间合适：晚上",
    "available_weekday_daytime": "时间合适：工作日白天",
}


@functools.lru_cache(maxsize=4096)  # the feed asks for the same starts hundreds of times
def time_slot(starts_at: datetime) -> str:
    """Which availability a shift starting then needs (Asia/Shanghai): a key of TIME_SLOTS."""
    local = clock.local(starts_at)
    if local.weekday() >= 5:
        return "available_weekends"
    if local.hour >= EVENING_FROM_HOUR:
        return "available_evenings"
    return "available_weekday_daytime"


def _time_fit(member: Availability, starts_at: datetime) -> str | None:
    slot = time_slot(starts_at)
    return TIME_SLOTS[slot] if getattr(member, slot) else None


@functools.lru_cache(maxsize=4096)
def street_path_of(community_path: str) -> str:
    return "/" + "/".join(community_path.strip("/").split("/")[:2]) + "/"


def city_path_of(community_path: str) -> str:
    return "/" + community_path.strip("/").split("/")[0] + "/"


BEHIND_POINTS = 10  # points for a member who has served nothing this year


def behind(minutes_served: int, yearly_minutes: int) -> tuple[int, int]:
    """(minutes still missing this year, points for it: 0–BEHIND_POINTS, rounded down)."""
    if yearly_minutes <= 0:
        return 0, 0
    gap = max(0, yearly_minutes - minutes_served)
    return gap, BEHIND_POINTS * gap // yearly_minutes


def behind_reason(minutes_behind: int) -> str:
    hours = round(minutes_behind / 60, 1)
    return f"本年度还差 {hours:g} 小时"


def yearly_minutes(community_paths: Collection[str]) -> dict[str, int]:
    """This year's required minutes for members of each community (Asia/Shanghai year): the
    rule that applies there (``audit.rules``: the street's, else the city's, else
    YEARLY_SERVICE_HOURS), read in one query. 0 turns the factor off."""
    return year_minutes(community_paths, clock.today().year)


def served_this_year(member_ids: Collection[int]) -> dict[int, int]:
    """Confirmed minutes of each member this (Asia/Shanghai) year, from the hours ledger."""
    return confirmed_minutes_in_year(member_ids, clock.today().year)


SKILL_POINTS = 15  # for each of up to MAX_SKILLS of the task's skills the member has
MAX_SKILLS = 2
TIME_POINTS = 10  # the shift falls in a time the member said they are free


@functools.lru_cache(maxsize=4096)
def _where(community_path: str, task_path: str) -> tuple[int, str]:
    """Points and reason for where the task is, seen from the member's community."""
    if task_path.startswith(community_path):  # its community, or a grid of it
        return 30, "本社区" if task_path == community_path else "本网格"
    if task_path.startswith(street_path_of(community_path)):
        return 20, "本街道"
    return 10, "全市"


def score(
    member: Availability,
    community_path: str,
    *,
    task_path: str,
    matched_skills: Sequence[str],
    starts_at: datetime,
    behind: tuple[int, int] = (0, 0),
) -> tuple[int, list[str]]:
    """How well a shift suits a member reported to ``community_path``, with the reasons.

    ``matched_skills`` are the names of the task's skills the member has; ``behind`` is
    ``behind(minutes served, yearly minutes)``. The member's feed, the secretary's invitation
    suggestions and call-up proposals all rank with this (the feed ranks its candidates with
    ``rank_points``, the same points without the reasons).
    """
    points, where = _where(community_path, task_path)
    reasons = [where]
    matched = list(matched_skills)[:MAX_SKILLS]
    if matched:
        points += SKILL_POINTS * len(matched)
        reasons.append("技能匹配：" + "、".join(matched))
    fit = _time_fit(member, starts_at)
    if fit:
        points += TIME_POINTS
        reasons.append(fit)
    gap, extra = behind
    if gap > 0:
        points += extra
        reasons.append(behind_reason(gap))
    return points, reasons


def rank_points(
    free: Collection[str],
    community_path: str,
    task_path: str,
    skills_matched: int,
    starts_at: datetime,
    behind_points: int,
) -> int:
    """``score``'s points alone, for the feed's hundreds of candidates, of which it shows a
    page: ``free`` are the member's TIME_SLOTS keys that are true, ``skills_matched`` how
    many of the task's skills the member has, ``behind_points`` the points of ``behind``
    (when the member is behind at all)."""
    return (
        _where(community_path, task_path)[0]
        + SKILL_POINTS * min(skills_matched, MAX_SKILLS)
        + (TIME_POINTS if time_slot(starts_at) in free else 0)
        + behind_points
    )
