"""Imports that cannot take a worker down: every bomb shape gets a 4xx in bounded memory.

Each bomb goes through the upload endpoint as the console would send it. The memory bound is
a sanity check on Python's allocations during the request (tracemalloc's peak), far under
what the bombs did before (a worker grew by 1.7 GB), not a measurement; timings are not
asserted here (they belong in bench/), but a bomb that got past the bounds would keep this
test busy for minutes.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.imports.models import ImportBatch
from sunshine.roster.models import RosterEntry
from tests.builders import City, count, csv_bytes, make_city, xlsx_bytes
from tests.imports import bombs
from tests.steps import login_as

MEMORY_BOUND = 64 * 1024 * 1024


@dataclass
class Importer:
    client: FlaskClient
    place: City
    headers: dict[str, str]

    def send(
        self, content: bytes, filename: str = "花名册.xlsx", *, measure: bool = True
    ) -> tuple[TestResponse, int]:
        """Upload ``content`` to the roster import: the response and the allocation peak
        (0 unless ``measure``: tracemalloc makes a request several times slower)."""
        boundary = "sunshine-bomb-boundary"
        # A ready-made body: the test client would spool a large one to a file it never closes.
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'.encode(),
                b"Content-Type: application/octet-stream\r\n\r\n",
                content,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        if not measure:
            return self._post(body, boundary), 0
        tracemalloc.start()
        try:
            response = self._post(body, boundary)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return response, peak

    def _post(self, body: bytes, boundary: str) -> TestResponse:
        return self.client.post(
            f"/api/v1/roster/imports?city_id={self.place.city.id}",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers=self.headers,
        )


@pytest.fixture
def importer(client: FlaskClient, fake_wechat: FakeWeChat) -> Importer:
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    return Importer(client, place, headers)


def roster_rows(importer: Importer) -> list[list[str]]:
    return [["姓名", "手机号", "单位"], ["张三", "13800000001", importer.place.unit.name]]


def written() -> tuple[int, int]:
    return count(RosterEntry), count(ImportBatch)


def with_sheet(rows_xml: bytes) -> bytes:
    """The roster workbook with ``rows_xml`` added at the end of its sheet data."""
    base = bombs.base_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(bombs.SHEET)
    head, _, tail = sheet.partition(b"</sheetData>")
    content = head + rows_xml + b"</sheetData>" + tail
    return bombs.rebuilt(base, {bombs.SHEET: bombs.member(bombs.SHEET, [(content, 1)])})


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    # The shapes of the issue: 0.95 MB of blank rows; ~1 MB holding one 1 GB text cell.
    "blank_rows_0.95MB": (bombs.blank_rows_bomb, "import.sheet_too_large"),
    "huge_cell_1GB": (lambda: bombs.huge_cell_bomb(1_000), "import.file_too_large"),
    "huge_cell_40MB": (lambda: bombs.huge_cell_bomb(40), "import.bad_file"),
    "ratio_1000": (bombs.ratio_bomb, "import.file_too_large"),
    "many_members": (bombs.many_members_bomb, "import.file_too_large"),
    # A tiny file: one row numbered a million (openpyxl would hand out every row above it).
    "one_far_row": (lambda: with_sheet(b'<row r="1048576"/>'), "import.sheet_too_large"),
    "one_far_column": (
        lambda: with_sheet(b'<row r="3"><c r="XFD3" t="n"><v>1</v></c></row>'),
        "import.sheet_too_large",
    ),
    "row_number_past_any_int": (
        lambda: with_sheet(b'<row r="99999999999999999999"/>'),
        "import.sheet_too_large",
    ),
}


@pytest.mark.parametrize("make, code", BOMBS.values(), ids=BOMBS.keys())
def test_xlsx_bomb_is_refused_whole_in_bounded_memory(
    importer: Importer, make: Callable[[], bytes], code: str
) -> None:
    bomb = make()
    assert len(bomb) < 1_100_000
    before = written()

    response, peak = importer.send(bomb)

    assert response.status_code == 422, response.json
    assert response.json["code"] == code
    assert response.json["fields"]["file"] == [response.json["message"]]
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB"
    assert written() == before


def test_a_doctype_in_any_part_is_refused(importer: Importer) -> None:
    base = bombs.base_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(bombs.SHEET)
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>' + sheet
    bomb = bombs.rebuilt(base, {bombs.SHEET: bombs.member(bombs.SHEET, [(laughs, 1)])})

    response, _ = importer.send(bomb, measure=False)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.bad_file"


def test_csv_of_blank_lines_past_the_bound_is_refused(importer: Importer) -> None:
    head = csv_bytes(roster_rows(importer))
    before = written()

    response, _ = importer.send(head + b"\r\n" * 300_000, "花名册.csv", measure=False)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.sheet_too_large"
    assert written() == before


def test_csv_line_wider_than_any_sheet_is_refused(importer: Importer) -> None:
    head = csv_bytes(roster_rows(importer))

    response, peak = importer.send(head + b"," * 5_000_000 + b"\r\n", "花名册.csv")

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.sheet_too_large"
    assert "第 3 行" in response.json["message"]
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("name", "message"),
    [("张" * 1_001, "内容超过 1000 个字符"), ("张\x7f三", "含有控制字符等不可见字符")],
    ids=["too_long", "control_character"],
)
def test_a_cell_that_cannot_be_imported_is_a_row_error(
    importer: Importer, file_format: str, name: str, message: str
) -> None:
    rows = [
        ["姓名", "手机号", "单位"],
        ["李四", "13800000002", importer.place.unit.name],
        [name, "13800000001", importer.place.unit.name],
    ]
    content = csv_bytes(rows) if file_format == "csv" else xlsx_bytes(list(rows))
    before = count(RosterEntry)

    response, _ = importer.send(content, f"花名册.{file_format}", measure=False)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.rows_invalid"
    assert response.json["fields"]["rows"] == [{"line": 3, "field": "姓名", "message": message}]
    batch = db.session.get(ImportBatch, int(response.json["fields"]["report"][0].split("/")[4]))
    assert batch is not None
    assert (batch.status, batch.row_count) == ("rejected", 2)
    assert count(RosterEntry) == before


def test_an_import_past_its_time_budget_is_413_and_writes_nothing(
    app: Flask, importer: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "IMPORT_TIME_BUDGET", 0.0)
    before = written()

    response, _ = importer.send(xlsx_bytes(list(roster_rows(importer))), measure=False)

    assert response.status_code == 413, response.json
    assert response.json["code"] == "import.over_budget"
    assert "0 秒" in response.json["message"]
    assert response.json["fields"]["file"] == [response.json["message"]]
    assert written() == before
