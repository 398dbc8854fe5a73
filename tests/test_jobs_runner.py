"""The jobs runner under two runners at once, committing for real on the module's throw-away
database (``race_app``).

cron may start a runner while the last one still works. The second must not run a job the
first holds: on PostgreSQL it skips it (``FOR UPDATE SKIP LOCKED``); on SQLite it waits for
the database's write lock and then finds the job not due. Both must hold on the very first
run too, when no job has a state row yet.
"""

from __future__ import annotations

import importlib
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.jobs import runner
from sunshine.jobs.models import JobState
from tests.races import Traffic

NAME = "tests.slow"


def test_a_second_runner_never_runs_a_job_the_first_holds_even_on_the_first_run(
    race_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    runs: list[datetime] = []

    def slow(now: datetime) -> dict[str, int]:
        runs.append(now)
        entered.set()
        release.wait(10)
        return {"done": 1}

    for module in runner.JOB_MODULES:  # registered now, into the real registry
        importlib.import_module(module)
    monkeypatch.setattr(runner, "JOBS", {NAME: runner.Job(NAME, timedelta(hours=1), slow)})
    results: dict[str, dict[str, Any]] = {}

    def run(label: str) -> None:
        with race_app.app_context():
            results[label] = runner.run_due()

    with Traffic() as traffic:
        first = threading.Thread(target=run, args=("first",))
        first.start()
        assert entered.wait(10), "the first runner never started the job"
        second = threading.Thread(target=run, args=("second",))
        second.start()
        # PostgreSQL: skipped at once; SQLite: waits for the write lock the first one holds.
        assert traffic.wait_until_stuck([second]), "the second runner neither ended nor waited"
        release.set()
        first.join(30)
        second.join(60)
        state = db.session.scalar(select(JobState).where(JobState.name == NAME))

    assert len(runs) == 1
    assert results["first"] == {NAME: {"done": 1}}
    assert results["second"][NAME] in ("skipped: running elsewhere", "not due")
    assert state is not None and state.last_result == {"done": 1}
