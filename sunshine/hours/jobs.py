"""Scheduled jobs of the hours domain (run by ``flask jobs run``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update

from sunshine import clock
from sunshine.extensions import db
from sunshine.hours.calendar import add_working_days
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.jobs.runner import job

# PRODUCT rule 10: records still unconfirmed 10 working days after the shift are overdue.
OVERDUE_AFTER_WORKING_DAYS = 10


def overdue_before(now: datetime) -> date:
    """Pending records dated before this day are overdue at ``now``.

    A record of day d is overdue once its deadline, the 10th working day after d, is
    before today (Shanghai): that is, once 10 working days lie strictly between d and
    today — exactly when d is before the 10th working day counted back from today.
    """
    return add_working_days(clock.local_date(now), -OVERDUE_AFTER_WORKING_DAYS)


@job("hours.flag_overdue", every=timedelta(hours=1))
def flag_overdue(now: datetime) -> dict[str, int]:
    """Flag pending records past their confirmation deadline (one UPDATE, idempotent)."""
    result = db.session.execute(
        update(ServiceRecord)
        .where(
            ServiceRecord.status == RecordStatus.PENDING,
            ServiceRecord.overdue.is_(False),
            ServiceRecord.service_date < overdue_before(now),
        )
        .values(overdue=True)
        .execution_options(synchronize_session=False)
    )
    return {"flagged": result.rowcount}  # type: ignore[attr-defined]


@job("hours.sign_ledger_digest", every=timedelta(hours=1))
def sign_ledger_digest(now: datetime) -> dict[str, int]:
    """Sign today's digest of every chain's head (once per Shanghai day; hourly retries)."""
    from sunshine.hours.ledger import digests

    row = digests.sign_today(now)
    return {"signed": 0 if row is None else 1, "chains": 0 if row is None else row.chains}


@job("hours.run_ledger_verifications", every=timedelta(minutes=1))
def run_ledger_verifications(now: datetime) -> dict[str, int]:
    """Run the admins' pending verification requests (a few per run, oldest first)."""
    from sunshine.hours import verifications

    return {"verified": verifications.run_pending(now)}
