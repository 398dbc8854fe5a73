"""The anomaly detectors as scheduled jobs (run by ``flask jobs run``).

Each detector is a job of its own: its own transaction, its own watermark, its own entry in
``job_state``. The detectors of new rows run every few minutes (a run reads what was written
since the last); the outlier detector, whose figures move slowly, hourly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sunshine.anomalies.detectors import ledger, outliers, records, refusals
from sunshine.jobs.runner import job


@job("anomalies.scan_records", every=timedelta(minutes=5))
def scan_records(now: datetime) -> dict[str, int]:
    """Overlapping records, more than 10 hours a day, flagged and far punches."""
    return records.scan(now)


@job("anomalies.scan_ledger", every=timedelta(minutes=5))
def scan_ledger(now: datetime) -> dict[str, int]:
    """Confirmations after their deadline, adjustments after a period was locked."""
    return ledger.scan(now)


@job("anomalies.scan_refusals", every=timedelta(minutes=5))
def scan_refusals(now: datetime) -> dict[str, int]:
    """Refused attempts of admins to decide on their own records."""
    return refusals.scan(now)


@job("anomalies.scan_outliers", every=timedelta(hours=1))
def scan_outliers(now: datetime) -> dict[str, int]:
    """Members far above their community's distribution in a period."""
    return outliers.scan(now)
