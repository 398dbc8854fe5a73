"""Input that cannot hurt (sunshine/request_input.py, api.BaseSchema): no request makes a 500.

Control characters in query strings, JSON and forms, integers past a BIGINT, JSON nested past
64 levels or not JSON at all, chunked bodies over the limit, and bodies sent to a method the
path does not have: each gets its 4xx in the one error shape, before any view runs.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.roster.models import RosterEntry
from tests.builders import (
    City,
    add_unit,
    grant,
    make_account,
    make_city,
    reported_headers,
    token_for,
)
from tests.steps import login_as, task_body

LOGIN = "/api/v1/auth/login"
CONTROL = "不能包含控制字符等不可见字符"


@pytest.fixture
def sys_admin(app: Flask) -> dict[str, str]:
    account = make_account()
    grant(account, Role.SYS_ADMIN)
    return token_for(account.id)


@pytest.fixture
def every_role(app: Flask) -> dict[str, str]:
    """An account holding every role, so every endpoint parses its query (a caller without
    an endpoint's permission is refused before its query is read)."""
    place = make_city()
    account = make_account()
    grant(account, Role.SYS_ADMIN)
    grant(account, Role.ORG_ADMIN, place.city)
    grant(account, Role.STREET_ADMIN, place.street)
    grant(account, Role.COMMUNITY_ADMIN, place.community)
    grant(account, Role.UNIT_ADMIN, place.unit)
    return token_for(account.id)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.json
    body: dict[str, Any] = response.json
    assert body["code"] == code and body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


# -- Query strings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["a%00b", "a%01b", "%1F", "a%7Fb", "%C2%85", "a%09b", "a%0Ab", "%EF%BF%BF"]
)
def test_a_control_character_in_a_query_parameter_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, value: str
) -> None:
    place = make_city()
    member = reported_headers(place, place.community)

    response = client.get(f"/api/v1/units?q={value}", headers=member)

    body = assert_error(response, 422, "request.invalid")
    assert body["fields"] == {"q": [CONTROL]}


def test_a_control_character_in_an_unknown_parameter_or_a_name_is_422(
    client: FlaskClient,
) -> None:
    unknown = client.get("/healthz?x=a%00b")
    name = client.get("/healthz?a%00b=1")

    assert assert_error(unknown, 422, "request.invalid")["fields"] == {"x": [CONTROL]}
    assert assert_error(name, 422, "request.invalid")["fields"] == {"a\ufffdb": [CONTROL]}


def test_a_nul_in_any_query_parameter_of_the_document_never_reaches_a_view(
    client: FlaskClient, sys_admin: dict[str, str]
) -> None:
    for path, parameter in _query_parameters(client):
        response = client.get(f"{_concrete(path)}?{parameter['name']}=a%00b", headers=sys_admin)
        assert response.status_code == 422, (path, parameter["name"], response.json)


def test_an_integer_past_a_bigint_in_any_query_parameter_is_422(
    client: FlaskClient, every_role: dict[str, str]
) -> None:
    integers = [
        (path, parameter)
        for path, parameter in _query_parameters(client)
        if parameter["schema"].get("type") == "integer"
    ]
    assert len(integers) > 10
    for path, parameter in integers:
        for value in (2**63, -(2**63) - 1, 10**30):
            response = client.get(
                f"{_concrete(path)}?{parameter['name']}={value}", headers=every_role
            )
            assert response.status_code == 422, (path, parameter["name"], value, response.json)
            assert parameter["name"] in response.json["fields"]


@pytest.mark.parametrize("limit", ["0", "-1", "101", "99999999999999999999999"])
def test_a_limit_out_of_range_is_422(
    client: FlaskClient, sys_admin: dict[str, str], limit: str
) -> None:
    response = client.get(f"/api/v1/accounts?limit={limit}", headers=sys_admin)

    assert assert_error(response, 422, "request.invalid")["fields"]["limit"]


def _query_parameters(client: FlaskClient) -> list[tuple[str, dict[str, Any]]]:
    spec = client.get("/api/v1/openapi.json").json
    return [
        (path, parameter)
        for path, item in spec["paths"].items()
        for parameter in item.get("get", {}).get("parameters", [])
        if parameter["in"] == "query"
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# -- JSON bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"code": "a\u0000b"}, {"code": [CONTROL]}),
        ({"code": "\ud800"}, {"code": [CONTROL]}),  # a lone surrogate: no database stores it
        ({"code": "a\u0085b"}, {"code": [CONTROL]}),
        ({"code": {"inner": "\u0007"}}, {"code": {"inner": [CONTROL]}}),
        ({"code": ["ok", "\u001b[31m"]}, {"code": {"1": [CONTROL]}}),
        ({"co\u0000de": "x"}, {"co\ufffdde": ["字段名" + CONTROL]}),
    ],
    ids=["nul", "surrogate", "c1", "nested", "in_a_list", "in_a_key"],
)
def test_a_control_character_in_a_json_string_is_422_naming_where(
    client: FlaskClient, body: dict[str, Any], fields: dict[str, Any]
) -> None:
    # json.dumps writes \u escapes, as a client would: raw control characters are not JSON.
    response = client.post(LOGIN, data=_json(body), content_type="application/json")

    assert assert_error(response, 422, "request.invalid")["fields"] == fields


