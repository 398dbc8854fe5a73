"""Report-in: request, approve or reject, transfer, withdraw, end, and placement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.access import grids
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject, concealed
from sunshine.consent import service as consent
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org import service as org
from sunshine.org.models import AreaLevel, ServiceTeam
from sunshine.reportin.models import EndKind, ReportIn, ReportInStatus

OPEN = (ReportInStatus.PENDING, ReportInStatus.ACTIVE)


REPORT_IN_MISSING = Missing(code="report_in.not_found", message="报到记录不存在")


def report_in_subject(report_in: ReportIn) -> Subject:
    return Subject("report_in", report_in.id, REPORT_IN_MISSING)


def place_of(report_in: ReportIn) -> Place:
    return Place(area_path=report_in.community.path, subject=report_in_subject(report_in))


def _lock_member(member: Member) -> None:
    """Serialise report-in changes of one member (a PostgreSQL row lock), re-reading it.

    SQLite ignores FOR UPDATE; its single write lock refuses the second writer instead.
    """
    db.session.execute(
        select(Member)
        .where(Member.id == member.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _open_report_ins(member: Member) -> dict[ReportInStatus, ReportIn]:
    rows = db.session.scalars(
        select(ReportIn)
        .where(ReportIn.member_id == member.id, ReportIn.status.in_(OPEN))
        .execution_options(populate_existing=True)  # as committed, not as first loaded
    )
    return {row.status: row for row in rows}


def request(*, actor: Actor, community_id: int) -> ReportIn:
    """Ask to report to a community; asking while reported elsewhere is a transfer request."""
    member = members.require_verified(actor)
    consent.require_notice_accepted(actor.id)
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    _lock_member(member)
    current = _open_report_ins(member)
    if ReportInStatus.PENDING in current:
        raise Conflict("已有待审批的报到申请", code="report_in.pending_exists")
    active = current.get(ReportInStatus.ACTIVE)
    if active is not None and active.community_id == community.id:
        raise Conflict("已在该社区报到", code="report_in.already_active")
    report_in = ReportIn(
        member=member,
        community=community,
        status=ReportInStatus.PENDING,
        transfer_from_id=active.id if active else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report_in)
            db.session.flush()
    except IntegrityError:
        # A parallel request won the race; the partial unique index kept the rule.
        raise Conflict("已有待审批的报到申请", code="report_in.pending_exists") from None
    members.refresh_area_path(member)
    db.session.flush()
    return report_in


def get_report_in(report_in_id: int) -> ReportIn:
    report_in = db.session.get(ReportIn, report_in_id)
    if report_in is None:
        raise REPORT_IN_MISSING.error()
    return report_in


def _for_admin(actor: Actor, report_in_id: int) -> ReportIn:
    """The report-in, if the actor decides for its community, locked and read afresh."""
    require_somewhere(actor, Permission.REPORT_IN_DECIDE)
    report_in = get_report_in(report_in_id)
    authorize(actor, Permission.REPORT_IN_DECIDE, place_of(report_in))
    return _locked(report_in)


def _locked(report_in: ReportIn) -> ReportIn:
    """Lock the member's report-ins, then re-read this one: its status may have just changed.

    Every change to a member's report-ins takes the member lock first (one lock order, no
    deadlocks); re-reading after it stops two admins deciding the same request both winning.
    """
    _lock_member(report_in.member)
    db.session.refresh(report_in)
    return report_in


def _close(report_in: ReportIn, kind: EndKind, reason: str | None, by: int | None) -> None:
    """End an open report-in: a pending one is cancelled, an active one ended (and with it
    the member's place in a grid: a liaison grant of theirs ends too)."""
    pending = report_in.status == ReportInStatus.PENDING
    if not pending:
        grids.end_grid_liaisons(
            report_in.member.account_id, staying_in=None, reason="报到已结束，不再居住在该网格"
        )
    report_in.status = ReportInStatus.CANCELLED if pending else ReportInStatus.ENDED
    report_in.ended_at, report_in.end_kind = clock.now(), kind
    report_in.end_reason, report_in.ended_by_id = reason, by


def _tell(report_in: ReportIn, *, approved: bool) -> None:
    notify.decided(
        Event.REPORT_IN_DECIDED,
        member_id=report_in.member_id,
        approved=approved,
        reason=report_in.decision_reason,
        community=report_in.community.name,
        report_in_id=report_in.id,
    )


def approve(*, actor: Actor, report_in_id: int, reason: str | None = None) -> ReportIn:
    """The community admits the member; a transfer ends the old report-in in the same step."""
    report_in = _for_admin(actor, report_in_id)
    if report_in.status != ReportInStatus.PENDING:
        raise Conflict("该申请不在待审批状态", code="report_in.not_pending")
    if report_in.member.status != MemberStatus.VERIFIED:
        # Back in review since asking (a changed name, unit or phone): decide that first.
        raise Conflict(
            "该党员身份正在重新审核，审核通过后才能批准报到",
            code="report_in.member_not_verified",
        )
    active = _open_report_ins(report_in.member).get(ReportInStatus.ACTIVE)
    if active is not None:
        _close(active, EndKind.TRANSFER, f"转至{report_in.community.name}", actor.id)
        db.session.flush()  # the old one ends before the new one starts (one active at most)
    report_in.status, report_in.decided_at = ReportInStatus.ACTIVE, clock.now()
    report_in.decided_by_id, report_in.decision_reason = actor.id, reason
    _tell(report_in, approved=True)
    db.session.flush()
    members.refresh_area_path(report_in.member)
    db.session.flush()
    return report_in


def reject(*, actor: Actor, report_in_id: int, reason: str) -> ReportIn:
    report_in = _for_admin(actor, report_in_id)
    if report_in.status != ReportInStatus.PENDING:
        raise Conflict("该申请不在待审批状态", code="report_in.not_pending")
    report_in.status, report_in.decided_at = ReportInStatus.REJECTED, clock.now()
    report_in.decided_by_id, report_in.decision_reason = actor.id, reason
    _tell(report_in, approved=False)
    db.session.flush()
    members.refresh_area_path(report_in.member)
    db.session.flush()
    return report_in


def end(*, actor: Actor, report_in_id: int, reason: str) -> ReportIn:
    """The community ends an active report-in (the member moved away, left the Party …)."""
    report_in = _for_admin(actor, report_in_id)
    if report_in.status != ReportInStatus.ACTIVE:
        raise Conflict("只能结束正在报到的记录", code="report_in.not_active")
    _close(report_in, EndKind.ADMIN_ENDED, reason, actor.id)
    db.session.flush()
    members.refresh_area_path(report_in.member)
    db.session.flush()
    return report_in


def withdraw(*, actor: Actor, report_in_id: int, reason: str) -> ReportIn:
    """The member cancels a pending request or ends an active report-in."""
    member = members.own_member(actor)
    report_in = get_report_in(report_in_id)
    if report_in.member_id != member.id:
        subject = report_in_subject(report_in)
        raise concealed(account_id=actor.id, action="report_in.withdraw", subject=subject)
    _locked(report_in)
    if report_in.status not in OPEN:
        raise Conflict("该记录已结束", code="report_in.closed")
    _close(report_in, EndKind.MEMBER_WITHDREW, reason, actor.id)
    db.session.flush()
    members.refresh_area_path(member)
    db.session.flush()
    return report_in


def end_all_for_deactivation(member: Member) -> None:
    _lock_member(member)
    for report_in in _open_report_ins(member).values():
        _close(report_in, EndKind.DEACTIVATED, None, None)
    db.session.flush()


def place(
    *, actor: Actor, report_in_id: int, grid_id: int | None, team_ids: Sequence[int]
) -> ReportIn:
    """Put an active member in a grid and service teams of the community."""
    report_in = _for_admin(actor, report_in_id)
    if report_in.status != ReportInStatus.ACTIVE:
        raise Conflict("只能安排正在报到的党员", code="report_in.not_active")
    grid = None
    if grid_id is not None:
        grid = org.get_area_of_level(grid_id, AreaLevel.GRID, "grid_id")
        if grid.parent_id != report_in.community_id:
            raise Invalid(
                "网格不属于该社区",
                code="grid.not_in_community",
                fields={"grid_id": ["不属于该社区"]},
            )
    teams = list(db.session.scalars(select(ServiceTeam).where(ServiceTeam.id.in_(set(team_ids)))))
    if len(teams) != len(set(team_ids)) or any(
        t.community_id != report_in.community_id for t in teams
    ):
        raise Invalid(
            "服务队不属于该社区",
            code="team.not_in_community",
            fields={"team_ids": ["包含不属于该社区的服务队"]},
        )
    report_in.grid, report_in.teams = grid, teams
    # A liaison is one only of the grid they live in (docs/grids.md).
    grids.end_grid_liaisons(
        report_in.member.account_id,
        staying_in=grid.id if grid else None,
        reason="已调出该网格",
    )
    db.session.flush()
    return report_in
