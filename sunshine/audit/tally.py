"""Each member's figures in a period, computed live in one SQL form (docs/compliance.md).

For every member a query selects: whether they were reported in during the period, their
confirmed services (records confirmed and dated in the period) and confirmed minutes (the
``credited_minutes`` of the records dated in the period: each record's ledger sum, kept in
step with the ledger in the same transaction, so voided and pending records add 0), and
their status against the rule of their street.

On PostgreSQL the two per-member reads are LATERAL joins: one step through
``ix_service_record_member_id_service_date`` (member, date) INCLUDE (status, credited
minutes), an index-only scan of the member's records in the period, and one through the
report-ins of the member. SQLite has no LATERAL; it runs the same reads as correlated
subqueries (the development database, never at province scale). Both forms give the same
rows; the suite runs on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
)

from sunshine.audit.models import Period
from sunshine.audit.rules import Rule
from sunshine.clock import SHANGHAI
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.members.models import Member
from sunshine.reportin.models import ReportIn, ReportInStatus


class ComplianceStatus(StrEnum):
    """A member's standing in a period, in this order of precedence."""

    NOT_REPORTED = "not_reported"  # 未报到: no report-in active at any time in the period
    ZERO = "zero"  # 零服务: reported in, no confirmed service in the period
    COMPLIANT = "compliant"  # 达标: every minimum of the rule met
    BEHIND = "behind"  # 未达标


# How a status reads in Chinese, in exports and the unit feedback.
STATUS_LABELS = {
    ComplianceStatus.COMPLIANT: "达标",
    ComplianceStatus.BEHIND: "未达标",
    ComplianceStatus.ZERO: "零服务",
    ComplianceStatus.NOT_REPORTED: "未报到",
}


@dataclass(frozen=True)
class Rules:
    """The rule of a period in its city, and in each street that tightens it (by path)."""

    city: Rule
    streets: dict[str, Rule]  # street path → its rule

    def for_path(self, area_path: str) -> Rule:
        """The rule of the street of a member placed at ``area_path``."""
        for street_path, rule in self.streets.items():
            if area_path.startswith(street_path):
                return rule
        return self.city


def _met_sql(rule: Rule, services: Any, minutes: Any) -> ColumnElement[bool]:
    parts = []
    if rule.min_services is not None:
        parts.append(services >= rule.min_services)
    if rule.min_minutes is not None:
        parts.append(minutes >= rule.min_minutes)
    return and_(*parts) if parts else true()


def _status_sql(
    rules: Rules, reported: Any, services: Any, minutes: Any, area_path: Any
) -> ColumnElement[str]:
    """The status in SQL (``ComplianceStatus``, in its order of precedence): the rule met is
    the rule of the street of the member's area path. A rule with no minimum is met by any
    service (the ``zero`` branch has taken those without)."""
    if rules.streets:
        meets: ColumnElement[bool] = case(
            *[
                (area_path.startswith(path, autoescape=True), _met_sql(rule, services, minutes))
                for path, rule in rules.streets.items()
            ],
            else_=_met_sql(rules.city, services, minutes),
        )
    else:
        meets = _met_sql(rules.city, services, minutes)
    return case(
        (reported.is_(False), literal(ComplianceStatus.NOT_REPORTED.value)),
        (services == 0, literal(ComplianceStatus.ZERO.value)),
        (meets, literal(ComplianceStatus.COMPLIANT.value)),
        else_=literal(ComplianceStatus.BEHIND.value),
    )


def _bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as UTC moments: from its first day's midnight in Shanghai to the midnight
    after its last day (excluded)."""
    start = datetime.combine(period.starts_on, time(0), SHANGHAI)
    end = datetime.combine(period.ends_on + timedelta(days=1), time(0), SHANGHAI)
    return start, end


def _reported_in(period: Period) -> Select[Any]:
    """Report-ins of the member active at some moment of the period."""
    start, end = _bounds(period)
    return select(literal(1).label("yes")).where(
        ReportIn.member_id == Member.id,
        ReportIn.status.in_([ReportInStatus.ACTIVE, ReportInStatus.ENDED]),
        func.coalesce(ReportIn.decided_at, ReportIn.requested_at) < end,
        or_(ReportIn.ended_at.is_(None), ReportIn.ended_at >= start),
    )


def _in_period(
    period: Period, records: Sequence[ColumnElement[bool]] = ()
) -> list[ColumnElement[bool]]:
    return [
        ServiceRecord.member_id == Member.id,
        ServiceRecord.service_date >= period.starts_on,
        ServiceRecord.service_date <= period.ends_on,
        *records,
    ]


MEMBER_COLUMNS = (
    Member.id,
    Member.name,
    Member.unit_id,
    Member.party_org_id,
    Member.area_path,
    Member.account_id,
)


def per_member(
    period: Period,
    rules: Rules,
    where: Sequence[ColumnElement[bool]],
    columns: Sequence[Any] = MEMBER_COLUMNS,
    records: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    """One row per member selected by ``where``: ``columns``, then ``reported_in`` (bool),
    ``services`` and ``minutes`` (``with_status`` adds the status). ``records``: conditions
    on ``ServiceRecord`` narrowing the records counted (``Selection.records``: a campaign)."""
    confirmed = ServiceRecord.status == RecordStatus.CONFIRMED
    if db.session.get_bind().dialect.name == "postgresql":
        tally = (
            select(
                func.count().filter(confirmed).label("services"),
                func.coalesce(func.sum(ServiceRecord.credited_minutes), 0).label("minutes"),
            )
            .where(*_in_period(period, records))
            .lateral("tally")
        )
        report_in = _reported_in(period).limit(1).lateral("report_in")
        reported: Any = report_in.c.yes.is_not(None)
        services: Any = tally.c.services
        minutes: Any = tally.c.minutes
        query = (
            select(*columns)
            .select_from(Member)
            .join(report_in, true(), isouter=True)
            .join(tally, true())
        )
    else:
        reported = exists(_reported_in(period))
        services = (
            select(func.count()).where(*_in_period(period, records), confirmed).scalar_subquery()
        )
        minutes = (
            select(func.coalesce(func.sum(ServiceRecord.credited_minutes), 0))
            .where(*_in_period(period, records))
            .scalar_subquery()
        )
        query = select(*columns).select_from(Member)
    return query.add_columns(
        reported.label("reported_in"), services.label("services"), minutes.label("minutes")
    ).where(*where)


def with_status(inner: Select[Any], rules: Rules) -> Select[Any]:
    """``inner`` (a ``per_member`` select) as a subquery, with each member's ``status``."""
    t = inner.subquery("figures")
    status = _status_sql(rules, t.c.reported_in, t.c.services, t.c.minutes, t.c.area_path)
    return select(*t.c, status.label("status"))


def without_jit() -> None:
    """PostgreSQL's JIT compiles a plan whose cost estimate is large: a city's per-member
    figures cost ~0.6 s to compile, as long as the query itself takes. Off for this
    transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
