"""The database's two roles on PostgreSQL, and backups (design: docs/database-roles.md).

**Roles.** The *owner* role owns the schema and every table; migrations run as it
(``DATABASE_OWNER_URL``). The *application* role (the user of ``DATABASE_URL``) owns nothing:
it may SELECT, INSERT, UPDATE and DELETE on ordinary tables, only SELECT and INSERT on the
append-only ones (``APPEND_ONLY_TABLES``: the ledgers, punches, the security log, evaluation
versions, consent records), only SELECT on ``alembic_version``, and never TRUNCATE, TRIGGER or
REFERENCES. Not owning the tables it cannot ``ALTER TABLE … DISABLE TRIGGER``; not being a
superuser it cannot ``SET session_replication_role = replica``. ``grant_app_role`` gives
exactly these privileges (idempotent; every ``flask db upgrade`` run with an owner URL calls
it after the migrations, so a table a migration adds is never forgotten) and sets the owner's
default privileges as a safety net. ``app_role_problems`` checks a role against them.

**Backups.** PostgreSQL: ``pg_dump``/``pg_restore`` (documented, not wrapped). SQLite, the
demo's database: ``sqlite_backup`` copies a live database with SQLite's online backup API.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Written once, never changed: the ORM refuses UPDATE and DELETE (``database.append_only``,
# consent's own listener), triggers refuse them too, and the application role has no such
# privilege on them. A table the migrations guard with an append-only trigger must be here
# (tests/ops/test_database_roles.py checks both ways).
APPEND_ONLY_TABLES = (
    "security_event",
    "punch",
    "hours_entry",
    "points_entry",
    "evaluation_version",
    "consent_record",
)
# Alembic's bookkeeping: the application reads the revision (it never migrates).
READ_ONLY_TABLES = ("alembic_version",)
WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND = ("SELECT", "INSERT")
READ = ("SELECT",)
EVERY_PRIVILEGE = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _tables(connection: Connection, schema: str) -> list[str]:
    return list(
        connection.scalars(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            ),
            {"schema": schema},
        )
    )


def privileges_for(table: str) -> tuple[str, ...]:
    """What the application role may do on ``table``."""
    if table in APPEND_ONLY_TABLES:
        return APPEND
    if table in READ_ONLY_TABLES:
        return READ
    return WRITE


def grant_statements(connection: Connection, app_role: str, *, schema: str = "public") -> list[str]:
    """The statements that give ``app_role`` exactly its privileges on every table of
    ``schema``, run as the owner (the current user of ``connection``)."""
    role = _quote(connection, app_role)
    owner = _quote(connection, connection.scalar(sa.text("SELECT current_user")))
    space = _quote(connection, schema)
    statements = [
        f"REVOKE CREATE ON SCHEMA {space} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {space} TO {role}",
        f"REVOKE CREATE ON SCHEMA {space} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {space} TO {role}",
        # Tables a migration adds before the grants are next run: ordinary privileges (and an
        # append-only table loses UPDATE and DELETE when they run, after every upgrade).
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {space} "
        f"GRANT {', '.join(WRITE)} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {space} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table in _tables(connection, schema):
        name = f"{space}.{_quote(connection, table)}"
        statements.append(f"REVOKE ALL ON {name} FROM {role}")
        statements.append(f"GRANT {', '.join(privileges_for(table))} ON {name} TO {role}")
    return statements


def grant_app_role(connection: Connection, app_role: str, *, schema: str = "public") -> int:
    """Give ``app_role`` its privileges (idempotent); the number of tables granted on."""
    if connection.dialect.name != "postgresql":
        raise RuntimeError("database roles exist on PostgreSQL only (SQLite is for the demo)")
    for statement in grant_statements(connection, app_role, schema=schema):
        connection.exec_driver_sql(statement)
    return len(_tables(connection, schema))


def app_role_problems(
    connection: Connection, app_role: str, *, schema: str = "public"
) -> list[str]:
    """Everything in which ``app_role`` differs from the application's role: attributes that
    override privileges, objects it owns, a privilege too many or one missing on a table."""
    found: list[str] = []
    attributes = connection.execute(
        sa.text(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication "
            "FROM pg_roles WHERE rolname = :role"
        ),
        {"role": app_role},
    ).one_or_none()
    if attributes is None:
        return [f"no role named {app_role}"]
    names = ("SUPERUSER", "BYPASSRLS", "CREATEROLE", "CREATEDB", "REPLICATION")
    found += [f"role has {name}" for name, value in zip(names, attributes, strict=True) if value]
    owned = connection.scalars(
        sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND pg_get_userbyid(c.relowner) = :role "
            "UNION ALL SELECT nspname FROM pg_namespace "
            "WHERE nspname = :schema AND pg_get_userbyid(nspowner) = :role"
        ),
        {"schema": schema, "role": app_role},
    ).all()
    found += [f"owns {name}" for name in owned]
    if connection.scalar(
        sa.text("SELECT has_schema_privilege(:role, :schema, 'CREATE')"),
        {"role": app_role, "schema": schema},
    ):
        found.append(f"may CREATE in schema {schema}")
    for table in _tables(connection, schema):
        qualified = f"{schema}.{table}"
        allowed = privileges_for(table)
        for privilege in EVERY_PRIVILEGE:
            has = connection.scalar(
                sa.text("SELECT has_table_privilege(:role, :table, :privilege)"),
                {"role": app_role, "table": qualified, "privilege": privilege},
            )
            if has and privilege not in allowed:
                found.append(f"may {privilege} on {table}")
            elif not has and privilege in allowed:
                found.append(f"may not {privilege} on {table}")
    return found


def problems_text(found: Iterable[str]) -> str:
    return "\n".join(f"- {problem}" for problem in found)


def sqlite_backup(database: str, target: Path) -> None:
    """Copy the SQLite database file ``database`` to ``target`` with SQLite's online backup
    API: a consistent copy even while the app writes (it waits for each write to finish)."""
    if target.exists():
        raise FileExistsError(f"{target} exists: a backup never overwrites a file")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
