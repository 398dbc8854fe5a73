"""What every import endpoint shares: who may import, bad requests and files, batches, reports.

The three endpoints (area tree, work units, roster) run through one upload path; each rule is
checked on all three where the endpoint could plausibly differ. A refused request writes
nothing, not even an import batch; a file refused for its rows keeps only its rejected batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.imports.models import ImportBatch
from sunshine.org.models import Area, PartyOrg, WorkUnit
from sunshine.roster.models import RosterEntry
from tests.builders import (
    City,
    count,
    csv_bytes,
    grant,
    make_account,
    make_city,
    token_for,
    xlsx_bytes,
)
from tests.races import race
from tests.steps import login_as, upload


@dataclass(frozen=True)
class Endpoint:
    path: str
    rows: Callable[[City], list[list[str]]]  # a valid file for the city
    table: str  # where that file's row goes

    def url(self, city: Area) -> str:
        return f"{self.path}?city_id={city.id}"


ENDPOINTS = {
    "areas": Endpoint(
        "/api/v1/org/imports/areas",
        lambda place: [["层级", "名称", "上级"], ["社区", "新城社区", place.street.name]],
        "area",
    ),
    "units": Endpoint(
        "/api/v1/org/imports/units",
        lambda place: [
            ["单位名称", "党组织名称", "党组织类型"],
            ["孝义市图书馆", "图书馆党支部", "党支部"],
        ],
        "work_unit",
    ),
    "roster": Endpoint(
        "/api/v1/roster/imports",
        lambda place: [["姓名", "手机号", "单位"], ["张三", "13800000001", place.unit.name]],
        "roster_entry",
    ),
}
endpoints = pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
ROSTER = ENDPOINTS["roster"]


@dataclass
class Setup:
    place: City
    other: City
    headers: dict[str, str]


@pytest.fixture
def setup(client: FlaskClient, fake_wechat: FakeWeChat) -> Setup:
    place, other = make_city(), make_city("汾阳市")
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    return Setup(place, other, headers)


def upload_big(
    client: FlaskClient, url: str, content: bytes, headers: dict[str, str]
) -> TestResponse:
    """Upload a large file as a ready-made multipart body.

    Werkzeug's test client spools large multipart bodies it encodes to a temporary file that
    it never closes (a ResourceWarning, an error in this suite); a body given as bytes is not.
    """
    boundary = "sunshine-test-boundary"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n',
            b"Content-Type: text/csv\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=headers
    )


def written() -> tuple[int, ...]:
    """Row counts of everything an import could write."""
    return tuple(count(model) for model in (Area, WorkUnit, PartyOrg, RosterEntry, ImportBatch))


@endpoints
def test_import_by_org_admin_of_the_city_is_applied(
    client: FlaskClient, setup: Setup, endpoint: Endpoint
) -> None:
    before = written()

    response = upload(
        client, endpoint.url(setup.place.city), csv_bytes(endpoint.rows(setup.place)), setup.headers
    )

    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["created_count"]) == ("applied", 1)
    assert written() != before


OUTSIDERS: dict[str, tuple[Role | None, Callable[[Setup], Area | WorkUnit | None]]] = {
    "org_admin of another city": (Role.ORG_ADMIN, lambda s: s.other.city),
    "street_admin": (Role.STREET_ADMIN, lambda s: s.place.street),
    "community_admin": (Role.COMMUNITY_ADMIN, lambda s: s.place.community),
    "unit_admin": (Role.UNIT_ADMIN, lambda s: s.place.unit),
    # The system administrator runs accounts and settings, not the org department's data:
    # separation of duties. It can grant itself org_admin of a city, which the log records.
    "sys_admin": (Role.SYS_ADMIN, lambda s: None),
    "member without a role": (None, lambda s: None),
}


@endpoints
@pytest.mark.parametrize("role, scope", OUTSIDERS.values(), ids=OUTSIDERS.keys())
def test_import_outside_the_callers_scope_is_403_and_writes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    setup: Setup,
    endpoint: Endpoint,
    role: Role | None,
    scope: Callable[[Setup], Area | WorkUnit | None],
) -> None:
    _, headers = login_as(client, fake_wechat, role, scope(setup))
    before = written()

    response = upload(
        client, endpoint.url(setup.place.city), csv_bytes(endpoint.rows(setup.place)), headers
    )

    assert response.status_code == 403, response.json
    assert response.json["code"] == "auth.forbidden"
    assert written() == before


@endpoints
def test_import_without_login_is_401(client: FlaskClient, setup: Setup, endpoint: Endpoint) -> None:
    response = upload(
        client, endpoint.url(setup.place.city), csv_bytes(endpoint.rows(setup.place)), {}
    )

    assert response.status_code == 401 and response.json["code"] == "auth.unauthenticated"


@endpoints
@pytest.mark.parametrize(
    "query, status, code",
    [
        ("city_id=999999", 404, "area.not_found"),
        ("city_id=STREET", 422, "area.wrong_level"),
        ("city_id=0", 422, "request.invalid"),
        ("city_id=abc", 422, "request.invalid"),
        ("", 422, "request.invalid"),
    ],
    ids=["unknown city", "a street", "zero", "not a number", "missing"],
)
def test_import_for_something_other_than_a_city_is_refused(
    client: FlaskClient, setup: Setup, endpoint: Endpoint, query: str, status: int, code: str
) -> None:
    query = query.replace("STREET", str(setup.place.street.id))
    before = written()

    response = upload(
        client, f"{endpoint.path}?{query}", csv_bytes(endpoint.rows(setup.place)), setup.headers
    )

    assert response.status_code == status, response.json
    assert response.json["code"] == code
    if code == "request.invalid":
        assert "city_id" in response.json["fields"]
    assert written() == before


@endpoints
def test_import_of_a_file_over_10_mb_is_413_and_writes_nothing(
    client: FlaskClient, setup: Setup, endpoint: Endpoint
) -> None:
    head = csv_bytes(endpoint.rows(setup.place))
    big = head + b"\r\n" * ((10 * 1024 * 1024 - len(head)) // 2 + 1)
    assert len(big) > 10 * 1024 * 1024
    before = written()

    response = upload_big(client, endpoint.url(setup.place.city), big, setup.headers)

    assert response.status_code == 413, response.json
    assert response.json["code"] == "request.too_large"
    assert written() == before


def test_import_of_a_file_just_under_10_mb_is_read(client: FlaskClient, setup: Setup) -> None:
    head = csv_bytes(ROSTER.rows(setup.place))
    # Blank lines are skipped: the file is big but has one row (and fewer lines than the
    # bound on lines, blank ones included: tests/imports/test_bombs.py).
    blank = b" " * 62 + b"\r\n"
    big = head + blank * ((10 * 1024 * 1024 - len(head) - 4096) // len(blank))

    response = upload_big(client, ROSTER.url(setup.place.city), big, setup.headers)

    assert response.status_code == 201, response.json
    assert response.json["row_count"] == 1


@endpoints
@pytest.mark.parametrize(
    "body",
    [
        {"data": "姓名,手机号,单位\n", "content_type": "text/plain"},
        {"data": "姓名,手机号,单位\n", "content_type": "text/csv"},
        {"data": b"\x00\x01", "content_type": "application/octet-stream"},
    ],
    ids=["text/plain", "text/csv", "octet-stream"],
)
def test_import_with_a_body_that_is_not_multipart_is_415(
    client: FlaskClient, setup: Setup, endpoint: Endpoint, body: dict[str, object]
) -> None:
    response = client.post(endpoint.url(setup.place.city), headers=setup.headers, **body)

    assert response.status_code == 415, response.json
    assert response.json["code"] == "request.unsupported_media_type"


@endpoints
def test_import_with_a_json_body_is_415(
    client: FlaskClient, setup: Setup, endpoint: Endpoint
) -> None:
    response = client.post(
        endpoint.url(setup.place.city), json={"file": "a,b\n1,2"}, headers=setup.headers
    )

    assert response.status_code == 415, response.json
    assert response.json["code"] == "request.unsupported_media_type"


@endpoints
def test_import_without_the_file_field_is_422(
    client: FlaskClient, setup: Setup, endpoint: Endpoint
) -> None:
    content = csv_bytes(endpoint.rows(setup.place))
    response = client.post(
        endpoint.url(setup.place.city),
        data={"upload": (io.BytesIO(content), "x.csv"), "note": "花名册"},
        content_type="multipart/form-data",
        headers=setup.headers,
    )

    assert response.status_code == 422, response.json
    assert response.json["code"] == "request.invalid"
    assert list(response.json["fields"]) == ["file"]


@endpoints
def test_import_without_a_required_column_is_422_missing_columns(
    client: FlaskClient, setup: Setup, endpoint: Endpoint
) -> None:
    header, *rows = endpoint.rows(setup.place)
    before = written()

    response = upload(
        client,
        endpoint.url(setup.place.city),
        csv_bytes([header[1:], *[r[1:] for r in rows]]),
        setup.headers,
    )

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.missing_columns"
    assert header[0] in response.json["message"]
    assert response.json["fields"]["file"] == [response.json["message"]]
    assert written() == before


BAD_FILES: dict[str, tuple[Callable[[City], bytes], str]] = {
    "missing phone column": (
        lambda p: csv_bytes([["姓名", "单位"], ["张三", p.unit.name]]),
        "import.missing_columns",
    ),
    "unknown column": (
        lambda p: csv_bytes(
            [["姓名", "手机号", "单位", "身份证号"], ["张三", "13800000001", p.unit.name, "1"]]
        ),
        "import.unknown_columns",
    ),
    "four rows without a column name above the header": (
        lambda p: csv_bytes(
            [["花名册"], ["填报单位"], ["填报人"], ["日期"], ["姓名", "手机号", "单位"]]
        ),
        "import.unknown_columns",
    ),
    "title row above a header only": (
        lambda p: csv_bytes([["孝义市在职党员花名册"], ["姓名", "手机号", "单位"]]),
        "import.empty",
    ),
    "two phone columns": (
        lambda p: csv_bytes([["姓名", "手机号", "手机", "单位"], ["张三", "1", "1", p.unit.name]]),
        "import.duplicate_columns",
    ),
    "cell outside the header": (
        lambda p: csv_bytes(
            [["姓名", "手机号", "单位"], ["张三", "13800000001", p.unit.name, "多余"]]
        ),
        "import.extra_cells",
    ),
    "empty file": (lambda p: b"", "import.empty"),
    "blank lines only": (lambda p: b"\r\n , ,\r\n\r\n", "import.empty"),
    "header only": (lambda p: csv_bytes([["姓名", "手机号", "单位"]]), "import.empty"),
    "xlsx header only": (lambda p: xlsx_bytes([["姓名", "手机号", "单位"]]), "import.empty"),
    "utf-16 csv": (
        lambda p: "姓名,手机号,单位\r\n张三,13800000001,单位\r\n".encode("utf-16"),
        "import.bad_encoding",
    ),
    "neither utf-8 nor gbk": (
        lambda p: "姓名,手机号,单位\r\n".encode() + b"\x80\x80,1,2",
        "import.bad_encoding",
    ),
    "legacy xls": (
        lambda p: bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512,
        "import.unsupported_format",
    ),
    "html saved as xls": (
        lambda p: b"<html><table><tr><td>1</td></tr></table></html>",
        "import.unsupported_format",
    ),
    "corrupt xlsx": (lambda p: b"PK\x03\x04" + b"\x00" * 100, "import.bad_file"),
    "unclosed quote": (
        lambda p: csv_bytes([["姓名", "手机号", "单位"]]) + b'"\xe5\xbc\xa0,13800000001\r\n',
        "import.bad_file",
    ),
}


@pytest.mark.parametrize("content, code", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_import_of_a_malformed_file_is_422_with_its_reason_and_writes_nothing(
    client: FlaskClient, setup: Setup, content: Callable[[City], bytes], code: str
) -> None:
    before = written()

    response = upload(client, ROSTER.url(setup.place.city), content(setup.place), setup.headers)

    assert response.status_code == 422, response.json
    assert response.json["code"] == code
    assert response.json["fields"]["file"] == [response.json["message"]]
    assert written() == before  # no rows and no batch: the file never got as far as its rows


def rejected_batch(client: FlaskClient, setup: Setup, bad_rows: int = 1) -> int:
    """Upload a roster with ``bad_rows`` bad phones; returns the rejected batch's id."""
    rows = [["姓名", "手机号", "单位"]]
    rows += [[f"张{chr(0x4E00 + i)}", f"1{i:05d}", setup.place.unit.name] for i in range(bad_rows)]
    response = upload(client, ROSTER.url(setup.place.city), csv_bytes(rows), setup.headers)
    assert response.status_code == 422, response.json
    batch_id: int = int(response.json["fields"]["report"][0].split("/")[-2])
    return batch_id


