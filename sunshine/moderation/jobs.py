"""Scheduled jobs of the content check (run by ``flask jobs run``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sunshine.jobs.runner import job


@job("moderation.recheck", every=timedelta(minutes=1))
def recheck(now: datetime) -> dict[str, int]:
    """Ask WeChat again about text held because it could not answer (fail closed)."""
    from sunshine.moderation import service

    return service.recheck_pending(now)
