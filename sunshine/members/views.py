"""Members as admins and the member see them: listings, one member, own-data export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.api import Shown
from sunshine.consent import service as consent
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.members.service import get_member, own_member_or_none, place_of, visible_phone
from sunshine.org import service as org
from sunshine.org.models import WorkUnit
from sunshine.pagination import CursorPage


def member_query(
    *,
    status: MemberStatus | None = None,
    unit_id: int | None = None,
    area_id: int | None = None,
    name: str | None = None,
) -> Select[Member]:
    """The members a listing's filters select (deactivated ones never), before the scope."""
    query = select(Member).where(Member.status != MemberStatus.DEACTIVATED)
    if status is not None:
        query = query.where(Member.status == status)
    if unit_id is not None:
        query = query.where(Member.unit_id == unit_id)
    if area_id is not None:
        query = query.where(
            Member.area_path.startswith(org.get_area(area_id).path, autoescape=True)
        )
    if name:
        query = query.where(Member.name == name)
    return query


def member_for(actor: Actor, member_id: int) -> Member:
    """One member, if the actor may list them (or it is the actor's own record)."""
    member = get_member(member_id)
    if member.account_id != actor.id:
        authorize(actor, Permission.MEMBER_LIST, place_of(member))
    return member


def open_report_ins(member_ids: Sequence[int]) -> dict[int, Any]:
    """Each member's current report-in: the active one, else the pending one."""
    from sunshine.reportin.models import ReportIn, ReportInStatus  # report-in builds on members

    if not member_ids:
        return {}
    current: dict[int, Any] = {}
    rows = db.session.scalars(
        select(ReportIn)
        .options(joinedload(ReportIn.community))
        .where(
            ReportIn.member_id.in_(set(member_ids)),
            ReportIn.status.in_([ReportInStatus.ACTIVE, ReportInStatus.PENDING]),
        )
    )
    for row in rows:
        if row.member_id not in current or row.status == ReportInStatus.ACTIVE:
            current[row.member_id] = row
    return current


def view(actor: Actor, member: Member, report_ins: Mapping[int, Any] | None = None) -> Shown:
    """A member as the actor may see them (phone masked unless the role needs it).

    ``report_ins`` is ``open_report_ins`` of a whole page, fetched once for the page.
    """
    if report_ins is None:
        report_ins = open_report_ins([member.id])
    return Shown(
        member,
        phone=visible_phone(actor, member),
        verified_by_roster=member.roster_entry_id is not None,
        availability={
            "weekday_daytime": member.available_weekday_daytime,
            "evenings": member.available_evenings,
            "weekends": member.available_weekends,
        },
        report_in=report_ins.get(member.id),
    )


# What a page of members shows, loaded in a few batched queries instead of several per row.
MEMBER_PAGE_LOADS = (
    selectinload(Member.account),
    selectinload(Member.unit).selectinload(WorkUnit.city),
    selectinload(Member.party_org),
    selectinload(Member.residence),
    selectinload(Member.skills),
)


def list_members(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: MemberStatus | None = None,
    unit_id: int | None = None,
    area_id: int | None = None,
    name: str | None = None,
) -> CursorPage:
    """Members in the actor's scope, newest first (unit admins, the org department)."""
    require_somewhere(actor, Permission.MEMBER_LIST)  # before the area lookup reveals ids
    query = member_query(status=status, unit_id=unit_id, area_id=area_id, name=name)
    page = scoped_page(
        query.options(*MEMBER_PAGE_LOADS),
        actor=actor,
        permission=Permission.MEMBER_LIST,
        id_column=Member.id,
        area_path=Member.area_path,
        unit_id=Member.unit_id,
        after_id=after_id,
        limit=limit,
    )
    report_ins = open_report_ins([m.id for m in page.items])
    return CursorPage([view(actor, m, report_ins) for m in page.items], page.next_cursor)


def export_own_data(actor: Actor) -> dict[str, Any]:
    """Everything held about the caller (PIPL right of access and copy), as JSON."""
    from sunshine.reportin import views as reportin  # report-in builds on members
    from sunshine.security.models import SecurityEvent

    account = actor.account
    member = own_member_or_none(actor)
    events = db.session.scalars(
        select(SecurityEvent)
        .where(SecurityEvent.account_id == account.id)
        .order_by(SecurityEvent.id)
    )
    return {
        "account": account,
        "member": view(actor, member) if member is not None else None,
        "consents": consent.history(account.id),
        "report_ins": reportin.history(actor=actor) if member is not None else [],
        "security_events": list(events),
    }
