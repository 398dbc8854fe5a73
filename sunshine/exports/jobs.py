"""Scheduled jobs of exports (run by ``flask jobs run``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sunshine.jobs.runner import job


@job("exports.run", every=timedelta(minutes=1))
def run_exports(now: datetime) -> dict[str, int]:
    """Write the pending exports, oldest first (committing their progress as they go)."""
    from sunshine.exports import service

    return service.run_pending(now)


@job("exports.delete_expired", every=timedelta(minutes=10))
def delete_expired(now: datetime) -> dict[str, int]:
    """Delete the files of exports past their download time."""
    from sunshine.exports import service

    return service.delete_expired(now)
