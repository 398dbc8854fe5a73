"""The wall-clock budget of an import made over HTTP (``IMPORT_TIME_BUDGET``, 20 s).

gunicorn kills a worker whose request outlives its ``timeout`` (60 s, ``gunicorn.conf.py``);
an import must end well before that with an answer of its own. The budget is checked
cooperatively where the time goes:

- reading the file: every row read (``tabular``), and every few thousand XML elements of the
  bounds scan (``bounds``);
- the database: before every statement the import runs, through a connection event, and on
  PostgreSQL each statement is also cut off by ``statement_timeout`` at the budget's end
  (``SET LOCAL``, so only this transaction);
- whatever Python does between statements is bounded by the file's rows (``bounds``).

Past the budget the import stops with 413 ``import.over_budget`` and writes nothing. The
command line (``flask import``) has no budget: an operator on the server may wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from sunshine.extensions import db
from sunshine.imports.refusals import OverBudget


@dataclass(frozen=True)
class Deadline:
    """When an import must have ended (``time.monotonic``), or None for no budget."""

    seconds: float | None = None
    at: float | None = None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        return cls(seconds, None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def check(self) -> None:
        """Raise ``OverBudget`` once the budget is spent."""
        if self.at is not None and time.monotonic() > self.at:
            raise OverBudget(self.seconds or 0)


NO_DEADLINE = Deadline()


@contextmanager
def database_work(deadline: Deadline) -> Iterator[None]:
    """Hold the database work inside ``with`` to ``deadline`` (module docstring)."""
    if deadline.at is None:
        yield
        return
    connection = db.session.connection()

    def check(*_: Any, **__: Any) -> None:
        deadline.check()

    event.listen(connection, "before_cursor_execute", check)
    try:
        remaining = deadline.remaining() or 0
        if connection.dialect.name == "postgresql":
            milliseconds = max(1, int(remaining * 1000))
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        yield
    except OperationalError:
        # PostgreSQL cancelled a statement at the budget's end (statement_timeout).
        left = deadline.remaining()
        if left is not None and left < 1:
            raise OverBudget(deadline.seconds or 0) from None
        raise
    finally:
        event.remove(connection, "before_cursor_execute", check)
