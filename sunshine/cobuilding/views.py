"""The read side of co-building: listings in the reader's scope, one object, its agreement.

Every admin of the place reads through ``cobuild.read``: the unit admin its unit's rows, the
community admin the rows of its community, the street and the organization department those
below them (and the organization department those of its city's units, wherever they went).
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from sunshine import clock
from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.cobuilding import projects, service, yearly
from sunshine.cobuilding.models import (
    Agreement,
    ProjectStatus,
    UnitProject,
    UnitReportIn,
    UnitReportInStatus,
    YearlyReport,
)
from sunshine.org.models import WorkUnit
from sunshine.pagination import CursorPage, cursor_page

Row = TypeVarTuple("Row")

REPORT_IN_LOADS = (
    selectinload(UnitReportIn.unit).selectinload(WorkUnit.city),
    selectinload(UnitReportIn.party_org),
    selectinload(UnitReportIn.community),
)


def list_report_ins(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    status: UnitReportInStatus | None = None,
    area_id: int | None = None,
    unit_id: int | None = None,
) -> CursorPage:
    """Unit report-ins in the reader's scope, newest first."""
    query = filtered_report_ins(
        select(UnitReportIn).options(*REPORT_IN_LOADS), status=status, unit_id=unit_id
    )
    return scoped_page(
        query,
        actor=actor,
        id_column=UnitReportIn.id,
        within_area_id=area_id,
        after_id=cursor,
        limit=limit,
        **REPORT_IN_SCOPE,
    )


# Where a report-in sits for the readers' scope (the listing's and the export's).
REPORT_IN_SCOPE: dict[str, Any] = {
    "permission": Permission.COBUILD_READ,
    "area_path": UnitReportIn.area_path,
    "unit_id": UnitReportIn.unit_id,
}


def filtered_report_ins(
    query: Select[*Row],
    *,
    status: UnitReportInStatus | None = None,
    unit_id: int | None = None,
) -> Select[*Row]:
    """``query`` narrowed by the report-in listing's own filters (the export takes the same)."""
    if status is not None:
        query = query.where(UnitReportIn.status == status)
    if unit_id is not None:
        query = query.where(UnitReportIn.unit_id == unit_id)
    return query


def one_report_in(*, actor: Actor, report_in_id: int) -> UnitReportIn:
    return service.report_in_for(actor, Permission.COBUILD_READ, report_in_id)


def agreement(*, actor: Actor, report_in_id: int) -> Agreement:
    """The report-in's agreement (404 ``agreement.not_found`` before the unit writes it)."""
    return service.agreement_of(one_report_in(actor=actor, report_in_id=report_in_id))


def list_projects(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    status: ProjectStatus | None = None,
    report_in_id: int | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Projects in the reader's scope, newest first."""
    query = select(UnitProject).options(selectinload(UnitProject.members))
    if status is not None:
        query = query.where(UnitProject.status == status)
    if report_in_id is not None:
        query = query.where(UnitProject.report_in_id == report_in_id)
    return scoped_page(
        query,
        actor=actor,
        permission=Permission.COBUILD_READ,
        id_column=UnitProject.id,
        area_path=UnitProject.area_path,
        unit_id=UnitProject.unit_id,
        within_area_id=area_id,
        after_id=cursor,
        limit=limit,
    )


def project(*, actor: Actor, project_id: int) -> UnitProject:
    return projects.project_for(actor, Permission.COBUILD_READ, project_id)


def list_yearly_reports(
    *,
    actor: Actor,
    limit: int,
    year: int | None = None,
    cursor: int | None = None,
    unit_id: int | None = None,
) -> CursorPage:
    """A year's reports (this year's by default) the reader may read (``yearly.report_for``'s
    rule), newest first."""
    require_somewhere(actor, Permission.COBUILD_READ)
    year = year if year is not None else clock.today().year
    query = select(YearlyReport).where(YearlyReport.year == year, yearly.readable(actor, year))
    if unit_id is not None:
        query = query.where(YearlyReport.unit_id == unit_id)
    if cursor is not None:
        query = query.where(YearlyReport.id < cursor)
    query = query.options(selectinload(YearlyReport.unit))
    return cursor_page(query.order_by(YearlyReport.id.desc()), YearlyReport.id, limit)


def yearly_report(*, actor: Actor, report_id: int) -> YearlyReport:
    return yearly.report_for(actor=actor, report_id=report_id)
