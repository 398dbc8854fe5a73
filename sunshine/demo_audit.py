"""The organisation department's side of the demo city's year, on top of its history.

The demo community's admin grades its members for every quarter that ended within the history's
twelve months (the city caps 优秀 at 20 %); the org department locks the first of them and then
adjusts one of its records (the one change a lock allows); one member is recorded on two
overlapping shifts; and the anomaly detectors run over the year, as their jobs would, so the
review queue holds what they find (late confirmations, the overlap, the adjustment after the
lock, outliers).

Like ``demo_history``, everything goes through the app's services, with the clock moved to the
moment each step would have happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.anomalies.detectors import ledger, outliers, records, refusals
from sunshine.anomalies.models import Anomaly
from sunshine.audit import locking
from sunshine.audit.models import Period, PeriodKind
from sunshine.demo_history import activity_shift, serve_shift, then
from sunshine.evaluations import service as evaluations
from sunshine.evaluations.membership import member_ids_of
from sunshine.evaluations.models import Grade
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.org.models import Area

EXCELLENT_CAP = 20  # per cent of a community's members, per period
GRADES = ((Grade.EXCELLENT, 0.15), (Grade.GOOD, 0.7), (Grade.FAIR, 0.1), (Grade.POOR, 0.05))


@dataclass(frozen=True)
class AuditDemo:
    evaluations: int
    locked: int
    anomalies: int


def _grades(rng: random.Random, members: list[int], places: int) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for member_id in members:
        grade = rng.choices([g for g, _ in GRADES], [w for _, w in GRADES])[0]
        if grade == Grade.EXCELLENT:
            if places == 0:
                grade = Grade.GOOD
            places -= 1 if places else 0
        item: dict[str, object] = {"member_id": member_id, "grade": grade}
        if grade == Grade.POOR:
            item["reason"] = "本季度未参加社区服务，经提醒仍未参加"
        elif grade == Grade.EXCELLENT:
            item["comment"] = "积极参加社区志愿服务，表现突出"
        items.append(item)
    return items


def _evaluate(
    rng: random.Random, org: Actor, community_admin: Actor, community: Area, quarters: list[Period]
) -> int:
    graded = 0
    for quarter in quarters:
        members = sorted(member_ids_of(quarter, community.id))
        places = len(members) * EXCELLENT_CAP // 100
        with then(clock.at_local(quarter.ends_on + timedelta(days=1), time(9, 0))):
            evaluations.set_settings(
                actor=org, period_id=quarter.id, excellent_cap_percent=EXCELLENT_CAP
            )
        with then(clock.at_local(quarter.ends_on + timedelta(days=5), time(16, 0))):
            graded += len(
                evaluations.grade_many(
                    actor=community_admin,
                    period_id=quarter.id,
                    community_id=community.id,
                    items=_grades(rng, members, places),
                )
            )
    return graded


def _lock_first_quarter(org: Actor, first: Period, community: Area) -> int:
    """Lock Q1 a fortnight after it ended; a month later the org adjusts one of its records."""
    with then(clock.at_local(first.ends_on + timedelta(days=14), time(10, 0))):
        locking.lock(actor=org, period_id=first.id)
    record_id = db.session.scalar(
        select(ServiceRecord.id)
        .where(
            ServiceRecord.area_path == community.path,
            ServiceRecord.status == RecordStatus.CONFIRMED,
            ServiceRecord.service_date.between(first.starts_on, first.ends_on),
        )
        .order_by(ServiceRecord.id.desc())
        .limit(1)
    )
    assert record_id is not None
    with then(clock.at_local(first.ends_on + timedelta(days=45), time(10, 0))):
        locking.adjust_locked(
            actor=org,
            period_id=first.id,
            record_id=record_id,
            minutes=-30,
            reason="审计核实：签退时间晚于活动结束，核减半小时",
        )
    return 1


def _overlap(community: Area) -> None:
    """One member also recorded on a second shift that overlaps one they served."""
    record = db.session.scalars(
        select(ServiceRecord)
        .where(
            ServiceRecord.area_path == community.path,
            ServiceRecord.status == RecordStatus.CONFIRMED,
        )
        .order_by(ServiceRecord.id.desc())
        .limit(1)
    ).one()
    shift = record.shift
    second = activity_shift(community, record.service_date, 3, at=time(10, 0), title="敬老慰问")
    assert shift.starts_at < second.ends_at and second.starts_at < shift.ends_at
    serve_shift(random.Random(1), second, [record.member_id])  # noqa: S311 (demo data)


def seed_audit(
    *, org_account_id: int, community_admin_account_id: int, community: Area
) -> AuditDemo:
    """Evaluations, a lock and the anomalies of the demo city's year (see the docstring)."""
    rng = random.Random(20261205)  # noqa: S311 (demo data, nothing secret)
    org, community_admin = (
        Actor(account_id=org_account_id),
        Actor(account_id=community_admin_account_id),
    )
    quarters = list(
        db.session.scalars(
            select(Period)
            .where(
                Period.kind == PeriodKind.QUARTER,
                Period.starts_on > clock.today() - timedelta(days=364),
                Period.ends_on < clock.today(),
            )
            .order_by(Period.starts_on)
        )
    )
    graded = _evaluate(rng, org, community_admin, community, quarters)
    locked = _lock_first_quarter(org, quarters[0], community) if quarters else 0
    _overlap(community)
    # The detectors read what has settled for a few minutes: run them as a job would later.
    with then(clock.now() + timedelta(minutes=15)):
        for detector in (records, ledger, refusals, outliers):
            detector.scan(clock.now())
    found = db.session.scalar(select(func.count()).select_from(Anomaly)) or 0
    return AuditDemo(graded, locked, found)
