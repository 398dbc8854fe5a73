"""Who a community grades for a period: the members whose report-in there was active in it.

A report-in was *active during a period* when it became active (approved; ``decided_at``,
or ``requested_at`` for a row written without a decision) before the period's last day
ended, and had not ended (``ended_at``) before its first day began — days in Asia/Shanghai.
A member who reported in elsewhere, transferred, withdrew or was ended during the period
still counts for it: the books of a period are usually closed after it, and by then many
report-ins have moved on.

A member is graded by **one** community per period: the community of the *last* of their
report-ins active during the period (the highest id: a member has at most one report-in
pending, so report-ins become active in the order of their ids). Deactivated members (their
data removed at their request) are graded by none.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from sunshine import clock
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.reportin.models import ReportIn, ReportInStatus

WAS_ACTIVE = (ReportInStatus.ACTIVE, ReportInStatus.ENDED)


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as UTC moments: the start of its first day, the end of its last."""
    return (
        clock.at_local(period.starts_on, time(0)),
        clock.at_local(period.ends_on + timedelta(days=1), time(0)),
    )


def _active_during(report_in: Any, period: Period) -> ColumnElement[bool]:
    start, end = bounds(period)
    began = func.coalesce(report_in.decided_at, report_in.requested_at)
    return and_(
        report_in.status.in_(WAS_ACTIVE),
        began < end,
        or_(report_in.ended_at.is_(None), report_in.ended_at > start),
    )


def report_ins_of(period: Period, community_id: int) -> Select[ReportIn]:
    """The report-ins that make their members the community's to grade for the period: one
    per member (their last active during the period, when it is in this community)."""
    later = aliased(ReportIn)
    return (
        select(ReportIn)
        .join(Member, Member.id == ReportIn.member_id)
        .where(
            ReportIn.community_id == community_id,
            _active_during(ReportIn, period),
            Member.status != MemberStatus.DEACTIVATED,
            ~exists().where(
                later.member_id == ReportIn.member_id,
                later.id > ReportIn.id,
                _active_during(later, period),
            ),
        )
    )


def member_ids_of(period: Period, community_id: int) -> set[int]:
    """The members the community grades for the period."""
    query = report_ins_of(period, community_id).with_only_columns(ReportIn.member_id)
    return set(db.session.scalars(query))


def count_of(period: Period, community_id: int) -> int:
    """How many members the community grades for the period (the base of the 优秀 cap)."""
    query = report_ins_of(period, community_id).with_only_columns(func.count(ReportIn.id))
    return db.session.scalar(query) or 0


def community_of(period: Period, member_id: int) -> int | None:
    """The community that grades the member for the period (None: they served in none)."""
    report_in = aliased(ReportIn)
    return db.session.scalar(
        select(report_in.community_id)
        .where(report_in.member_id == member_id, _active_during(report_in, period))
        .order_by(report_in.id.desc())
        .limit(1)
    )
