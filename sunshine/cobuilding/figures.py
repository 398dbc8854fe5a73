"""A unit's 双报到 figures over a span of days, counted once for every reader.

The yearly report stores them as the unit submitted them; the unit-level compliance
(``audit.compliance`` by unit, and the units' ranking built on it) shows them live for the
period's days. Both call ``of_units``: one query per figure for all the units asked about.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from sunshine import clock
from sunshine.cobuilding.models import (
    ProjectStatus,
    UnitProject,
    UnitProjectMember,
    UnitReportIn,
    UnitReportInStatus,
    YearlyReport,
)
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.members.models import Member


@dataclass(frozen=True)
class CoBuilding:
    """What one unit did in the span: report-ins in force, projects done, members sent."""

    report_ins: int = 0
    projects_done: int = 0
    members_sent: int = 0
    yearly_report_submitted: bool = False  # for the year the span starts in

    @property
    def reported_in(self) -> bool:
        return self.report_ins > 0


def _bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The span's first moment and the moment after its last day, Shanghai days in UTC."""
    return clock.at_local(starts_on, time()), clock.at_local(ends_on + timedelta(days=1), time())


def in_force(starts_on: date, ends_on: date) -> ColumnElement[bool]:
    """Report-ins the community admitted that were in force on some day of the span."""
    start, end = _bounds(starts_on, ends_on)
    return (
        UnitReportIn.status.in_((UnitReportInStatus.ACTIVE, UnitReportInStatus.ENDED))
        & (UnitReportIn.decided_at < end)
        & (UnitReportIn.ended_at.is_(None) | (UnitReportIn.ended_at >= start))
    )


def of_units(unit_ids: Collection[int], starts_on: date, ends_on: date) -> dict[int, CoBuilding]:
    """Each unit's figures for the span (units that did nothing: zeros)."""
    if not unit_ids:
        return {}
    start, end = _bounds(starts_on, ends_on)
    units = list(set(unit_ids))
    report_ins = dict(
        db.session.execute(
            select(UnitReportIn.unit_id, func.count())
            .where(UnitReportIn.unit_id.in_(units), in_force(starts_on, ends_on))
            .group_by(UnitReportIn.unit_id)
        ).all()
    )
    done = (
        UnitProject.unit_id.in_(units),
        UnitProject.status == ProjectStatus.DONE,
        UnitProject.done_at >= start,
        UnitProject.done_at < end,
    )
    projects = dict(
        db.session.execute(
            select(UnitProject.unit_id, func.count()).where(*done).group_by(UnitProject.unit_id)
        ).all()
    )
    sent = dict(
        db.session.execute(
            select(UnitProject.unit_id, func.count(func.distinct(UnitProjectMember.member_id)))
            .join(UnitProjectMember, UnitProjectMember.project_id == UnitProject.id)
            .where(*done)
            .group_by(UnitProject.unit_id)
        ).all()
    )
    reported = set(
        db.session.scalars(
            select(YearlyReport.unit_id).where(
                YearlyReport.unit_id.in_(units), YearlyReport.year == starts_on.year
            )
        )
    )
    return {
        unit_id: CoBuilding(
            report_ins=report_ins.get(unit_id, 0),
            projects_done=projects.get(unit_id, 0),
            members_sent=sent.get(unit_id, 0),
            yearly_report_submitted=unit_id in reported,
        )
        for unit_id in units
    }


def service_minutes(unit_id: int, starts_on: date, ends_on: date) -> int:
    """Confirmed minutes the unit's members served in the communities it reported in to
    (report-ins in force in the span), on days of the span."""
    paths = list(
        db.session.scalars(
            select(UnitReportIn.area_path)
            .where(UnitReportIn.unit_id == unit_id, in_force(starts_on, ends_on))
            .distinct()
        )
    )
    if not paths:
        return 0
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(ServiceRecord.credited_minutes), 0))
        .join(Member, ServiceRecord.member_id == Member.id)
        .where(
            Member.unit_id == unit_id,
            ServiceRecord.status == RecordStatus.CONFIRMED,
            ServiceRecord.service_date.between(starts_on, ends_on),
            or_(*(ServiceRecord.area_path.startswith(p, autoescape=True) for p in paths)),
        )
    )
    return int(minutes or 0)
