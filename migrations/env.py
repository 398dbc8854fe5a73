import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from sunshine.database import UTCDateTime, configure_engine
from sunshine.ops import database as database_roles

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


_owner_engine = None


def get_engine():
    """The owner role's engine when DATABASE_OWNER_URL is set (docs/database-roles.md), else
    the application's own."""
    global _owner_engine
    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    if not owner_url:
        return current_app.extensions["migrate"].db.engine
    if _owner_engine is None or _owner_engine.url != sa.make_url(owner_url):
        _owner_engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
        configure_engine(_owner_engine)
    return _owner_engine


def grant_application_role(connection):
    """After the migrations, as the owner: give the application's role (the user of
    DATABASE_URL) exactly its privileges on every table, new ones included."""
    if not current_app.config.get("DATABASE_OWNER_URL"):
        return
    app_role = sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    owner = connection.scalar(sa.text("SELECT current_user"))
    if not app_role or app_role == owner:
        raise RuntimeError(
            "DATABASE_OWNER_URL is set but DATABASE_URL names no other user: the application "
            "must not connect as the owner (docs/database-roles.md)"
        )
    tables = database_roles.grant_app_role(connection, app_role)
    logger.info("granted the application role %s its privileges on %d tables", app_role, tables)


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render our UTCDateTime as the plain column type it is in the database."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("render_item", render_item)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        # SQLite alters a table by copying it, dropping the original and renaming the copy
        # (batch mode); with foreign keys on, dropping a table that other rows refer to fails.
        # SQLite's documented recipe: foreign keys off around the change (the pragma is a no-op
        # inside a transaction, so before it), then check them.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

            with context.begin_transaction():
                context.run_migrations()
                grant_application_role(connection)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