def test_tab_and_line_breaks_in_text_are_kept(
    client: FlaskClient, secretary: tuple[City, dict[str, str]]
) -> None:
    place, headers = secretary
    content = "第一行\r\n第二行\n\t缩进"

    response = client.post(
        "/api/v1/tasks", json=task_body(place.community, content=content), headers=headers
    )

    assert response.status_code == 201, response.json
    assert response.json["content"] == content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "请求体的 JSON 嵌套超过 64 层"),
        (b'{"code": ' + b"[" * 65 + b"]" * 65 + b"}", "请求体的 JSON 嵌套超过 64 层"),
        (b'{"code": "' + b"[" * 5_000 + b'"}', None),  # brackets in a string do not count
        (b'{"code": ' + b"1" * 5_000 + b"}", "请求体不是有效的 JSON"),
        (b'{"code": NaN}', "请求体不是有效的 JSON"),
        (b'{"code": -Infinity}', "请求体不是有效的 JSON"),
        (b'{"code": "\xff"}', "请求体不是有效的 JSON"),
        (b'{"code": "x"', "请求体不是有效的 JSON"),
    ],
    ids=["10000_deep", "65_deep", "brackets_in_a_string", "5000_digits", "nan", "infinity",
         "bad_utf8", "truncated"],
)  # fmt: skip
def test_json_that_cannot_be_read_safely_is_400(
    client: FlaskClient, data: bytes, message: str | None
) -> None:
    response = client.post(LOGIN, data=data, content_type="application/json")

    if message is None:  # read, then refused by the schema: the code is not a 5,000-long text
        assert assert_error(response, 422, "request.invalid")["fields"]["code"]
        return
    assert assert_error(response, 400, "request.bad_json")["message"] == message


def test_json_nested_64_deep_is_read(client: FlaskClient) -> None:
    data = b'{"code": ' + b"[" * 63 + b"]" * 63 + b"}"

    response = client.post(LOGIN, data=data, content_type="application/json")

    assert assert_error(response, 422, "request.invalid")["fields"] == {"code": ["应为文本"]}


# -- Chunked bodies -------------------------------------------------------------------------


def _chunked(client: FlaskClient, data: bytes, *, terminated: bool = True) -> Any:
    """A body without a Content-Length, as a server that de-chunks it (gunicorn) hands it on."""
    return client.post(
        LOGIN,
        input_stream=io.BytesIO(data),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True} if terminated else {},
    )


def test_a_chunked_body_within_the_limit_is_read(client: FlaskClient) -> None:
    response = _chunked(client, _json({"unknown": 1}))

    assert assert_error(response, 422, "request.invalid")["fields"] == {
        "code": ["此项必填"],
        "unknown": ["不允许的字段"],
    }


def test_a_chunked_body_over_the_limit_is_413_not_bad_json(client: FlaskClient) -> None:
    big = _json({"code": "a" * (1024 * 1024)})

    assert_error(_chunked(client, big), 413, "request.too_large")


def test_a_chunked_body_a_server_cannot_delimit_is_411(client: FlaskClient) -> None:
    assert_error(_chunked(client, b"{}", terminated=False), 411, "request.length_required")


# -- Methods, forms -------------------------------------------------------------------------


def test_put_on_an_upload_url_is_405_whatever_the_body(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    response = client.put(
        f"/api/v1/roster/imports?city_id={place.city.id}",
        data=b"\x00\x01",
        content_type="application/octet-stream",
        headers=headers,
    )

    assert_error(response, 405, "method_not_allowed")
    assert sorted(response.headers["Allow"].split(", ")) == ["OPTIONS", "POST"]


def test_a_body_to_an_unknown_path_is_404(client: FlaskClient) -> None:
    response = client.post("/api/v1/nowhere", data="x", content_type="text/plain")

    assert_error(response, 404, "not_found")


def test_a_control_character_in_an_uploaded_file_name_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    response = client.post(
        f"/api/v1/roster/imports?city_id={place.city.id}",
        data={"file": (io.BytesIO(b"a,b\n"), "花名\x00册.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )

    assert assert_error(response, 422, "request.invalid")["fields"] == {
        "file": ["文件名" + CONTROL]
    }


@pytest.mark.parametrize(
    "disposition",
    [
        'form-data; filename="花名册.csv"',
        'form-data; name="\r"',
    ],
    ids=["file-without-name", "line-break-in-name"],
)
def test_a_form_part_without_a_name_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, disposition: str
) -> None:
    """Found by the fuzz run (docs/fuzzing.md): werkzeug reads such a part's name as None, and
    the control-character check then failed with a TypeError (500)."""
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    body = f"--XX\r\nContent-Disposition: {disposition}\r\n\r\na,b\r\n--XX--\r\n".encode()

    response = client.post(
        f"/api/v1/roster/imports?city_id={place.city.id}",
        data=body,
        content_type="multipart/form-data; boundary=XX",
        headers=headers,
    )

    assert assert_error(response, 422, "request.invalid")["fields"] == {
        "_schema": ["表单的每一部分都须有名称"]
    }


# -- Logs -----------------------------------------------------------------------------------


def test_a_failed_statement_logs_no_bound_value(app: Flask) -> None:
    """hide_parameters, and the DETAIL line of PostgreSQL's errors masked in the log."""
    assert db.session.connection().engine.hide_parameters
    place = make_city()
    unit = add_unit(place.city)
    row = {"city_id": place.city.id, "unit_id": unit.id, "name": "王小明", "phone": "13912345678"}
    handler = app.logger.handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        with app.test_request_context("/api/v1/roster/imports"):
            db.session.execute(insert(RosterEntry), [row])
            try:
                db.session.execute(insert(RosterEntry), [row])  # the same phone in the city
            except Exception:
                app.log_exception(sys.exc_info())  # what Flask does with a 500
            db.session.rollback()
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]

    logged = stream.getvalue()
    assert "IntegrityError" in logged and "hide_parameters=True" in logged
    assert "13912345678" not in logged and "王小明" not in logged


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()
