"""Reading feedback to work units: the unit's versions, one version with its lines, a
member's own lines, and the rows the downloads (xlsx, PDF) are written from.

Readers (``unit_feedback.read``): the unit's admins, and the organisation department of the
unit's city. Another unit's feedback answers as an unknown one, 404
``unit_feedback.not_found`` (logged), after the 403 for a caller who holds the permission
nowhere: the codebase's rule for objects outside one's scope (docs/access.md).

**Consent at read time.** A line is shown in detail only when the member had consented at
issue (its figures were kept) **and** still does now (``consent.in_force``), and is not
deactivated: a withdrawal hides the member from the next read, as on the compliance pages.
Every other line reads 未授权. A member who consents only after the issue stays 未授权 in
that version (nothing was kept): the next version tells.

Every read of a version, its lines or a download is in the security log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import joinedload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.api import Shown
from sunshine.audit.tally import STATUS_LABELS, ComplianceStatus
from sunshine.consent import service as consent
from sunshine.consent.models import ConsentKind
from sunshine.errors import Missing
from sunshine.evaluations.models import GRADE_LABELS, Grade
from sunshine.extensions import db
from sunshine.feedback.models import UnitFeedback, UnitFeedbackLine
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import Area
from sunshine.pagination import CursorPage, newest_first
from sunshine.security import service as security
from sunshine.security.service import Origin

READ = Permission.UNIT_FEEDBACK_READ
UNAUTHORIZED = "未授权"


def shown_sql() -> ColumnElement[bool]:
    """SQL: the line is shown in detail now (consented at issue and still, not deactivated)."""
    return and_(
        UnitFeedbackLine.consented.is_(True),
        Member.status != MemberStatus.DEACTIVATED,
        consent.in_force(ConsentKind.UNIT_FEEDBACK, Member.account_id),
    )


def log(
    actor: Actor, origin: Origin | None, action: str, feedback: UnitFeedback, **detail: Any
) -> None:
    security.record(
        action=action,
        account_id=actor.id,
        origin=origin,
        object_type="unit_feedback",
        object_id=feedback.id,
        detail={"period_id": feedback.period_id, "unit_id": feedback.unit_id, **detail},
    )


FEEDBACK_MISSING = Missing(code="unit_feedback.not_found", message="反馈不存在")


def readable(actor: Actor, feedback_id: int) -> UnitFeedback:
    """The version, for the unit's admins and the organisation department of its city."""
    require_somewhere(actor, READ)
    feedback = db.session.scalar(
        select(UnitFeedback)
        .where(UnitFeedback.id == feedback_id)
        .options(joinedload(UnitFeedback.period), joinedload(UnitFeedback.unit))
    )
    if feedback is None:
        raise FEEDBACK_MISSING.error()
    city = db.session.get_one(Area, feedback.unit.city_id)
    subject = Subject("unit_feedback", feedback.id, FEEDBACK_MISSING)
    authorize(
        actor,
        READ,
        Place(unit_id=feedback.unit_id, unit_city_path=city.path, subject=subject),
        audit={
            "action": "unit_feedback.read",
            "object_type": "unit_feedback",
            "object_id": feedback.id,
        },
    )
    return feedback


def lines_query(feedback_id: int) -> Select[*tuple[Any, ...]]:
    """A version's lines as plain columns, each with ``shown`` (detail allowed now)."""
    return (
        select(
            UnitFeedbackLine.id,
            UnitFeedbackLine.member_id,
            Member.name,
            shown_sql().label("shown"),
            UnitFeedbackLine.area_id,
            UnitFeedbackLine.area_name,
            UnitFeedbackLine.reported_in,
            UnitFeedbackLine.services,
            UnitFeedbackLine.minutes,
            UnitFeedbackLine.status,
            UnitFeedbackLine.grade,
        )
        .join(Member, Member.id == UnitFeedbackLine.member_id)
        .where(UnitFeedbackLine.feedback_id == feedback_id)
    )


@dataclass(frozen=True)
class Line:
    """One member as the reader sees them: figures when shown, else 未授权."""

    id: int
    member_id: int
    name: str
    authorized: bool
    shown_as: str | None
    area_id: int | None = None
    area_name: str | None = None
    reported_in: bool | None = None
    services: int | None = None
    minutes: int | None = None
    hours: float | None = None
    status: ComplianceStatus | None = None
    status_label: str | None = None
    grade: Grade | None = None
    grade_label: str | None = None