def test_import_rejected_for_its_rows_keeps_the_batch_and_full_report(
    client: FlaskClient, setup: Setup
) -> None:
    rows = [["姓名", "手机号", "单位"]]
    rows += [[f"张{chr(0x4E00 + i)}", f"1{i:05d}", setup.place.unit.name] for i in range(60)]

    response = upload(client, ROSTER.url(setup.place.city), csv_bytes(rows), setup.headers)

    assert response.status_code == 422
    assert "60" in response.json["message"]
    assert len(response.json["fields"]["rows"]) == 50  # the response shows the first 50
    assert [e["line"] for e in response.json["fields"]["rows"]] == list(range(2, 52))
    (report_url,) = response.json["fields"]["report"]
    report = client.get(report_url, headers=setup.headers)
    assert report.status_code == 200
    assert report.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in report.headers["Content-Disposition"]
    assert report.data[:3] == b"\xef\xbb\xbf"  # Excel opens UTF-8 only with a BOM
    lines = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "列", "错误"]
    assert [int(line[0]) for line in lines[1:]] == list(range(2, 62))
    batch = db.session.scalars(select(ImportBatch)).one()
    assert (batch.status, batch.row_count, len(batch.errors or [])) == ("rejected", 60, 60)
    assert count(RosterEntry) == 0


