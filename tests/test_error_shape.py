"""Every error, whatever raised it, leaves the API in the one shape."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import auth
from tests.steps import login, login_as

SHAPE = {"status", "code", "message", "request_id"}


def assert_error(response: TestResponse, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.json
    assert SHAPE <= set(body) <= SHAPE | {"fields"}
    assert body["status"] == status and body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # Chinese, for users
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_400_bad_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", data="{", content_type="application/json")
    assert_error(response, 400, "request.bad_json")


def test_401_no_token(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/me"), 401, "auth.unauthenticated")


def test_403_no_permission(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    token = login(client, fake_wechat, "o-plain")
    assert_error(client.get("/api/v1/accounts", headers=auth(token)), 403, "auth.forbidden")


def test_404_unknown_route(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_405_wrong_method(client: FlaskClient) -> None:
    response = client.get("/api/v1/auth/login")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_413_oversized_body(client: FlaskClient) -> None:
    body = '{"code": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_error(response, 413, "request.too_large")


def test_415_wrong_content_type(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", data="code", content_type="text/plain")
    assert_error(response, 415, "request.unsupported_media_type")


def test_422_validation_lists_fields_in_chinese(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"extra": 1})
    assert_error(response, 422, "request.invalid")
    assert response.json["fields"] == {"code": ["此项必填"], "extra": ["不允许的字段"]}


def test_422_query_arguments(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    response = client.get("/api/v1/accounts?cursor=zero", headers=headers)
    assert_error(response, 422, "request.invalid")
    assert "cursor" in response.json["fields"]


def test_a_caller_without_the_permission_is_403_before_the_query_is_read(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    token = login(client, fake_wechat, "o-query")
    response = client.get("/api/v1/accounts?cursor=zero", headers=auth(token))
    assert_error(response, 403, "auth.forbidden")


def test_429_rate_limited(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1 per minute")
    client.post("/api/v1/auth/login", json={"code": "a"})
    assert_error(client.post("/api/v1/auth/login", json={"code": "b"}), 429, "rate_limited")


def test_500_is_generic_and_logged_with_request_id(
    client: FlaskClient,
    app: Flask,
    fake_wechat: FakeWeChat,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sunshine.auth import service

    token = login(client, fake_wechat, "o-boom")

    def explode(actor: object) -> None:
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(service, "describe", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    response = client.get("/api/v1/me", headers=auth(token))

    assert_error(response, 500, "internal_error")
    assert "internal detail" not in response.get_data(as_text=True)
    assert "internal detail that must not leak" in caplog.text
    request_id = response.headers["X-Request-ID"]
    assert any(getattr(r, "request_id", None) == request_id for r in caplog.records)


def test_client_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/api/v1/me", headers={"X-Request-ID": "mini-program-abc123"})
    assert response.headers["X-Request-ID"] == "mini-program-abc123"
    assert response.json["request_id"] == "mini-program-abc123"


def test_unsafe_request_id_is_replaced(client: FlaskClient) -> None:
    response = client.get("/api/v1/me", headers={"X-Request-ID": "bad id <script>"})
    assert response.headers["X-Request-ID"] != "bad id <script>"
    assert len(response.headers["X-Request-ID"]) == 32
