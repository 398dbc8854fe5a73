"""What the evaluations domain shows: a community's sheet for a period (every member it grades,
graded or not), its summary, the evaluations in force within a reader's scope, one
evaluation's versions, the city's settings, and a member's own evaluations.

Readers are admins (community, street, org department) whose grant covers the community, or
for a period as a whole, lies inside its city or covers it; a member reads only their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_reach,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.api import Shown
from sunshine.audit.models import Period
from sunshine.errors import Missing
from sunshine.evaluations import membership, service
from sunshine.evaluations.models import Evaluation, EvaluationVersion, Grade
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.org.models import Area
from sunshine.pagination import CursorPage, newest_first
from sunshine.reportin.models import ReportIn

READ = Permission.EVALUATION_READ


def readable_period(actor: Actor, period_id: int) -> tuple[Period, Area]:
    """The period, for an admin whose grant lies inside its city or covers it."""
    require_somewhere(actor, READ)
    period, city = service.get_period(period_id)
    require_reach(actor, READ, Place(area_path=city.path))
    return period, city


def _readable_community(actor: Actor, period_id: int, community_id: int) -> tuple[Period, Area]:
    require_somewhere(actor, READ)
    period, city = service.get_period(period_id)
    community = service.community_of_period(period, city, community_id)
    authorize(actor, READ, Place(area_path=community.path))
    return period, community


def community_sheet(
    *,
    actor: Actor,
    period_id: int,
    community_id: int,
    graded: bool | None,
    grade: Grade | None,
    after_id: int | None,
    limit: int,
) -> CursorPage:
    """Every member the community grades for the period with their evaluation (or null),
    newest report-in first (the cursor is the report-in's id)."""
    period, community = _readable_community(actor, period_id, community_id)
    query = membership.report_ins_of(period, community.id).options(contains_eager(ReportIn.member))
    if graded is not None or grade is not None:
        query = query.outerjoin(
            Evaluation,
            and_(Evaluation.period_id == period.id, Evaluation.member_id == ReportIn.member_id),
        )
        if grade is not None:
            query = query.where(Evaluation.grade == grade)
        if graded is not None:
            query = query.where(Evaluation.id.is_not(None) if graded else Evaluation.id.is_(None))
    page = newest_first(query, ReportIn.id, after_id=after_id, limit=limit)
    ids = [row.member_id for row in page.items]
    evaluations = {
        e.member_id: e
        for e in db.session.scalars(
            select(Evaluation).where(
                Evaluation.period_id == period.id, Evaluation.member_id.in_(ids)
            )
        )
    }
    items = [
        Shown(
            row,
            report_in_id=row.id,
            name=row.member.name,
            evaluation=evaluations.get(row.member_id),
        )
        for row in page.items
    ]
    return CursorPage(items=items, next_cursor=page.next_cursor)


@dataclass(frozen=True)
class Summary:
    period_id: int
    community_id: int
    members: int
    ungraded: int
    excellent: int
    good: int
    fair: int
    poor: int
    excellent_cap_percent: int | None
    excellent_allowed: int | None
    locked: bool


def summary(*, actor: Actor, period_id: int, community_id: int) -> Summary:
    """The community's figures for the period: members it grades, those not yet graded, its
    evaluations by grade, and the cap."""
    period, community = _readable_community(actor, period_id, community_id)
    members_n = membership.count_of(period, community.id)
    ungraded = (
        db.session.scalar(
            membership.report_ins_of(period, community.id)
            .where(
                ~exists().where(
                    Evaluation.period_id == period.id, Evaluation.member_id == ReportIn.member_id
                )
            )
            .with_only_columns(func.count(ReportIn.id))
        )
        or 0
    )
    by_grade: dict[Grade, int] = {
        grade: n
        for grade, n in db.session.execute(
            select(Evaluation.grade, func.count(Evaluation.id))
            .where(Evaluation.period_id == period.id, Evaluation.community_id == community.id)
            .group_by(Evaluation.grade)
        )
    }
    setting = service.settings_of(period.id)
    cap = setting.excellent_cap_percent if setting else None
    return Summary(
        period_id=period.id,
        community_id=community.id,
        members=members_n,
        ungraded=ungraded,
        excellent=by_grade.get(Grade.EXCELLENT, 0),
        good=by_grade.get(Grade.GOOD, 0),
        fair=by_grade.get(Grade.FAIR, 0),
        poor=by_grade.get(Grade.POOR, 0),
        excellent_cap_percent=cap,
        excellent_allowed=service.allowed_excellent(cap, members_n),
        locked=period.locked_at is not None,
    )


def list_evaluations(
    *,
    actor: Actor,
    period_id: int,
    grade: Grade | None,
    area_id: int | None,
    after_id: int | None,
    limit: int,
) -> CursorPage:
    """The evaluations in force for the period in the reader's scope, newest first."""
    period, _ = readable_period(actor, period_id)
    query = (
        select(Evaluation)
        .where(Evaluation.period_id == period.id)
        .options(joinedload(Evaluation.member))
    )
    if grade is not None:
        query = query.where(Evaluation.grade == grade)
    return scoped_page(
        query,
        actor=actor,
        permission=READ,
        id_column=Evaluation.id,
        area_path=Evaluation.area_path,
        within_area_id=area_id,
        after_id=after_id,
        limit=limit,
    )


EVALUATION_MISSING = Missing(code="evaluation.not_found", message="评价不存在")


def versions(*, actor: Actor, evaluation_id: int, after_id: int | None, limit: int) -> CursorPage:
    """Every grading of an evaluation, newest first: who, when, what, and why."""
    require_somewhere(actor, READ)
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise EVALUATION_MISSING.error()
    subject = Subject("evaluation", evaluation.id, EVALUATION_MISSING)
    authorize(actor, READ, Place(area_path=evaluation.area_path, subject=subject))
    query = select(EvaluationVersion).where(EvaluationVersion.evaluation_id == evaluation.id)
    return newest_first(query, EvaluationVersion.id, after_id=after_id, limit=limit)


@dataclass(frozen=True)
class Settings:
    period_id: int
    excellent_cap_percent: int | None
    updated_at: datetime | None
    updated_by_id: int | None


def settings(*, actor: Actor, period_id: int) -> Settings:
    """The city's evaluation settings for the period (no cap until one is set)."""
    period, _ = readable_period(actor, period_id)
    return settings_view(period.id)


def settings_view(period_id: int) -> Settings:
    row = service.settings_of(period_id)
    if row is None:
        return Settings(period_id, None, None, None)
    return Settings(period_id, row.excellent_cap_percent, row.updated_at, row.updated_by_id)


def mine(*, actor: Actor, after_id: int | None, limit: int) -> CursorPage:
    """The member's own evaluations in force, with their periods, newest first."""
    member = members.own_member(actor)
    query = (
        select(Evaluation)
        .where(Evaluation.member_id == member.id)
        .options(joinedload(Evaluation.period))
    )
    return newest_first(query, Evaluation.id, after_id=after_id, limit=limit)
