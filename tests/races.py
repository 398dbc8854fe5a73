"""The race harness: requests that commit for real, released together, on a throw-away database.

Tests otherwise run inside one rolled-back transaction on one connection, which cannot show a
race. A race test takes the ``race_app`` fixture (tests/conftest.py) instead of ``app``: the
app on a database of the test module's own, copied from a migrated template and dropped when
the module ends, so nothing committed needs deleting. Its requests then each run on a
connection of their own and commit for real; the threads sending them start together at a
``threading.Barrier``. Setup written before the race must be committed too (the builders
commit); on SQLite end any read of the test's own session before racing (``db.session.close()``),
as an open transaction holds the database's one write lock.
"""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.pool import NullPool
from werkzeug.test import TestResponse

from sunshine.database import configure_engine
from sunshine.extensions import db

# A request: (method, url, json or None, headers), or a function sending it with a client.
Request = (
    tuple[str, str, dict[str, Any] | None, dict[str, str]] | Callable[[FlaskClient], TestResponse]
)
Result = tuple[int, Any]

# Throw-away databases -----------------------------------------------------------------------

_serial = itertools.count(1)


def throwaway_url(main_url: str, directory: Path, label: str | None = None) -> str:
    """A new database's URL next to the suite's own: on PostgreSQL ``<name>_<label>`` on the
    same server, on SQLite a file in ``directory``. Without a label, a fresh one each call."""
    label = label or f"race{next(_serial)}"
    url = sa.make_url(main_url)
    if url.get_backend_name() == "sqlite":
        return url.set(database=str(directory / f"{label}.sqlite3")).render_as_string(False)
    return url.set(database=f"{url.database}_{label}").render_as_string(False)


def _on_server(main_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE) from the suite's database."""
    engine = sa.create_engine(main_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def create_database(main_url: str, url: str, *, template: str | None = None) -> None:
    """An empty database at ``url``, or a copy of ``template`` (a migrated one)."""
    target = sa.make_url(url)
    if target.get_backend_name() == "sqlite":
        path = Path(str(target.database))
        drop_database(main_url, url)
        if template is None:
            path.touch()
        else:
            shutil.copyfile(str(sa.make_url(template).database), path)
        return
    copy = f' TEMPLATE "{sa.make_url(template).database}"' if template else ""
    _on_server(
        main_url,
        f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)',
        f'CREATE DATABASE "{target.database}"{copy}',
    )


