"""What a call-up proposal reads: its posts' open places and the members who may fill them.

Everything is read in bulk as plain rows — one query for the members, one for their skills,
one for the day's signups, one for pending invitations, the minutes served and the rules that
apply — never one query per member, never ORM objects: a city call-up reads tens of thousands
of members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import aliased

from sunshine import clock
from sunshine.callups.models import CallUp, CallUpAssignment, CallUpPost, CallUpStatus
from sunshine.callups.solver import OpenPost, PoolMember
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus, member_skill
from sunshine.org.models import Area
from sunshine.ranking import behind, served_this_year, yearly_minutes
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.audience import audience
from sunshine.tasks.models import (
    Invitation,
    InvitationStatus,
    Shift,
    ShiftStatus,
    Signup,
    TaskStatus,
)
from sunshine.tasks.service import LIVE


def free_places(shift: Shift) -> int:
    """Places of the shift nobody holds yet; none once it is closed to signups."""
    open_ = shift.status == ShiftStatus.OPEN and shift.task.status == TaskStatus.PUBLISHED
    if not open_ or clock.now() >= shift.signup_deadline:
        return 0
    return max(0, shift.capacity - shift.confirmed_count)


def busy_members(posts: Collection[CallUpPost]) -> dict[int, set[int]]:
    """For each post, the members who may not take it: on a shift that clashes with it (the
    post's own shift included), put on such a shift by another call-up not yet confirmed or
    cancelled (two street call-ups of one day must not both count on the same member), or
    holding a pending invitation to it."""
    busy: dict[int, set[int]] = {post.id: set() for post in posts}
    if not posts:
        return busy
    shifts = [post.shift for post in posts]
    overlapping = (
        Shift.status == ShiftStatus.OPEN,
        Shift.starts_at < max(s.ends_at for s in shifts),
        Shift.ends_at > min(s.starts_at for s in shifts),
    )
    rows = db.session.execute(
        select(Signup.member_id, Shift.starts_at, Shift.ends_at)
        .join(Shift, Signup.shift_id == Shift.id)
        .where(Signup.status.in_(LIVE), *overlapping)
        .union_all(
            select(CallUpAssignment.member_id, Shift.starts_at, Shift.ends_at)
            .join(CallUpPost, CallUpAssignment.post_id == CallUpPost.id)
            .join(Shift, CallUpPost.shift_id == Shift.id)
            .join(CallUp, CallUpAssignment.call_up_id == CallUp.id)
            .where(
                CallUp.status.in_((CallUpStatus.DRAFT, CallUpStatus.PROPOSED)),
                CallUp.id.not_in({post.call_up_id for post in posts}),
                *overlapping,
            )
        )
    ).all()
    by_shift = {post.shift_id: post.id for post in posts}
    for member_id, shift_id in db.session.execute(
        select(Invitation.member_id, Invitation.shift_id).where(
            Invitation.shift_id.in_(by_shift), Invitation.status == InvitationStatus.PENDING
        )
    ):
        busy[by_shift[shift_id]].add(member_id)
    for post in posts:
        starts, ends = post.shift.starts_at, post.shift.ends_at
        busy[post.id].update(m for m, s, e in rows if s < ends and e > starts)
    return busy


def open_posts(posts: Collection[CallUpPost], taken: dict[int, int]) -> list[OpenPost]:
    """The posts as the solver sees them; ``taken`` counts places already assigned per post."""
    busy = busy_members(posts)
    result = []
    for post in posts:
        task = post.shift.task
        places = min(post.places, free_places(post.shift)) - taken.get(post.id, 0)
        result.append(
            OpenPost(
                id=post.id,
                places=max(0, places),
                task_path=task.area_path,
                scope_paths=audience(task),
                starts_at=post.shift.starts_at,
                skills=tuple(sorted((s.id, s.name) for s in task.skills)),
                busy=frozenset(busy[post.id]),
            )
        )
    return result


def _reported_in_under(prefixes: Iterable[str]) -> Select[int, str, str]:
    """Verified members with an active report-in placed under one of ``prefixes`` (its grid,
    else its community: ``tasks.service.placed_path``, the signup rule): (member id, community
    path, placed path)."""
    paths = _outermost(prefixes)
    placed = aliased(Area)
    inside: list[ColumnElement[bool]] = [placed.path.startswith(p, autoescape=True) for p in paths]
    return (
        select(Member.id, Area.path, placed.path)
        .join(ReportIn, ReportIn.member_id == Member.id)
        .join(Area, ReportIn.community_id == Area.id)
        .join(placed, func.coalesce(ReportIn.grid_id, ReportIn.community_id) == placed.id)
        .where(
            ReportIn.status == ReportInStatus.ACTIVE,
            Member.status == MemberStatus.VERIFIED,
            or_(*inside),
        )
    )


def _outermost(prefixes: Iterable[str]) -> list[str]:
    """The prefixes not inside another one (a city's path covers its streets')."""
    kept: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def load_pool(
    scopes: Iterable[str],
    *,
    skill_ids: Collection[int],
    only: Collection[int] | None = None,
    exclude: Collection[int] = (),
) -> list[PoolMember]:
    """Members who may be proposed for posts visible under ``scopes``, as plain rows.

    ``skill_ids`` are the skills any post asks for (others do not change a score); ``only``
    restricts the pool to some members (checking one manual assignment), ``exclude`` leaves
    out members already assigned.
    """
    query = _reported_in_under(scopes).add_columns(
        Member.available_weekday_daytime, Member.available_evenings, Member.available_weekends
    )
    if only is not None:
        query = query.where(Member.id.in_(only))
    rows = [row for row in db.session.execute(query) if row[0] not in exclude]
    skills: dict[int, set[int]] = defaultdict(set)
    if skill_ids and rows:
        pool = _reported_in_under(scopes).with_only_columns(Member.id)
        if only is not None:
            pool = pool.where(Member.id.in_(only))
        for member_id, skill_id in db.session.execute(
            select(member_skill.c.member_id, member_skill.c.skill_id).where(
                member_skill.c.skill_id.in_(skill_ids),
                member_skill.c.member_id.in_(pool.scalar_subquery()),
            )
        ):
            skills[member_id].add(skill_id)
    served = served_this_year([row[0] for row in rows])
    required = yearly_minutes({row[1] for row in rows})  # one query for every community
    members = []
    for member_id, path, placed_path, daytime, evenings, weekends in rows:
        gap, points = behind(served[member_id], required[path])
        members.append(
            PoolMember(
                id=member_id,
                community_path=path,
                available_weekday_daytime=daytime,
                available_evenings=evenings,
                available_weekends=weekends,
                skill_ids=frozenset(skills.get(member_id, ())),
                minutes_behind=gap,
                behind_points=points,
                placed_path=placed_path if placed_path != path else "",
            )
        )
    return members