def test_import_batch_of_an_applied_file_shows_its_counts(
    client: FlaskClient, setup: Setup
) -> None:
    applied = upload(
        client, ROSTER.url(setup.place.city), csv_bytes(ROSTER.rows(setup.place)), setup.headers
    )
    assert applied.status_code == 201

    response = client.get(f"/api/v1/imports/{applied.json['id']}", headers=setup.headers)
    report = client.get(f"/api/v1/imports/{applied.json['id']}/errors.csv", headers=setup.headers)

    assert response.status_code == 200 and response.json == applied.json
    assert report.status_code == 200
    assert report.data.decode("utf-8-sig").splitlines() == ["行号,列,错误"]


READERS: dict[str, tuple[Role | None, Callable[[Setup], Area | WorkUnit | None]]] = {
    "org_admin of another city": (Role.ORG_ADMIN, lambda s: s.other.city),
    "community_admin": (Role.COMMUNITY_ADMIN, lambda s: s.place.community),
    "unit_admin": (Role.UNIT_ADMIN, lambda s: s.place.unit),
    "sys_admin": (Role.SYS_ADMIN, lambda s: None),
}


@pytest.mark.parametrize("suffix", ["", "/errors.csv"], ids=["batch", "report"])
@pytest.mark.parametrize("role, scope", READERS.values(), ids=READERS.keys())
def test_import_batch_outside_the_callers_scope_is_refused(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    setup: Setup,
    suffix: str,
    role: Role | None,
    scope: Callable[[Setup], Area | WorkUnit | None],
) -> None:
    batch_id = rejected_batch(client, setup)
    _, headers = login_as(client, fake_wechat, role, scope(setup))

    response = client.get(f"/api/v1/imports/{batch_id}{suffix}", headers=headers)

    # Another city's org_admin is told the batch does not exist; the others do not import.
    expected = (404, "import.not_found") if role == Role.ORG_ADMIN else (403, "auth.forbidden")
    assert (response.status_code, response.json["code"]) == expected, response.json


@pytest.mark.parametrize("suffix", ["", "/errors.csv"], ids=["batch", "report"])
def test_import_batch_unknown_is_404(client: FlaskClient, setup: Setup, suffix: str) -> None:
    response = client.get(f"/api/v1/imports/999999{suffix}", headers=setup.headers)

    assert response.status_code == 404 and response.json["code"] == "import.not_found"


@endpoints
def test_import_uploaded_twice_at_once_is_applied_once(race_app: Flask, endpoint: Endpoint) -> None:
    place = make_city()
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    headers = token_for(account.id)
    content, url = csv_bytes(endpoint.rows(place)), endpoint.url(place.city)

    def send(client: FlaskClient) -> TestResponse:
        return upload(client, url, content, headers)

    results = race(race_app, [send, send], hold=f"INSERT INTO {endpoint.table} ")

    assert [status for status, _ in results] == [201, 201], results
    assert sorted(body["created_count"] for _, body in results) == [0, 1]