def drop_database(main_url: str, url: str) -> None:
    """Drop the database at ``url`` (closing any connection left to it); none is fine."""
    target = sa.make_url(url)
    if target.get_backend_name() == "sqlite":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{target.database}{suffix}").unlink(missing_ok=True)
        return
    _on_server(main_url, f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def drop_leftovers(main_url: str) -> None:
    """Drop the throw-away databases a killed run left on the server (PostgreSQL only: SQLite's
    files live in pytest's temporary directory)."""
    url = sa.make_url(main_url)
    if url.get_backend_name() == "sqlite":
        return
    engine = sa.create_engine(main_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = conn.scalars(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{url.database}\\_%"},
            ).all()
    finally:
        engine.dispose()
    for name in names:
        if name.startswith(f"{url.database}_race") or name == f"{url.database}_template":
            drop_database(main_url, url.set(database=name).render_as_string(False))


def engine_for(app: Flask, url: str) -> sa.Engine:
    """An engine on ``url`` made as the app makes its own (options, time zone, SQLite locking)."""
    engine = sa.create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    configure_engine(engine, sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    return engine


@contextmanager
def bound_to(app: Flask, engine: sa.Engine | sa.Connection) -> Iterator[None]:
    """The app's database is ``engine`` inside the block."""
    engines = db._app_engines[app]
    previous = engines[None]
    engines[None] = engine  # type: ignore[assignment]
    try:
        yield
    finally:
        engines[None] = previous


# Watching the racers ------------------------------------------------------------------------


class Traffic:
    """What each thread is doing on the app's database, while the block runs.

    ``wait_until_stuck(threads)`` returns once every one of the threads has finished, or is
    about to run SQL starting with ``hold``, or waits inside the database for a lock another
    transaction holds. On SQLite every transaction takes the one write lock at its BEGIN
    (``BEGIN IMMEDIATE``): a thread inside its BEGIN while another transaction is open waits
    for it. On PostgreSQL the server says who waits for whom (``pg_blocking_pids``), which is
    asked every few milliseconds until it is so.

    With ``hold``, the first thread to run SQL starting with ``hold`` stops just before it,
    inside its open transaction, until the other ``racers`` are stuck as above: they then run
    their checks while its write is still uncommitted.
    """

    def __init__(self, hold: str | None = None, *, timeout: float = 30.0) -> None:
        self.engine = db.engine
        self.hold = hold.upper() if hold else None
        self.timeout = timeout
        self.racers: list[threading.Thread] = []
        self.problems: list[str] = []
        self._running: dict[int | None, str] = {}  # thread → the statement it runs now
        self._pids: dict[int | None, int] = {}  # thread → its PostgreSQL backend
        self._holder: int | None = None
        self._mutex = threading.Lock()
        self._monitor: Any = None

    def __enter__(self) -> Traffic:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        sa.event.listen(self.engine, "handle_error", self._failed)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)
        sa.event.remove(self.engine, "handle_error", self._failed)
        if self._monitor is not None:
            self._monitor.close()

    def _holds(self, statement: str) -> bool:
        return self.hold is not None and statement.lstrip().upper().startswith(self.hold)

    def _before(self, conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        me = threading.get_ident()
        with self._mutex:
            self._running[me] = statement
            if self.engine.dialect.name == "postgresql":
                self._pids[me] = cursor.connection.info.backend_pid
            first = self._holds(statement) and self._holder is None
            if first:
                self._holder = me
        if first:
            others = [t for t in self.racers if t.ident != me]
            if not self.wait_until_stuck(others):
                self.problems.append(f"the others never got stuck behind {statement!r}")

    def _after(self, *_args: Any) -> None:
        with self._mutex:
            self._running.pop(threading.get_ident(), None)

    def _failed(self, _context: Any) -> None:
        self._after()

    def wait_until_stuck(self, threads: Sequence[threading.Thread]) -> bool:
        """Wait until each thread has finished, reached ``hold`` or waits for a lock: whether
        that happened within the timeout."""
        deadline = time.monotonic() + self.timeout
        while not all(self._stuck(thread) for thread in threads):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)  # polling a condition: how long it takes is up to the racers
        return True

    def _stuck(self, thread: threading.Thread) -> bool:
        if thread.ident is None:  # not started yet
            return False
        if not thread.is_alive():
            return True
        with self._mutex:
            statement = self._running.get(thread.ident)
            pid = self._pids.get(thread.ident)
        if statement is None:
            return False
        if self._holds(statement):
            return True
        if self.engine.dialect.name == "sqlite":
            return statement.lstrip().upper().startswith("BEGIN")
        return pid is not None and self._waits_for_a_lock(pid)

    def _waits_for_a_lock(self, pid: int) -> bool:
        if self._monitor is None:  # a raw connection: its queries are not traffic
            self._monitor = self.engine.raw_connection()
        cursor = self._monitor.cursor()
        try:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", (pid,))
            (waits,) = cursor.fetchone()
        finally:
            cursor.close()
            self._monitor.rollback()
        return bool(waits)


# Racing requests ----------------------------------------------------------------------------


def _send(client: FlaskClient, request: Request) -> Result:
    if callable(request):
        response = request(client)
    else:
        method, url, body, headers = request
        response = client.open(url, method=method, json=body, headers=headers)
    return response.status_code, response.json


def race(app: Flask, requests: Sequence[Request], *, hold: str) -> list[Result]:
    """Send the requests at the same moment, each from its own thread and connection.

    The first request to run SQL starting with ``hold`` (say ``INSERT INTO report_in``) stops
    just before it, inside its open transaction, until each of the others has finished,
    reached ``hold`` too, or waits for a lock (``Traffic``): without a lock or a unique index
    they would all write. Returns (status, json) of each request, in order.
    """
    db.session.close()  # SQLite: a read left open here would keep every request from committing
    start = threading.Barrier(len(requests), timeout=10)
    results: list[Result | BaseException | None] = [None] * len(requests)

    def send(i: int, request: Request) -> None:
        try:
            client = app.test_client()
            start.wait()
            results[i] = _send(client, request)
        except BaseException as exc:  # handed to the test below
            results[i] = exc

    with Traffic(hold) as traffic:
        traffic.racers = [
            threading.Thread(target=send, args=(i, request)) for i, request in enumerate(requests)
        ]
        for thread in traffic.racers:
            thread.start()
        for thread in traffic.racers:
            thread.join(timeout=90)
    assert not traffic.problems, traffic.problems
    done: list[Result] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None, "a request did not finish"
        done.append(result)
    return done


def flood(
    app: Flask, requests: Sequence[Request], *, threads: int, timeout: float = 45.0
) -> list[Result]:
    """Send every request from a pool of ``threads`` threads, one test client each; the first
    wave leaves together. Returns (status, json) of each request, in order.

    The app's connection pool (5 + 10 overflow) makes threads beyond 15 queue for a connection
    (at most ``pool_timeout``, 30 s), which is fine: every transaction contends for the same
    rows anyway.
    """
    db.session.close()  # SQLite: a read left open here would keep every request waiting
    threads = min(threads, len(requests))
    local = threading.local()
    start = threading.Barrier(threads, timeout=10)

    def send(request: Request) -> Result:
        client: FlaskClient | None = getattr(local, "client", None)
        if client is None:
            client = local.client = app.test_client()
            start.wait()
        return _send(client, request)

    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        futures = [pool.submit(send, request) for request in requests]
        _, pending = wait(futures, timeout=timeout)
        assert not pending, f"{len(pending)} requests did not finish in {timeout} s"
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
