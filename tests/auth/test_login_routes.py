"""POST /api/v1/auth/login against the fake WeChat server, through the real wechatpy client."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.auth.models import Account, AuthToken
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import auth, make_account

LOGIN = "/api/v1/auth/login"


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_login_creates_account_and_returns_own_bearer_token(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    code = fake_wechat.issue_code("o-new-member", unionid="u-union-1")

    response = client.post(LOGIN, json={"code": code})

    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 24 * 3600
    account = db.session.scalar(select(Account).where(Account.openid == "o-new-member"))
    assert account is not None
    assert account.unionid == "u-union-1"
    session_key = fake_wechat.state.session_keys["o-new-member"]
    assert session_key not in response.get_data(as_text=True)  # never returned ...
    assert session_key not in {str(v) for v in vars(account).values()}  # ... nor stored
    me = client.get("/api/v1/me", headers=auth(body["access_token"]))
    assert me.status_code == 200
    assert me.json["account"]["id"] == account.id
    assert me.json["member_status"] == "unregistered"
    assert me.json["grants"] == [] and me.json["roles"] == []
    event = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "login")).one()
    assert (event.outcome, event.account_id, event.ip) == ("success", account.id, "127.0.0.1")


def test_second_login_finds_the_same_account(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    existing = make_account("o-returning")
    first = client.post(LOGIN, json={"code": fake_wechat.issue_code("o-returning")})
    second = client.post(LOGIN, json={"code": fake_wechat.issue_code("o-returning")})

    assert first.status_code == second.status_code == 200
    assert first.json["access_token"] != second.json["access_token"]
    accounts = db.session.scalars(select(Account).where(Account.openid == "o-returning")).all()
    assert [a.id for a in accounts] == [existing.id]


def test_token_is_stored_only_as_a_hash(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    token = client.post(LOGIN, json={"code": fake_wechat.issue_code()}).json["access_token"]
    stored = db.session.scalars(select(AuthToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (40029, 401, "auth.invalid_code"),
        (40163, 401, "auth.code_used"),
        (45011, 429, "wechat.rate_limited"),
        (40226, 403, "auth.risky_user"),
        (-1, 503, "wechat.busy"),
        (40125, 503, "wechat.misconfigured"),
        (99999, 502, "wechat.error"),
    ],
)
def test_wechat_refusal_maps_to_clear_error_and_writes_nothing_but_the_log(
    client: FlaskClient, fake_wechat: FakeWeChat, errcode: int, status: int, code: str
) -> None:
    fake_wechat.fail("/sns/jscode2session", errcode)
    accounts_before = _count(Account)

    response = client.post(LOGIN, json={"code": fake_wechat.issue_code("o-refused")})

    assert response.status_code == status
    assert response.json["code"] == code
    assert response.json["message"]
    assert _count(Account) == accounts_before
    assert _count(AuthToken) == 0
    event = db.session.scalars(select(SecurityEvent)).one()
    assert (event.action, event.outcome, event.reason) == ("login", "failure", code)


def test_unknown_code_is_401_invalid_code(client: FlaskClient) -> None:
    response = client.post(LOGIN, json={"code": "never-issued"})
    assert response.status_code == 401
    assert response.json["code"] == "auth.invalid_code"


def test_reused_code_is_401_code_used(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    code = fake_wechat.issue_code("o-reuse")
    assert client.post(LOGIN, json={"code": code}).status_code == 200
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 401
    assert response.json["code"] == "auth.code_used"


def test_failed_code_is_never_retried(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    fake_wechat.fail("/sns/jscode2session", -1)
    client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    assert fake_wechat.calls_to("/sns/jscode2session") == 1


def test_wechat_down_is_503(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")  # nothing listens
    response = client.post(LOGIN, json={"code": "any-code"})
    assert response.status_code == 503
    assert response.json["code"] == "wechat.unavailable"
    assert _count(Account) == 0


def test_wechat_outage_page_is_503(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    fake_wechat.outage(502)
    response = client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    assert response.status_code == 503
    assert response.json["code"] == "wechat.unavailable"


def test_slow_wechat_times_out_as_503(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    fake_wechat.delay(4.0, "/sns/jscode2session")  # the test app's WECHAT_TIMEOUT is 3 s
    response = client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    assert response.status_code == 503
    assert response.json["code"] == "wechat.unavailable"


def test_slow_token_fetch_times_out_too(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    # wechatpy sends the token fetch without a timeout; our transport adds one.
    fake_wechat.delay(4.0, "/cgi-bin/stable_token")
    response = client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    assert response.status_code == 503
    assert response.json["code"] == "wechat.unavailable"


def test_wrong_app_secret_is_503_misconfigured(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch, fake_wechat: FakeWeChat
) -> None:
    monkeypatch.setitem(app.config, "WECHAT_SECRET", "wrong-secret")
    response = client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    assert response.status_code == 503
    assert response.json["code"] == "wechat.misconfigured"
    assert "wrong-secret" not in response.get_data(as_text=True)


def test_disabled_account_cannot_log_in(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    from sunshine.auth.models import AccountStatus

    account = make_account("o-disabled")
    account.status = AccountStatus.DISABLED
    db.session.commit()

    response = client.post(LOGIN, json={"code": fake_wechat.issue_code("o-disabled")})

    assert response.status_code == 403
    assert response.json["code"] == "auth.account_disabled"
    assert _count(AuthToken) == 0
    event = db.session.scalars(select(SecurityEvent)).one()
    assert (event.outcome, event.account_id) == ("failure", account.id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code"),
        ({"code": ""}, "code"),
        ({"code": "   "}, "code"),
        ({"code": "x" * 129}, "code"),
        ({"code": 12345}, "code"),
        ({"code": None}, "code"),
        ({"code": "abc", "openid": "o-forged"}, "openid"),
    ],
)
def test_bad_login_body_is_422_with_field_errors(
    client: FlaskClient, fake_wechat: FakeWeChat, body: dict[str, object], field: str
) -> None:
    response = client.post(LOGIN, json=body)
    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert field in response.json["fields"]
    assert fake_wechat.calls_to("/sns/jscode2session") == 0
    assert _count(Account) == 0


def test_non_json_login_is_415(client: FlaskClient) -> None:
    response = client.post(LOGIN, data="code=abc", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["code"] == "request.unsupported_media_type"


def test_malformed_json_login_is_400(client: FlaskClient) -> None:
    response = client.post(LOGIN, data='{"code": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == "request.bad_json"


def test_login_is_rate_limited_per_client(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    statuses = [client.post(LOGIN, json={"code": f"bad-{i}"}).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = client.post(LOGIN, json={"code": "bad-x"})
    assert limited.json["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    other_client = client.post(
        LOGIN, json={"code": "bad-y"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other_client.status_code == 401


def test_no_secret_reaches_the_log(
    client: FlaskClient, fake_wechat: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = client.post(LOGIN, json={"code": fake_wechat.issue_code("o-logged")}).json[
        "access_token"
    ]
    fake_wechat.fail("/sns/jscode2session", 40125)
    client.post(LOGIN, json={"code": fake_wechat.issue_code()})
    session_key = fake_wechat.state.session_keys["o-logged"]

    text = caplog.text
    assert fake_wechat.secret not in text
    assert token not in text
    assert session_key and session_key not in text
    assert "FAKE_ACCESS_TOKEN" not in text
