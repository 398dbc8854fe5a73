"""The fuzzed app: a migrated PostgreSQL database of its own holding the demo city, the fake
WeChat, and a bearer token for each role the run calls as.

Each generated case runs inside one transaction rolled back when it ends (the suite's trick:
app commits become savepoints), so every case meets the same seeded data whatever the cases
before it deleted, closed or revoked, and a failure replays alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from sunshine import create_app, wechat
from sunshine.config import normalise_database_url
from sunshine.demo import DEMO_MEMBER_OPENID, seed
from sunshine.extensions import db, limiter
from sunshine.fake_wechat import FakeWeChat

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_fuzz"
DATABASE_URL = normalise_database_url(os.environ.get("FUZZ_DATABASE_URL") or DEFAULT_URL)

# role → the demo account it logs in as (sunshine/demo.py); None sends no token at all.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "member": DEMO_MEMBER_OPENID,
    "community_admin": "demo-community",
    "org_admin": "demo-org",
}


def build_app() -> Flask:
    """The app on the fuzz database (not touched until ``prepare``)."""
    # The limiter is reset before every case; its INFO line would fill every failure's log.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    if sa.make_url(DATABASE_URL).get_backend_name() != "postgresql":
        raise SystemExit(f"the fuzz run needs PostgreSQL, FUZZ_DATABASE_URL is {DATABASE_URL!r}")
    config: dict[str, Any] = {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "f" * 64,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WECHAT_TIMEOUT": 2.0,
    }
    return create_app(config)


def prepare(app: Flask) -> dict[str, dict[str, str]]:
    """Start the fake WeChat, rebuild the database with the demo city, log each role in:
    the headers to send as each role."""
    fake = FakeWeChat().start()
    app.config.update(WECHAT_APPID=fake.appid, WECHAT_SECRET=fake.secret, WECHAT_API_BASE=fake.url)
    wechat.init_app(app)
    _empty_database(DATABASE_URL)
    with app.app_context():
        upgrade()
        seed()
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    headers: dict[str, dict[str, str]] = {}
    for role, openid in ROLES.items():
        if openid is None:
            headers[role] = {}
            continue
        response = client.post("/api/v1/auth/login", json={"code": fake.issue_code(openid)})
        assert response.status_code == 200, response.json
        headers[role] = {"Authorization": f"Bearer {response.json['access_token']}"}
    # From here on app commits become savepoints in each case's outer transaction.
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    return headers


def _empty_database(url: str) -> None:
    """Create the database if it is missing, else drop everything in it."""
    target = sa.make_url(url)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        return
    except sa.exc.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    finally:
        engine.dispose()
    server = sa.create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        server.dispose()


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Everything the block's requests write is rolled back at its end."""
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # type: ignore[assignment]
    limiter.reset()
    try:
        with app.app_context():
            yield
            db.session.remove()
    finally:
        engines[None] = engine
        outer.rollback()
        connection.close()
