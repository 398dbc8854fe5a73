"""The member's feed: shifts they may join, ranked, each with its reasons in Chinese.

Candidates come from SQL (published, open, before the deadline, visible to the member's
community, in the date window, soonest first, at most ``MAX_CANDIDATES``); the score is
computed in Python so that every point has a reason the member can read:

- where: own community 30 (本社区), own street 20 (本街道), elsewhere in the city 10 (全市);
- skills: 15 for each of up to two skills the task asks for that the member has;
- time: 10 when the shift falls in a time the member said they are free;
- sooner first among equals.

Not yet: "本年度还差 N 小时" — the hours ledger (issue 5) will add the requirement gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from sunshine.access.permissions import Actor
from sunshine.database import utcnow
from sunshine.errors import Conflict
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.pagination import CursorPage
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Signup,
    Task,
    TaskKind,
    TaskStatus,
    Visibility,
)
from sunshine.tasks.service import LIVE, SHANGHAI, active_community

DEFAULT_WINDOW = timedelta(days=30)
MAX_CANDIDATES = 500
EVENING_FROM_HOUR = 18


@dataclass
class FeedItem:
    shift: Shift
    task: Task
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def _time_fit(member: Member, starts_at: datetime) -> str | None:
    local = starts_at.astimezone(SHANGHAI)
    if local.weekday() >= 5:
        return "时间合适：周末" if member.available_weekends else None
    if local.hour >= EVENING_FROM_HOUR:
        return "时间合适：晚上" if member.available_evenings else None
    return "时间合适：工作日白天" if member.available_weekday_daytime else None


def street_path_of(community_path: str) -> str:
    return "/" + "/".join(community_path.strip("/").split("/")[:2]) + "/"


def score(member: Member, community_path: str, task: Task, shift: Shift) -> tuple[int, list[str]]:
    """How well a shift suits a member reported to ``community_path``, with the reasons.

    The member's feed and the secretary's invitation suggestions both rank with this.
    """
    path = task.area_path
    if path == community_path:
        points, reasons = 30, ["本社区"]
    elif path.startswith(street_path_of(community_path)):
        points, reasons = 20, ["本街道"]
    else:
        points, reasons = 10, ["全市"]
    mine = {skill.id for skill in member.skills}
    matched = [skill.name for skill in task.skills if skill.id in mine][:2]
    if matched:
        points += 15 * len(matched)
        reasons.append("技能匹配：" + "、".join(matched))
    fit = _time_fit(member, shift.starts_at)
    if fit:
        points += 10
        reasons.append(fit)
    return points, reasons


def feed(
    *,
    actor: Actor,
    category_id: int | None = None,
    kind: TaskKind | None = None,
    starts_from: datetime | None = None,
    starts_until: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> CursorPage:
    """The shifts the member may join, best first; ``next_cursor`` is the next offset."""
    member = members.require_verified(actor)
    community = active_community(member.id)
    if community is None:
        raise Conflict("请先到社区报到，再报名服务", code="feed.no_report_in")
    now = utcnow()
    start = max(starts_from or now, now)
    end = starts_until or start + DEFAULT_WINDOW
    parts = community.path.strip("/").split("/")
    street_path, city_path = "/" + "/".join(parts[:2]) + "/", "/" + parts[0] + "/"
    query = (
        select(Shift)
        .join(Task, Shift.task_id == Task.id)
        .options(
            selectinload(Shift.task).selectinload(Task.skills),
            selectinload(Shift.task).selectinload(Task.category),
            selectinload(Shift.task).selectinload(Task.area),
        )
        .where(
            Task.status == TaskStatus.PUBLISHED,
            Shift.status == ShiftStatus.OPEN,
            Shift.signup_deadline > now,
            Shift.starts_at >= start,
            Shift.starts_at < end,
            or_(
                Task.area_path == community.path,
                and_(
                    Task.visibility != Visibility.COMMUNITY,
                    Task.area_path.startswith(street_path, autoescape=True),
                ),
                and_(
                    Task.visibility == Visibility.CITY,
                    Task.area_path.startswith(city_path, autoescape=True),
                ),
            ),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(MAX_CANDIDATES)
    )
    if category_id is not None:
        query = query.where(Task.category_id == category_id)
    if kind is not None:
        query = query.where(Task.kind == kind)
    mine = list(
        db.session.scalars(
            select(Shift)
            .join(Signup, Signup.shift_id == Shift.id)
            .where(
                Signup.member_id == member.id,
                Signup.status.in_(LIVE),
                Shift.status == ShiftStatus.OPEN,
                Shift.ends_at > now,
            )
        )
    )
    items = []
    for shift in db.session.scalars(query):
        if any(
            s.id == shift.id or (s.starts_at < shift.ends_at and s.ends_at > shift.starts_at)
            for s in mine
        ):
            continue  # already joined, or it clashes with a shift the member holds
        points, reasons = score(member, community.path, shift.task, shift)
        items.append(FeedItem(shift=shift, task=shift.task, score=points, reasons=reasons))
    items.sort(key=lambda i: (-i.score, i.shift.starts_at, i.shift.id))
    page = items[offset : offset + limit]
    more = len(items) > offset + limit
    return CursorPage(page, offset + limit if more else None)
