"""Models and migrations agree, and the database is at the single head revision."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from sunshine.extensions import db


def test_models_and_migrations_do_not_drift(app: Flask) -> None:
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_database_is_at_the_single_head(app: Flask) -> None:
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1
    current = MigrationContext.configure(db.session.connection()).get_current_revision()
    assert current == heads[0]
