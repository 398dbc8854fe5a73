"""Rate limits (issue 14, item 6): phone binding, code fetching and check-in per account, login
and the public statement check per address; 429 in the error shape, every refusal in the
security log. The WeChat calls are counted at the fake WeChat server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES
from sqlalchemy import select

from sunshine import rate_limits
from sunshine.access.models import Role
from sunshine.attendance.models import Punch
from sunshine.auth.models import Account
from sunshine.config import REDIS_OPTIONS
from sunshine.extensions import db, limiter
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.attendance.conftest import open_site
from tests.builders import auth
from tests.conftest import Clock
from tests.steps import login, login_as

PHONE_API = "/wxa/business/getuserphonenumber"


def _limited_events(action: str) -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.action == action, SecurityEvent.reason == "rate_limited")
            .order_by(SecurityEvent.id)
        )
    )


def _account_id(openid: str) -> int:
    account_id = db.session.scalar(select(Account.id).where(Account.openid == openid))
    assert account_id is not None
    return account_id


# Redis when the run has one (CI's PostgreSQL run): a case that cannot run is not collected.
@pytest.fixture(params=["memory", "redis"] if os.environ.get("TEST_REDIS_URL") else ["memory"])
def counters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The limiter counting in memory (the suite's setting) or, when TEST_REDIS_URL is set, in
    that Redis as production does (REDIS_URL): the storage Flask-Limiter's init_app would
    build from RATELIMIT_STORAGE_URI, swapped in for the test."""
    if request.param == "redis":
        url = os.environ["TEST_REDIS_URL"]
        storage = storage_from_string(url, **REDIS_OPTIONS)
        storage.reset()
        monkeypatch.setattr(limiter, "_storage", storage)
        monkeypatch.setattr(limiter, "_limiter", STRATEGIES["fixed-window"](storage))
    yield request.param
    if request.param == "redis":
        limiter.storage.reset()


def test_thirty_rapid_phone_bindings_make_three_wechat_calls(
    client: FlaskClient, fake_wechat: FakeWeChat, counters: str
) -> None:
    """The finding: 30 calls in 0.4 s made 30 billed WeChat calls. With the shipped limit
    (PHONE_BIND_RATE_LIMIT, 3 per minute per account) they make 3, counted in memory or in
    Redis."""
    headers = auth(login(client, fake_wechat, "o-binding-loop"))
    codes = [fake_wechat.issue_phone_code(f"1380000{i:04d}") for i in range(30)]

    answers = [client.post("/api/v1/me/phone", json={"code": c}, headers=headers) for c in codes]

    assert [a.status_code for a in answers] == [200] * 3 + [429] * 27
    assert fake_wechat.calls_to(PHONE_API) == 3
    limited = answers[-1]
    assert limited.json["code"] == "rate_limited" and limited.json["message"]
    assert int(limited.headers["Retry-After"]) > 0
    events = _limited_events("phone.bind")
    account_id = _account_id("o-binding-loop")
    assert len(events) == 27
    assert {(e.outcome, e.account_id, e.detail["per"]) for e in events} == {
        ("failure", account_id, "account")
    }
    assert events[0].detail["limit"] == "3 per 1 minute"


def test_the_phone_limit_is_per_account_not_per_address(
    client: FlaskClient, fake_wechat: FakeWeChat, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PHONE_BIND_RATE_LIMIT", "1 per minute")
    first = auth(login(client, fake_wechat, "o-bind-first"))
    second = auth(login(client, fake_wechat, "o-bind-second"))

    def bind(headers: dict[str, str], phone: str) -> int:
        code = fake_wechat.issue_phone_code(phone)
        return client.post("/api/v1/me/phone", json={"code": code}, headers=headers).status_code

    assert [bind(first, "13800000011"), bind(first, "13800000012")] == [200, 429]
    assert bind(second, "13800000013") == 200  # the same address, another account
    assert fake_wechat.calls_to(PHONE_API) == 2


def test_a_bad_body_counts_and_a_stranger_is_401_before_any_count(
    client: FlaskClient, fake_wechat: FakeWeChat, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PHONE_BIND_RATE_LIMIT", "2 per minute")
    headers = auth(login(client, fake_wechat, "o-bind-bad"))

    strangers = [client.post("/api/v1/me/phone", json={}).status_code for _ in range(3)]
    bad = [client.post("/api/v1/me/phone", json={}, headers=headers).status_code for _ in range(3)]

    assert strangers == [401, 401, 401]
    assert bad == [422, 422, 429]
    assert fake_wechat.calls_to(PHONE_API) == 0


def test_punches_are_limited_per_account_and_neighbours_are_not_touched(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    clock: Clock,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "PUNCH_RATE_LIMIT", "3 per minute")
    site = open_site(client, fake_wechat, members=2)
    runaway, neighbour = site.members
    clock.set(site.at(-5))
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json[
        "code"
    ]

    def punch(headers: dict[str, str]) -> int:
        body = {"code": code, "direction": "in"}
        return client.post("/api/v1/punches", json=body, headers=headers).status_code

    taps = [punch(runaway) for _ in range(5)]
    next_door = punch(neighbour)  # the same address: one venue's Wi-Fi

    assert taps == [201, 200, 200, 429, 429]
    assert next_door == 201
    assert len(db.session.scalars(select(Punch)).all()) == 2
    events = _limited_events("punch")
    assert len(events) == 2 and {e.detail["per"] for e in events} == {"account"}


def test_code_fetching_is_limited_per_account(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    clock: Clock,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "CHECKIN_CODE_RATE_LIMIT", "2 per minute")
    site = open_site(client, fake_wechat, members=0)
    _, colleague = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, site.place.community)
    clock.set(site.at(-5))
    url = f"/api/v1/shifts/{site.shift_id}/checkin-code"

    fetches = [client.get(url, headers=site.admin).status_code for _ in range(3)]
    other = client.get(url, headers=colleague)

    assert fetches == [200, 200, 429]
    assert other.status_code == 200
    assert len(_limited_events("checkin_code.fetch")) == 1


def test_every_limited_login_is_a_security_event(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")

    statuses = [client.post("/api/v1/auth/login", json={"code": "x"}).status_code for _ in range(5)]

    assert statuses == [401, 401, 429, 429, 429]
    events = _limited_events("login")
    assert len(events) == 3
    assert {(e.outcome, e.account_id, e.detail["per"], e.ip) for e in events} == {
        ("failure", None, "ip", "127.0.0.1")
    }


def test_with_its_storage_unreachable_the_account_limit_counts_in_memory(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis down: the worker counts in its own memory (and says so) rather than refusing
    every check-in or letting a runaway client through."""
    headers = auth(login(client, fake_wechat, "o-bind-redis-down"))  # before Redis "goes"
    nowhere = storage_from_string("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(limiter, "_storage", nowhere)
    monkeypatch.setattr(rate_limits, "_counter", rate_limits._Counter())
    monkeypatch.setitem(app.config, "PHONE_BIND_RATE_LIMIT", "2 per minute")

    statuses = [
        client.post("/api/v1/me/phone", json={"code": "x"}, headers=headers).status_code
        for _ in range(3)
    ]

    assert statuses == [422, 422, 429]  # WeChat refuses the code "x"; the third is not sent
    assert fake_wechat.calls_to(PHONE_API) == 2
    assert "rate limit storage unreachable" in caplog.text
