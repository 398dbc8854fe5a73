"""Report-ins as the member and the admins see them: history, listings, one report-in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.api import Shown
from sunshine.errors import Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.pagination import CursorPage, newest_first
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.reportin.service import get_report_in, place_of

# What a page of report-ins shows, loaded in a few batched queries instead of several per row.
REPORT_IN_PAGE_LOADS = (
    selectinload(ReportIn.member).selectinload(Member.account),
    selectinload(ReportIn.member).selectinload(Member.unit).selectinload(WorkUnit.city),
    selectinload(ReportIn.community),
    selectinload(ReportIn.grid),
    selectinload(ReportIn.teams),
)


def view(actor: Actor, report_in: ReportIn) -> Shown:
    """A report-in with its member as the actor may see them (phone masked unless needed)."""
    member = report_in.member
    shown_member = Shown(
        member, phone=members.visible_phone(actor, member), unit_name=member.unit.name
    )
    return Shown(report_in, member=shown_member)


def history(*, actor: Actor) -> list[ReportIn]:
    """The member's own report-ins, newest first."""
    member = members.own_member(actor)
    return list(
        db.session.scalars(
            select(ReportIn).where(ReportIn.member_id == member.id).order_by(ReportIn.id.desc())
        )
    )


def my_report_ins(*, actor: Actor, limit: int, cursor: int | None = None) -> CursorPage:
    """One page of the member's own report-ins, newest first."""
    member = members.own_member(actor)
    page = newest_first(
        select(ReportIn).where(ReportIn.member_id == member.id),
        ReportIn.id,
        after_id=cursor,
        limit=limit,
    )
    return CursorPage([view(actor, r) for r in page.items], page.next_cursor)


def list_report_ins(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: ReportInStatus | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Report-ins in the communities the actor oversees, newest first."""
    query = select(ReportIn).join(Area, ReportIn.community_id == Area.id)
    if status is not None:
        query = query.where(ReportIn.status == status)
    page = scoped_page(
        query.options(*REPORT_IN_PAGE_LOADS),
        actor=actor,
        permission=Permission.REPORT_IN_LIST,
        within_area_id=area_id,
        id_column=ReportIn.id,
        area_path=Area.path,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage([view(actor, r) for r in page.items], page.next_cursor)


def report_in_for(*, actor: Actor, report_in_id: int) -> ReportIn:
    """One report-in, if it lies in the actor's scope."""
    require_somewhere(actor, Permission.REPORT_IN_LIST)
    report_in = get_report_in(report_in_id)
    authorize(actor, Permission.REPORT_IN_LIST, place_of(report_in))
    return report_in


GRID_MISSING = Missing(code="grid.not_found", message="网格不存在")


def grid_members(
    *, actor: Actor, grid_id: int, limit: int, cursor: int | None = None
) -> CursorPage:
    """The members living in a grid (their active report-ins placed in it), newest first: for
    the grid's community admin and its grid roles (phones masked for the grid roles)."""
    require_somewhere(actor, Permission.GRID_READ)
    grid = db.session.get(Area, grid_id)
    if grid is None or grid.level != AreaLevel.GRID:
        raise GRID_MISSING.error()
    subject = Subject("grid", grid.id, GRID_MISSING)
    authorize(actor, Permission.GRID_READ, Place(area_path=grid.path, subject=subject))
    page = newest_first(
        select(ReportIn)
        .where(ReportIn.grid_id == grid.id, ReportIn.status == ReportInStatus.ACTIVE)
        .options(*REPORT_IN_PAGE_LOADS),
        ReportIn.id,
        after_id=cursor,
        limit=limit,
    )
    return CursorPage([view(actor, r) for r in page.items], page.next_cursor)
