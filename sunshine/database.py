"""Declarative base, shared column types and engine setup for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Engine, Enum, Insert, Integer, MetaData, Table, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from sunshine import clock

# Stable constraint names: Alembic batch mode on SQLite needs them to alter tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A model's Table, for plain-SQL statements (``__table__`` is typed as a FromClause)."""
    return cast(Table, model.__table__)


def insert_or_skip(target: type[Base] | Table, dialect: str, *, key: Sequence[str]) -> Insert:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` in the dialect's own form (SQLite or
    PostgreSQL): a row that a parallel transaction inserted first is left alone, not an error."""
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return insert(target).on_conflict_do_nothing(index_elements=list(key))


# Ledger-sized tables use 64-bit keys on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table."""


def append_only(*models: type[Base]) -> None:
    """Make the ORM refuse to update or delete rows of these models.

    The migrations add database triggers that refuse the same, for writes that bypass the
    ORM; ``flask ledger verify`` catches what bypasses both.
    """

    def refuse(_mapper: Any, _connection: Any, target: Any) -> None:
        raise AppendOnlyError(f"{target.__tablename__} {target.id} is append-only")

    for model in models:
        event.listen(model, "before_update", refuse)
        event.listen(model, "before_delete", refuse)


def str_enum(cls: type[StrEnum], length: int = 16) -> Enum:
    """A string enum stored as its values in a VARCHAR (no database enum type to migrate)."""
    return Enum(
        cls,
        native_enum=False,
        length=length,
        create_constraint=False,
        values_callable=lambda e: [m.value for m in e],
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC: the column default, read from the one clock."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive
    UTC and made aware again on the way out. Naive datetimes are refused on the way in: they
    are a bug in the caller, not something to guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # PostgreSQL's, as configure_engine sets it
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_engine(engine: Engine, *, sqlite_busy_timeout_ms: int = 5000) -> None:
    """Make each database behave as the app expects.

    PostgreSQL: every connection's session time zone is UTC, whatever the server's default
    (a Chinese deployment may well set Asia/Shanghai). SQL that casts or truncates a
    timestamp then means the same on every server, and psycopg returns ``datetime.UTC``
    values, which ``UTCDateTime`` passes through untouched (with the server's 'Etc/UTC' it
    converted every value: ~1,000 per feed request).

    SQLite: pysqlite opens transactions lazily and ignores SAVEPOINT semantics; the documented
    recipe (SQLAlchemy "Serializable isolation / Savepoints / Transactional DDL") hands
    transaction control to SQLAlchemy. Foreign keys are off by default in SQLite and turned on
    here; writers wait up to ``sqlite_busy_timeout_ms`` for each other.
    """
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _utc(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("SET TIME ZONE 'UTC'")
            dbapi_connection.commit()

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front. With a deferred BEGIN a transaction that has
        # read (every request reads its token) cannot wait for the write lock, and SQLite
        # refuses a second writer at once; this way writers queue for busy_timeout instead,
        # as they would on PostgreSQL's row locks. SQLite is the embedded default, not the
        # production database, so serialising its transactions is the right trade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
