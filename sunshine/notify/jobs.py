"""Scheduled jobs of the notify domain (run by ``flask jobs run``; the worker does the same
sending continuously: ``flask notify worker``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sunshine.jobs.runner import job
from sunshine.notify import reminders, sender


@job("notify.remind", every=timedelta(minutes=1))
def remind(now: datetime) -> dict[str, int]:
    """Write the reminders due now (once per signup and offset)."""
    return {"written": reminders.produce(now)}


@job("notify.send", every=timedelta(minutes=1))
def send(now: datetime) -> dict[str, int]:
    """Send the outbox's due messages (bounded; a worker, if running, shares the rows)."""
    return sender.drain(limit=5000)
