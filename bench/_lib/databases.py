"""The bench database: checks on its URL, creating, wiping and migrating it, data markers,
bulk loading with COPY, EXPLAIN, and the SQL statements the app's engine runs.

A bench wipes the database it is given, so its name must contain "bench" (unless the bench
was given ``--allow-any-database``), and PostgreSQL must be on this machine: the benches only
talk to 127.0.0.1.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask_migrate
import psycopg
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.engine import make_url

from _lib.report import log
from sunshine.config import normalise_database_url

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def conninfo_of(url: str) -> str:
    """A libpq URL for psycopg from a SQLAlchemy-style one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backend_of(url: str) -> str:
    """ "sqlite" or "postgresql"."""
    return make_url(normalise_database_url(url)).get_backend_name()


def check_url(url: str, allow_any: bool) -> None:
    """Refuse a database a bench must not wipe: not SQLite or PostgreSQL, PostgreSQL on
    another host, or a name without "bench" (unless ``allow_any``)."""
    parsed = make_url(normalise_database_url(url))
    name = parsed.database or ""
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SystemExit(f"unsupported database {backend!r}")
    if backend == "postgresql" and parsed.host not in LOCAL_HOSTS:
        raise SystemExit(f"refusing host {parsed.host!r}: the benches only talk to 127.0.0.1")
    if backend == "sqlite" and (not name or name == ":memory:"):
        raise SystemExit("SQLite needs a file")
    if not allow_any and "bench" not in Path(name).name.lower():
        raise SystemExit(
            f"refusing to wipe database {name!r}: its name does not contain 'bench' "
            "(pass --allow-any-database to wipe it anyway)"
        )


def ensure_database(url: str, allow_any: bool) -> None:
    """Check the URL and create the PostgreSQL database if it is missing."""
    check_url(url, allow_any)
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        return
    name = parsed.database or ""
    maintenance = conninfo_of(str(parsed.set(database="postgres")))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log(f"created database {name}")


def ensure_postgres(url: str, allow_any: bool) -> None:
    """``ensure_database`` for a bench that needs PostgreSQL."""
    if backend_of(url) != "postgresql":
        raise SystemExit("this bench needs PostgreSQL")
    ensure_database(url, allow_any)


def wipe(conninfo: str) -> None:
    """Drop and recreate the public schema (PostgreSQL)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")  # a stray session: fail
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def prepare_database(url: str, allow_any: bool) -> str:
    """An empty database: the SQLite file deleted, or the PostgreSQL database created if
    missing and its public schema dropped and recreated. Returns "SQLite x" or "PostgreSQL x"."""
    ensure_database(url, allow_any)
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path((parsed.database or "") + suffix).unlink(missing_ok=True)
        return f"SQLite {sqlite3.sqlite_version}"
    conninfo = conninfo_of(url)
    wipe(conninfo)
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return f"PostgreSQL {str(version).split()[0]}"


def migrate(app: Any) -> None:
    """``flask db upgrade`` in this process."""
    with app.app_context():
        flask_migrate.upgrade()


# Data markers: what a bench generated, kept as the database's comment (for --reuse) -----------


def current_marker(conninfo: str) -> str | None:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).fetchone()
        return row[0] if row else None


def set_marker(conninfo: str, marker: str | None) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(marker)
            )
        )


# Bulk loading --------------------------------------------------------------------------------


def copy_table(
    cur: psycopg.Cursor[Any], table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """COPY rows (values in ``columns`` order) into a table (foreign keys checked as usual);
    with an ``id`` column first, its sequence moves past the largest id."""
    if not rows:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
    if columns[0] == "id":
        cur.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), {})").format(
                sql.Literal(table), sql.Literal(max(r[0] for r in rows))
            )
        )


def drop_indexes(cur: psycopg.Cursor[Any], tables: list[str]) -> list[str]:
    """Drop the secondary indexes and unique constraints of ``tables`` (not their primary
    keys, so no foreign key needs dropping) and return the statements that build them again,
    for a bulk load: building an index once after the load is several times faster than
    updating it row by row. Runs in the caller's transaction."""
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        (tables,),
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "AND c.conrelid = i.indrelid) ORDER BY 1",
        (tables,),
    )
    indexes = cur.fetchall()
    recreate = []
    for table, name, definition in constraints:
        cur.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
        recreate.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        recreate.append(definition)
    return recreate


class Rows:
    """Rows to load, per table, COPY'd in the order the tables were first given rows (give
    them in foreign-key order); every row of a table has the same columns."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}

    def add(self, table: str, **row: Any) -> None:
        columns, rows = self.tables.setdefault(table, (list(row), []))
        rows.append(tuple(row[c] for c in columns))

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, (_, rows) in self.tables.items()}

    def copy(self, conninfo: str) -> dict[str, float]:
        """COPY every table; returns the seconds each took."""
        seconds = {}
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            for name, (columns, rows) in self.tables.items():
                started = time.perf_counter()
                copy_table(cur, name, columns, rows)
                seconds[name] = time.perf_counter() - started
        return seconds


# Plans and statements ------------------------------------------------------------------------


def explain(conninfo: str, statement: str, params: Any = None, setup: str | None = None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement; ``setup`` runs first in the same
    transaction, which is rolled back (an index tried out leaves nothing behind)."""
    with psycopg.connect(conninfo) as conn:
        try:
            if setup:
                conn.execute("SET LOCAL lock_timeout = '5s'")
                conn.execute(setup)  # type: ignore[arg-type]
            rows = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement,  # type: ignore[arg-type]
                params,
            ).fetchall()
        finally:
            conn.rollback()
        return "\n".join(r[0] for r in rows)


def inline(statement: str, params: dict[str, Any]) -> str:
    """The statement with its (psycopg, named) parameters written in, for reading."""

    def literal(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"%\((\w+)\)s", literal, statement).replace("%%", "%")


@dataclass
class SqlLog:
    """Statements the app's engine ran, with their parameters and durations."""

    statements: list[tuple[str, Any, float]] = field(default_factory=list)
    _started: float = 0.0

    def attach(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements.append((statement, params, time.perf_counter() - self._started))


def by_table(
    statements: list[tuple[str, Any, float]], label: Any = None
) -> list[tuple[str, int, float]]:
    """(what, statements, ms) of one request, grouped by the table each statement reads
    (``label(statement, table)`` may name a group better), in the order first seen."""
    groups: dict[str, list[float]] = defaultdict(list)
    for statement, _, seconds in statements:
        match = re.search(r"\bFROM (\w+)", statement)
        what = match.group(1) if match else statement.split()[0]
        if label is not None:
            what = label(statement, what)
        groups[what].append(seconds * 1000)
    return [(k, len(v), sum(v)) for k, v in groups.items()]