def line_of(row: Any) -> Line:
    """A row of ``lines_query`` as shown: its figures only when ``shown``."""
    if not row.shown:
        return Line(row.id, row.member_id, row.name, False, UNAUTHORIZED)
    status = ComplianceStatus(row.status)
    grade = Grade(row.grade) if row.grade is not None else None
    return Line(
        row.id,
        row.member_id,
        row.name,
        True,
        None,
        area_id=row.area_id,
        area_name=row.area_name,
        reported_in=row.reported_in,
        services=row.services,
        minutes=row.minutes,
        hours=round(row.minutes / 60, 2),
        status=status,
        status_label=STATUS_LABELS[status],
        grade=grade,
        grade_label=GRADE_LABELS[grade] if grade is not None else None,
    )


def _shown_count(feedback_id: int) -> int:
    query = lines_query(feedback_id).where(shown_sql()).with_only_columns(func.count())
    return db.session.scalar(query) or 0


def with_counts(feedback: UnitFeedback) -> Shown:
    """The version with its figures now: how many lines are shown, how many read 未授权."""
    shown = _shown_count(feedback.id)
    return Shown(
        feedback,
        shown=shown,
        unauthorized=feedback.members - shown,
    )


def detail(*, actor: Actor, feedback_id: int, origin: Origin | None = None) -> Shown:
    """One version with its counts (read-time consent applied); logged."""
    feedback = readable(actor, feedback_id)
    log(actor, origin, "unit_feedback.read", feedback)
    return with_counts(feedback)


def lines(
    *, actor: Actor, feedback_id: int, after_id: int | None, limit: int, origin: Origin | None
) -> CursorPage:
    """A page of the version's lines, in the sheet's order (by line); logged."""
    feedback = readable(actor, feedback_id)
    query = lines_query(feedback.id).order_by(UnitFeedbackLine.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(UnitFeedbackLine.id > after_id)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    log(actor, origin, "unit_feedback.read", feedback, cursor=after_id, lines=len(rows))
    return CursorPage([line_of(row) for row in rows], rows[-1].id if more else None)


def list_feedback(
    *,
    actor: Actor,
    period_id: int | None,
    unit_id: int | None,
    all_versions: bool,
    after_id: int | None,
    limit: int,
) -> CursorPage:
    """The versions the reader may read (by default those in force), newest first."""
    query = select(UnitFeedback).options(
        joinedload(UnitFeedback.period), joinedload(UnitFeedback.unit)
    )
    if not all_versions:
        query = query.where(UnitFeedback.superseded_at.is_(None))
    if period_id is not None:
        query = query.where(UnitFeedback.period_id == period_id)
    if unit_id is not None:
        query = query.where(UnitFeedback.unit_id == unit_id)
    page = scoped_page(
        query,
        actor=actor,
        permission=READ,
        id_column=UnitFeedback.id,
        unit_id=UnitFeedback.unit_id,
        after_id=after_id,
        limit=limit,
    )
    return page


def mine(*, actor: Actor, after_id: int | None, limit: int) -> CursorPage:
    """What each version said about the member, newest first: the figures as told (null
    when they had not consented at issue), and whether the unit sees them now."""
    member = members.own_member(actor)
    shown_now = db.session.scalar(
        select(consent.in_force(ConsentKind.UNIT_FEEDBACK, Member.account_id)).where(
            Member.id == member.id
        )
    )
    query = select(UnitFeedbackLine).where(UnitFeedbackLine.member_id == member.id)
    page = newest_first(query, UnitFeedbackLine.id, after_id=after_id, limit=limit)
    versions = {
        f.id: f
        for f in db.session.scalars(
            select(UnitFeedback)
            .where(UnitFeedback.id.in_([line.feedback_id for line in page.items]))
            .options(joinedload(UnitFeedback.period), joinedload(UnitFeedback.unit))
        )
    }
    items = []
    for line in page.items:
        feedback = versions[line.feedback_id]
        items.append(
            Shown(
                line,
                feedback=feedback,
                hours=None if line.minutes is None else round(line.minutes / 60, 2),
                status_label=None if line.status is None else STATUS_LABELS[line.status],
                grade_label=None if line.grade is None else GRADE_LABELS[line.grade],
                shown_to_unit=bool(line.consented and shown_now),
            )
        )
    return CursorPage(items, page.next_cursor)
