"""Honest health and graceful degradation, in process: the app with its database or its Redis
out of reach (pointed at a port where nothing listens, or a file it cannot open).

/healthz reports the database (as it always did), /readyz the database and Redis; they and
every endpoint that needs the missing service answer 503 in the error shape, never a 500.
The same through gunicorn, with the rate limiter's Redis down too: tests/ops/test_gunicorn.py.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import count, make_account, token_for

NOWHERE_PG = "postgresql+psycopg://sunshine@127.0.0.1:9/nowhere?connect_timeout=1"
NOWHERE_REDIS = "redis://127.0.0.1:9/0"


@pytest.fixture(params=["postgresql", "sqlite"])
def take_database_down(
    app: Flask, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], None]]:
    """Call it and every later statement of the test goes to a database that is not there:
    PostgreSQL on a port where nothing listens, or SQLite in a directory that does not exist.
    """
    url = NOWHERE_PG if request.param == "postgresql" else f"sqlite:///{tmp_path}/no/such/dir.db"
    dead = sa.create_engine(url, hide_parameters=True)
    engines = db._app_engines[app]
    saved = engines[None]

    def down() -> None:
        db.session.remove()
        engines[None] = dead  # type: ignore[assignment]

    try:
        yield down
    finally:
        db.session.remove()
        engines[None] = saved
        dead.dispose()


@pytest.fixture
def redis_down(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", NOWHERE_REDIS)
    app.extensions["sunshine.wechat"] = None  # built again, on the Redis above


@pytest.fixture
def app_log(app: Flask) -> Iterator[io.StringIO]:
    """What the app's log handler writes during the test."""
    handler = app.logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def assert_unavailable(response: Any, code: str) -> None:
    assert response.status_code == 503, response.json
    assert response.json["code"] == code
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_readyz_reports_the_database_and_an_unconfigured_redis(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not_configured"}


def test_readyz_pings_the_configured_redis(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fakeredis

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://cache.test:6379/0")
    monkeypatch.setitem(
        app.extensions, "sunshine.redis", ("redis://cache.test:6379/0", fakeredis.FakeRedis())
    )

    response = client.get("/readyz")

    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_with_the_database_down_health_and_readiness_are_503(
    client: FlaskClient, take_database_down: Callable[[], None]
) -> None:
    take_database_down()

    assert_unavailable(client.get("/healthz"), "health.database_unavailable")
    assert_unavailable(client.get("/readyz"), "health.database_unavailable")


def test_with_the_database_down_every_request_that_needs_it_is_503(
    client: FlaskClient, fake_wechat: FakeWeChat, take_database_down: Callable[[], None]
) -> None:
    account = make_account()
    headers = token_for(account.id)
    take_database_down()

    me = client.get("/api/v1/me", headers=headers)
    login = client.post("/api/v1/auth/login", json={"code": fake_wechat.issue_code("o-down")})

    assert_unavailable(me, "database.unavailable")
    assert me.headers["Retry-After"] == "5"
    assert_unavailable(login, "database.unavailable")


def test_with_the_database_down_a_refusal_is_answered_and_its_lost_event_logged(
    client: FlaskClient, app_log: io.StringIO, take_database_down: Callable[[], None]
) -> None:
    take_database_down()

    response = client.post("/api/v1/auth/login", json={"code": "not-a-code"})

    assert response.status_code == 401
    assert response.json["code"] == "auth.invalid_code"
    assert "security event login/auth.invalid_code not recorded" in app_log.getvalue()


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_readiness_is_503_and_health_answers(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert_unavailable(client.get("/readyz"), "health.redis_unavailable")


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_login_is_503_and_the_failure_is_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, app_log: io.StringIO
) -> None:
    before = count(SecurityEvent)

    response = client.post("/api/v1/auth/login", json={"code": fake_wechat.issue_code("o-r")})

    assert_unavailable(response, "redis.unavailable")
    assert fake_wechat.calls_to("/sns/jscode2session") == 0  # the token comes first
    assert count(SecurityEvent) == before + 1  # a failed login, as ever
    assert "WeChat token cache: Redis unavailable: ConnectionError" in app_log.getvalue()
