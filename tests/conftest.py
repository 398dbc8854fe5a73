"""Test setup: one app and one migrated database per run, one rolled-back transaction per test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another (CI runs the
suite again on PostgreSQL). WeChat is the project's fake server on 127.0.0.1, driven through
the real wechatpy client. Race tests take ``race_app`` instead: the app on a throw-away
database of their module's own, where requests commit for real (tests/races.py).

Fixtures used by more than one domain live here, those several modules of one domain share in
tests/<domain>/conftest.py, and those of a single module (built on its own data) in the module.
Rows are made with tests/builders.py (tests/bulk.py by the thousand), API calls with
tests/steps.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from sunshine import create_app
from sunshine.access.models import Role
from sunshine.config import normalise_database_url
from sunshine.database import utcnow
from sunshine.extensions import db, limiter
from sunshine.fake_wechat import FakeWeChat
from tests import contract, races
from tests.builders import City, make_city
from tests.steps import login_as


def _database_url(tmp_dir: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_dir}/test.sqlite3"


def _empty_database(url: str) -> None:
    """Start from nothing: PostgreSQL keeps the database between runs."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` (roles, pg_dump) run in the PostgreSQL run only, those
    marked ``sqlite`` (its backup API) in the SQLite run only: deselected, not skipped, in the
    other run, which CI also makes."""
    engine = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    other = "sqlite" if engine == "postgresql" else "postgresql"
    dropped = [item for item in items if item.get_closest_marker(other) is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.get_closest_marker(other) is None]


@pytest.fixture(scope="session")
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(str(tmp_path_factory.mktemp("db")))
    _empty_database(url)
    races.drop_leftovers(url)  # of a run that was killed before its teardown
    return url


def test_config(database_url: str, fake: FakeWeChat) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "t" * 64,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WECHAT_APPID": fake.appid,
        "WECHAT_SECRET": fake.secret,
        "WECHAT_API_BASE": fake.url,
        "WECHAT_TIMEOUT": 3.0,  # generous: on a loaded machine a fake call is no timeout
        "LOGIN_RATE_LIMIT": "1000 per minute",
        # 200 parallel signups queue on SQLite's one write lock: give a loaded machine time.
        "SQLITE_BUSY_TIMEOUT_MS": 60_000,
    }


@pytest.fixture(scope="session")
def app(database_url: str, fake_wechat: FakeWeChat) -> Iterator[Flask]:
    app = create_app(test_config(database_url, fake_wechat))
    with app.app_context():
        upgrade()
        db.session.remove()
    # App commits become savepoints inside each test's outer transaction.
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    contract.install(app)
    yield app


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test inside one transaction that is rolled back at the end (a race test on
    its module's throw-away database instead: ``race_app``)."""
    if "fake_wechat" in request.fixturenames or "app" in request.fixturenames:
        request.getfixturevalue("fake_wechat").reset()
    if "app" not in request.fixturenames or "race_app" in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # type: ignore[assignment]
    limiter.reset()
    app.extensions["sunshine.wechat"] = None
    try:
        with app.app_context():
            yield
            db.session.remove()
    finally:
        engines[None] = engine
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _responses_match_the_document(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every JSON response a test provokes has the shape the OpenAPI document promises."""
    yield
    if "app" in request.fixturenames:
        app: Flask = request.getfixturevalue("app")
        failures = app.extensions[contract.EXTENSION].take()
        assert not failures, "responses differ from the OpenAPI document:\n" + "\n".join(failures)


@pytest.fixture(scope="session")
def race_template(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database that each racing module copies (made once, when first needed)."""
    url = races.throwaway_url(database_url, tmp_path_factory.mktemp("races"), "template")
    try:
        races.create_database(database_url, url)
        engine = races.engine_for(app, url)
        with app.app_context(), races.bound_to(app, engine):
            upgrade()
            db.session.remove()
        engine.dispose()
        yield url
    finally:
        races.drop_database(database_url, url)


@pytest.fixture(scope="module")
def race_engine(
    app: Flask, database_url: str, race_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """This module's throw-away database, copied from the template, dropped when it ends."""
    url = races.throwaway_url(database_url, tmp_path_factory.mktemp("race"))
    engine: sa.Engine | None = None
    try:
        races.create_database(database_url, url, template=race_template)
        engine = races.engine_for(app, url)
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        races.drop_database(database_url, url)


@pytest.fixture
def race_app(app: Flask, race_engine: sa.Engine) -> Iterator[Flask]:
    """The app on this module's throw-away database, where every request commits for real on
    a connection of its own (tests/races.py); what a test commits stays until the module ends.
    """
    limiter.reset()
    app.extensions["sunshine.wechat"] = None
    with races.bound_to(app, race_engine), app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def city(app: Flask) -> City:
    """A city with a street, two communities and a work unit (``make_city``)."""
    return make_city()


@pytest.fixture
def other_city(app: Flask) -> City:
    return make_city("介休市")


@pytest.fixture
def secretary(client: FlaskClient, fake_wechat: FakeWeChat) -> tuple[City, dict[str, str]]:
    """A city with the community admin (secretary) of its first community, logged in:
    (city, headers)."""
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    return place, headers


@pytest.fixture
def org_admin(client: FlaskClient, fake_wechat: FakeWeChat) -> tuple[City, dict[str, str]]:
    """A city with its organisation department admin (who may post anywhere in it), logged
    in: (city, headers)."""
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    return place, headers


@dataclass
class Clock:
    now: datetime

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Attendance's idea of now (``sunshine.clock.on_site``: punches, windows, codes); the rest
    of the app keeps real time (tokens would expire if ``clock.now`` moved two days ahead)."""
    clock = Clock(utcnow())
    monkeypatch.setattr("sunshine.clock.on_site", lambda: clock.now)
    yield clock
