"""The unit's yearly report (年度报告): written by the unit, read by those it worked with.

Its figures are counted by the system when the unit submits it (``figures``) and kept as
submitted. Readers: the unit's admins; the organization department of the unit's city; and
the admins of the communities (and the streets above them) where a report-in of the unit was
in force that year — the streets see the units that worked in them, whichever city's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    can,
    require_somewhere,
    scope_filter,
)
from sunshine.access.refusals import Subject
from sunshine.cobuilding import figures
from sunshine.cobuilding.models import UnitReportIn, YearlyReport
from sunshine.cobuilding.service import unit_place
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.org import service as org

REPORT_MISSING = Missing(code="yearly_report.not_found", message="年度报告不存在")
DUPLICATE = "该单位本年度的报告已提交"


def year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def submit(*, actor: Actor, unit_id: int, year: int, text: str) -> YearlyReport:
    """The unit submits its report of a year (this year or an earlier one), once."""
    unit = org.get_work_unit(unit_id)
    authorize(actor, Permission.COBUILD_MANAGE, unit_place(unit))
    if year > clock.today().year:
        raise Invalid(
            "不能提交未来年度的报告", code="yearly_report.future_year", fields={"year": ["未到"]}
        )
    if db.session.scalar(
        select(YearlyReport.id).where(YearlyReport.unit_id == unit.id, YearlyReport.year == year)
    ):
        raise Conflict(DUPLICATE, code="yearly_report.duplicate")
    starts_on, ends_on = year_span(year)
    counted = figures.of_units([unit.id], starts_on, ends_on)[unit.id]
    report = YearlyReport(
        unit=unit,
        year=year,
        text=text,
        report_ins=counted.report_ins,
        projects_done=counted.projects_done,
        members_sent=counted.members_sent,
        service_minutes=figures.service_minutes(unit.id, starts_on, ends_on),
        submitted_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        raise Conflict(DUPLICATE, code="yearly_report.duplicate") from None
    return report


def _hosts(year: int) -> ColumnElement[bool]:
    """Report-ins in force in the year: their communities (and streets) read the report."""
    return figures.in_force(*year_span(year))


def report_for(*, actor: Actor, report_id: int) -> YearlyReport:
    """One yearly report, if the actor may read it (others: 404 as for an unknown id)."""
    require_somewhere(actor, Permission.COBUILD_READ)
    report = db.session.get(YearlyReport, report_id)
    if report is None:
        raise REPORT_MISSING.error()
    hosts = db.session.scalars(
        select(UnitReportIn.area_path).where(
            UnitReportIn.unit_id == report.unit_id, _hosts(report.year)
        )
    )
    if any(can(actor, Permission.COBUILD_READ, Place(area_path=path)) for path in hosts):
        return report
    subject = Subject("yearly_report", report.id, REPORT_MISSING)
    unit = report.unit
    place = Place(unit_id=unit.id, unit_city_path=unit.city.path, subject=subject)
    authorize(actor, Permission.COBUILD_READ, place)
    return report


def readable(actor: Actor, year: int) -> ColumnElement[bool]:
    """The SQL form of ``report_for``'s rule, for the listing of a year's reports."""
    hosted = select(UnitReportIn.unit_id).where(
        _hosts(year),
        scope_filter(actor, Permission.COBUILD_READ, area_path=UnitReportIn.area_path),
    )
    return or_(
        scope_filter(actor, Permission.COBUILD_READ, unit_id=YearlyReport.unit_id),
        YearlyReport.unit_id.in_(hosted),
    )
