"""A PostgreSQL deployment as docs/database-roles.md describes it, for the role and backup
tests: an owner role, an application role that owns nothing, a database owned by the owner
and migrated as the owner (``DATABASE_OWNER_URL``), the application connecting as its role.

Roles are cluster-wide, so their names carry the suite's database name (parallel runs use
different ones) and a random suffix; everything is dropped when the tests end, and what a
killed run left behind is dropped at the start of the next.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from sunshine.extensions import db
from tests import races


@dataclass
class Deployment:
    main_url: str  # the suite's database, as the superuser
    owner: str
    app_role: str
    database: str
    engines: dict[tuple[str, str], sa.Engine] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)  # made here, dropped at the end

    def url(self, role: str, database: str | None = None) -> str:
        main = sa.make_url(self.main_url)
        url = main.set(username=role, password=None, database=database or self.database)
        return url.render_as_string(hide_password=False)

    def engine(self, app: Flask, role: str, database: str | None = None) -> sa.Engine:
        """One engine per role and database for the whole run (few connections held)."""
        key = (role, database or self.database)
        if key not in self.engines:
            self.engines[key] = races.engine_for(app, self.url(role, database))
        return self.engines[key]

    def superuser_url(self, database: str | None = None) -> str:
        url = sa.make_url(self.main_url).set(database=database or self.database)
        return url.render_as_string(hide_password=False)


def _prefix(main_url: str) -> str:
    return f"{sa.make_url(main_url).database}__roles_"


def _server(main_url: str, *statements: str) -> None:
    engine = sa.create_engine(main_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def drop_leftovers(main_url: str) -> None:
    """Databases and roles a killed run of this suite (same database name) left behind."""
    prefix = _prefix(main_url)
    engine = sa.create_engine(main_url, poolclass=NullPool)
    like = prefix.replace("_", "\\_") + "%"
    try:
        with engine.connect() as conn:
            databases = conn.scalars(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :like"),
                {"like": like},
            ).all()
            roles = conn.scalars(
                sa.text("SELECT rolname FROM pg_roles WHERE rolname LIKE :like"), {"like": like}
            ).all()
    finally:
        engine.dispose()
    _server(main_url, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in databases))
    _server(main_url, *(f'DROP ROLE IF EXISTS "{name}"' for name in roles))


def create_database(deployment: Deployment, name: str) -> None:
    """An empty database owned by the owner role (as the deploy section creates one)."""
    deployment.databases.append(name)
    _server(deployment.main_url, f'CREATE DATABASE "{name}" OWNER "{deployment.owner}"')


@contextmanager
def deployed(app: Flask, main_url: str) -> Iterator[Deployment]:
    """Roles made, a database made and migrated as the owner; all dropped afterwards."""
    drop_leftovers(main_url)
    prefix = _prefix(main_url)
    suffix = uuid.uuid4().hex[:8]
    deployment = Deployment(
        main_url=main_url,
        owner=f"{prefix}owner_{suffix}",
        app_role=f"{prefix}app_{suffix}",
        database=f"{prefix}db_{suffix}",
    )
    try:
        _server(
            main_url,
            f'CREATE ROLE "{deployment.owner}" LOGIN',
            f'CREATE ROLE "{deployment.app_role}" LOGIN',
        )
        create_database(deployment, deployment.database)
        migrate(app, deployment, deployment.database)
        yield deployment
    finally:
        for engine in deployment.engines.values():
            engine.dispose()
        _server(
            main_url,
            *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in deployment.databases),
        )
        _server(
            main_url,
            f'DROP ROLE IF EXISTS "{deployment.app_role}"',
            f'DROP ROLE IF EXISTS "{deployment.owner}"',
        )


def migrate(app: Flask, deployment: Deployment, database: str) -> None:
    """``flask db upgrade`` as the deploy section runs it: DATABASE_URL the application's role,
    DATABASE_OWNER_URL the owner's."""
    saved = {key: app.config.get(key) for key in ("DATABASE_OWNER_URL", "SQLALCHEMY_DATABASE_URI")}
    app.config["DATABASE_OWNER_URL"] = deployment.url(deployment.owner, database)
    app.config["SQLALCHEMY_DATABASE_URI"] = deployment.url(deployment.app_role, database)
    engine = deployment.engine(app, deployment.app_role, database)
    try:
        with app.app_context(), races.bound_to(app, engine):
            upgrade()
            db.session.remove()
    finally:
        app.config.update(saved)
