"""Grid liaisons (网格联络员) and the grid they live in: docs/grids.md.

A liaison is a member placed in the grid by their active report-in. The grant service checks
it when the role is granted (``require_lives_in``); the report-in service ends the grant when
the member leaves the grid (``end_grid_liaisons``): their report-in ends, or they are placed
in another grid or none. Apart from ``access.service`` so that the report-in service can
call it without an import cycle (access.service reads members, which read report-ins).
"""

from __future__ import annotations

from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Grant, Role
from sunshine.errors import Invalid
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.security import service as security


def require_lives_in(grid: Area, account_id: int, field: str) -> None:
    """A liaison is a member reported in to the grid's community and placed in the grid.

    The member's row is locked first, as every change of their report-ins locks it (one
    lock order): a move out of the grid waits for the grant and then ends it, or the grant
    waits for the move and then sees it.
    """
    db.session.execute(
        select(Member.id).where(Member.account_id == account_id).with_for_update()
    ).all()
    lives_there = db.session.scalar(
        select(ReportIn.id)
        .join(Member, ReportIn.member_id == Member.id)
        .where(
            Member.account_id == account_id,
            ReportIn.status == ReportInStatus.ACTIVE,
            ReportIn.grid_id == grid.id,
        )
    )
    if lives_there is None:
        message = "网格联络员须是在该网格居住并已编入该网格的报到党员"
        raise Invalid(message, code="grant.liaison_not_in_grid", fields={field: [message]})


def end_grid_liaisons(account_id: int, *, staying_in: int | None, reason: str) -> None:
    """End the account's liaison grants on grids other than ``staying_in`` (None: all).

    The report-in service calls it when a member leaves a grid: their report-in ends (or
    moves to another community), or the community places them in another grid or none. The
    system revokes (``revoked_by_id`` None); each end is a security-log entry.
    """
    query = select(Grant).where(
        Grant.account_id == account_id,
        Grant.role == Role.GRID_LIAISON,
        Grant.revoked_at.is_(None),
    )
    if staying_in is not None:
        query = query.where(Grant.area_id != staying_in)
    ended = db.session.scalars(query.with_for_update(of=Grant)).all()
    for grant in ended:
        grant.revoked_at, grant.revoke_reason = clock.now(), reason
        security.record(
            action="grant.revoke",
            account_id=None,
            origin=None,
            object_type="grant",
            object_id=grant.id,
            detail={
                "account_id": account_id,
                "role": grant.role.value,
                "scope": grant.scope_key,
                "reason": reason,
            },
        )
    db.session.flush()
