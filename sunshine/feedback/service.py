"""Issuing feedback to work units: by the org_admin, and at the period's lock.

``issue`` (``unit_feedback.issue``, the org_admin of the period's city) issues a new version
for one unit of the city, or for every unit of the city with a member counted in the period.
``issue_at_lock`` is what locking a period calls, in the lock's transaction: every unit gets
the figures the books were closed with.

A version is a snapshot: the members of the unit counted in the period (the compliance
pages' own rule, ``audit.tally``: verified, placed in the period's city), each member's
figures and status, and the grade in force for the period (``evaluations``). Only the lines
of members whose unit-feedback consent is in force at issue (``consent.in_force``, the rule
compliance applies for unit admins) hold figures; the others are counted, nothing more.

Refused: no ``unit_feedback.issue`` (403, before any id is looked up), an unknown period
(404), a city outside the caller's scope (403), a period that has not ended (409
``period.not_ended``), an unknown unit (404) or one of another city (422 ``unit.wrong_city``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.audit.models import Period
from sunshine.audit.selection import rules_for
from sunshine.audit.tally import ComplianceStatus, per_member, with_status, without_jit
from sunshine.consent import service as consent
from sunshine.consent.models import ConsentKind
from sunshine.database import table_of
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.evaluations.models import Evaluation
from sunshine.extensions import db
from sunshine.feedback.models import FeedbackTrigger, UnitFeedback, UnitFeedbackLine
from sunshine.members.models import Member, MemberStatus
from sunshine.notify import service as notify
from sunshine.org import service as org
from sunshine.org.models import Area, WorkUnit
from sunshine.security import service as security
from sunshine.security.service import Origin

ISSUE = Permission.UNIT_FEEDBACK_ISSUE
# Lines per executemany of the Core table's INSERT, which SQLAlchemy sends as multi-row
# statements ("insertmanyvalues"): 15,000 lines in ~1 s. The ORM's bulk form (``insert(Model)``)
# went one statement per row on psycopg (10 s for a city), and ``.values(list)`` spent as long
# compiling the statement.
_BATCH = 5000


def issue(
    *, actor: Actor, period_id: int, unit_id: int | None, origin: Origin | None = None
) -> list[UnitFeedback]:
    """Issue a new version of the period's feedback to one unit (or every unit with members).

    One unit named is issued even with no member counted (an empty sheet says so); without
    one, the units of the city with at least one member counted in the period.
    """
    require_somewhere(actor, ISSUE)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    city = db.session.get_one(Area, period.city_id)
    authorize(actor, ISSUE, Place(area_path=city.path))
    unit_ids = None
    if unit_id is not None:
        unit = org.get_work_unit(unit_id)
        if unit.city_id != city.id:
            message = "不属于该周期所在的市"
            raise Invalid(message, code="unit.wrong_city", fields={"unit_id": [message]})
        unit_ids = [unit.id]
    period = _held(period)
    if period.ends_on >= clock.today():
        raise Conflict(
            f"考核周期到 {period.ends_on.isoformat()} 才结束，结束后才能向单位反馈",
            code="period.not_ended",
        )
    return _issue(period, city, actor.id, FeedbackTrigger.MANUAL, unit_ids, origin)


def issue_at_lock(*, period: Period, actor: Actor, origin: Origin | None) -> list[UnitFeedback]:
    """Every unit of the city with members counted: the figures the books close with.

    Called by ``audit.locking.lock`` once it holds the period row, in its transaction.
    """
    city = db.session.get_one(Area, period.city_id)
    return _issue(period, city, actor.id, FeedbackTrigger.LOCK, None, origin)


def _held(period: Period) -> Period:
    """The period row locked against a concurrent issue (versions are numbered under it);
    ``NO KEY UPDATE`` so that rows merely referencing the period are not held up."""
    return db.session.scalars(
        select(Period)
        .where(Period.id == period.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def _snapshot(period: Period, city: Area, unit_ids: Sequence[int] | None) -> list[Any]:
    """Each counted member of the city's units (or of ``unit_ids``): unit, place, consent,
    figures and status, by unit and member."""
    rules = rules_for(period)
    where = [
        Member.status == MemberStatus.VERIFIED,
        Member.area_path.startswith(city.path, autoescape=True),
        Member.unit_id.in_(select(WorkUnit.id).where(WorkUnit.city_id == city.id)),
    ]
    if unit_ids is not None:
        where.append(Member.unit_id.in_(unit_ids))
    consented = consent.in_force(ConsentKind.UNIT_FEEDBACK, Member.account_id)
    columns = (Member.id, Member.unit_id, Member.area_path, consented.label("consented"))
    figures = with_status(per_member(period, rules, where, columns), rules).subquery()
    without_jit()
    return list(db.session.execute(select(figures).order_by(figures.c.unit_id, figures.c.id)).all())


def _grades(period: Period, city: Area) -> dict[int, Any]:
    """The grade in force of each member of the city graded for the period."""
    rows = db.session.execute(
        select(Evaluation.member_id, Evaluation.grade).where(
            Evaluation.period_id == period.id,
            Evaluation.area_path.startswith(city.path, autoescape=True),
        )
    )
    return {member_id: grade for member_id, grade in rows}


def _places(paths: set[str]) -> dict[str, tuple[int, str]]:
    """The id and name of the area at each path."""
    if not paths:
        return {}
    rows = db.session.execute(select(Area.path, Area.id, Area.name).where(Area.path.in_(paths)))
    return {path: (area_id, name) for path, area_id, name in rows}


def _next_versions(period: Period, unit_ids: Sequence[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(UnitFeedback.unit_id, UnitFeedback.version)
        .where(UnitFeedback.period_id == period.id, UnitFeedback.unit_id.in_(unit_ids))
        .order_by(UnitFeedback.unit_id)
    )
    latest: dict[int, int] = {}
    for unit_id, version in rows:
        latest[unit_id] = max(version, latest.get(unit_id, 0))
    return {unit_id: latest.get(unit_id, 0) + 1 for unit_id in unit_ids}


def _line(row: Any, feedback_id: int, grades: dict[int, Any], places: dict[str, Any]) -> dict:
    line: dict[str, Any] = {
        "feedback_id": feedback_id,
        "member_id": row.id,
        "consented": bool(row.consented),
        "area_id": None,
        "area_name": None,
        "reported_in": None,
        "services": None,
        "minutes": None,
        "status": None,
        "grade": None,
    }
    if row.consented:
        # The community reported to: where compliance places the member, when they were
        # reported in during the period (a member who was not has none to name).
        place = places.get(row.area_path) if row.reported_in else None
        area_id, area_name = place if place is not None else (None, None)
        line.update(
            area_id=area_id,
            area_name=area_name,
            reported_in=bool(row.reported_in),
            services=int(row.services),
            minutes=int(row.minutes),
            status=ComplianceStatus(row.status),
            grade=grades.get(row.id),
        )
    return line


def _counts(rows: Sequence[Any]) -> dict[str, int]:
    statuses = [ComplianceStatus(row.status) for row in rows]
    return {
        "members": len(rows),
        "consenting": sum(1 for row in rows if row.consented),
        "compliant": statuses.count(ComplianceStatus.COMPLIANT),
        "behind": statuses.count(ComplianceStatus.BEHIND),
        "zero_service": statuses.count(ComplianceStatus.ZERO),
        "not_reported": statuses.count(ComplianceStatus.NOT_REPORTED),
        "services": sum(int(row.services) for row in rows),
        "total_minutes": sum(int(row.minutes) for row in rows),
    }


def _issue(
    period: Period,
    city: Area,
    actor_id: int,
    trigger: FeedbackTrigger,
    unit_ids: Sequence[int] | None,
    origin: Origin | None,
) -> list[UnitFeedback]:
    """Snapshot, number, supersede, write the versions and their lines, log each."""
    rows = _snapshot(period, city, unit_ids)
    by_unit: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit_id].append(row)
    units = list(unit_ids) if unit_ids is not None else sorted(by_unit)
    if not units:
        return []
    now = clock.now()
    db.session.execute(
        update(UnitFeedback)
        .where(
            UnitFeedback.period_id == period.id,
            UnitFeedback.unit_id.in_(units),
            UnitFeedback.superseded_at.is_(None),
        )
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    versions = _next_versions(period, units)
    issued = [
        UnitFeedback(
            period_id=period.id,
            unit_id=unit_id,
            version=versions[unit_id],
            trigger=trigger,
            issued_at=now,
            issued_by_id=actor_id,
            **_counts(by_unit[unit_id]),
        )
        for unit_id in units
    ]
    db.session.add_all(issued)
    db.session.flush()
    grades = _grades(period, city)
    places = _places({row.area_path for row in rows if row.consented and row.reported_in})
    lines = [
        _line(row, feedback.id, grades, places)
        for feedback in issued
        for row in by_unit[feedback.unit_id]
    ]
    table = table_of(UnitFeedbackLine)
    for start in range(0, len(lines), _BATCH):  # Core executemany: "insertmanyvalues" batches
        db.session.execute(insert(table), lines[start : start + _BATCH])
    for feedback in issued:
        security.record(
            action="unit_feedback.issue",
            account_id=actor_id,
            origin=origin,
            object_type="unit_feedback",
            object_id=feedback.id,
            detail={
                "period_id": period.id,
                "unit_id": feedback.unit_id,
                "version": feedback.version,
                "trigger": trigger.value,
                "members": feedback.members,
                "consenting": feedback.consenting,
            },
        )
    _tell_unit_admins(period, issued)
    db.session.flush()
    return issued


def _tell_unit_admins(period: Period, issued: Sequence[UnitFeedback]) -> None:
    """Each unit's admins hear that a new version is out (the inbox, and WeChat if allowed)."""
    unit_ids = [feedback.unit_id for feedback in issued]
    admins = access.unit_admins(unit_ids)
    names = {
        unit_id: name
        for unit_id, name in db.session.execute(
            select(WorkUnit.id, WorkUnit.name).where(WorkUnit.id.in_(unit_ids))
        )
    }
    span = f"{period.starts_on.isoformat()} 至 {period.ends_on.isoformat()}"
    for feedback in issued:
        notify.unit_feedback_issued(
            unit_admin_ids=admins[feedback.unit_id],
            unit=names[feedback.unit_id],
            period=span,
            version=feedback.version,
            feedback_id=feedback.id,
        )
