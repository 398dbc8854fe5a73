"""The jobs runner.

``flask jobs run`` runs every due job once and exits, so cron may call it every minute. A
job is a function of the current time that does a bounded amount of idempotent work and
returns counts for the log; it registers itself with ``@job(name, every=…)``. Each job runs
in its own transaction, holding its ``job_state`` row locked (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the database write lock on SQLite), so a second runner started meanwhile skips
it instead of doing the work twice; a job that fails is rolled back and logged, and the
others still run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sunshine import clock
from sunshine.database import insert_or_skip
from sunshine.extensions import db
from sunshine.jobs.models import JobState

log = logging.getLogger(__name__)

JobFunction = Callable[[datetime], dict[str, int]]
# Every module that registers jobs, imported before a run (as routes.BLUEPRINTS lists the APIs).
JOB_MODULES = (
    "sunshine.anomalies.jobs",
    "sunshine.attendance.jobs",
    "sunshine.exports.jobs",
    "sunshine.hours.jobs",
    "sunshine.moderation.jobs",
    "sunshine.notify.jobs",
)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFunction


JOBS: dict[str, Job] = {}


def job(name: str, *, every: timedelta) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` to run at most once per ``every``."""

    def register(function: JobFunction) -> JobFunction:
        if name in JOBS:
            raise ValueError(f"job {name!r} is registered twice")
        JOBS[name] = Job(name, every, function)
        return function

    return register


def _ensure_states(names: list[str]) -> None:
    """Give every job its state row, committed before any job runs: a row inserted in a job's
    own transaction would be invisible to a second runner, which would insert it too and
    fail on the key once the first commits."""
    known = set(db.session.scalars(select(JobState.name)))
    missing = [{"name": name} for name in names if name not in known]
    if missing:
        dialect = db.session.get_bind().dialect.name
        db.session.execute(insert_or_skip(JobState, dialect, key=["name"]), missing)
    db.session.commit()


def _claim(name: str) -> JobState | None:
    """Lock the job's state row; None when another runner holds it."""
    return db.session.scalar(
        select(JobState)
        .where(JobState.name == name)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def run_due(now: datetime | None = None, *, only: str | None = None) -> dict[str, Any]:
    """Run every job that is due (or just ``only``, due or not); return what each did."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    chosen = sorted(name for name in JOBS if only is None or name == only)
    _ensure_states(chosen)
    results: dict[str, Any] = {}
    for name in chosen:
        entry = JOBS[name]
        moment = now or clock.now()
        try:
            state = _claim(name)
            if state is None:
                results[name] = "skipped: running elsewhere"
                db.session.rollback()
                continue
            due = state.last_started_at is None or moment - state.last_started_at >= entry.every
            if not due and only is None:
                results[name] = "not due"
                db.session.rollback()
                continue
            state.last_started_at = moment
            counts = entry.run(moment)
            state.last_finished_at, state.last_result = clock.now(), counts
            db.session.commit()
            results[name] = counts
            log.info("job %s done: %s", name, counts)
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s failed", name)
            results[name] = f"failed: {type(exc).__name__}"
    return results
