"""An import's time budget reaches its database work: a statement after the end is refused,
and on PostgreSQL every statement is cut off at the end by ``statement_timeout``."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import select, text

from sunshine.extensions import db
from sunshine.imports.budget import NO_DEADLINE, Deadline, database_work
from sunshine.imports.refusals import OverBudget


def test_a_statement_after_the_budget_is_refused(app: Flask) -> None:
    spent = Deadline(seconds=20, at=time.monotonic() - 0.1)

    with pytest.raises(OverBudget) as refused, database_work(spent):
        db.session.execute(select(1))

    assert (refused.value.status, refused.value.code) == (413, "import.over_budget")
    db.session.rollback()
    # The check ends with the block: the session's statements run again.
    assert db.session.scalar(select(2)) == 2


def test_statements_within_the_budget_run(app: Flask) -> None:
    deadline = Deadline.after(20)

    with database_work(deadline):
        assert db.session.scalar(select(1)) == 1
        if db.engine.dialect.name == "postgresql":
            timeout = db.session.scalar(text("SHOW statement_timeout"))
            assert timeout != "0" and timeout.endswith(("s", "ms"))


def test_no_budget_sets_nothing(app: Flask) -> None:
    with database_work(NO_DEADLINE):
        assert db.session.scalar(select(1)) == 1
        if db.engine.dialect.name == "postgresql":
            assert db.session.scalar(text("SHOW statement_timeout")) == "0"
