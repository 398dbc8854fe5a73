"""Exports over HTTP: ask, run the jobs, download and open the file with openpyxl.

Every test writes its files to a temporary ``EXPORT_DIR`` of its own.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl.worksheet.worksheet import Worksheet

from sunshine.jobs.runner import run_due

URL = "/api/v1/exports"
RUN = "exports.run"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Headers = dict[str, str]


@pytest.fixture(autouse=True)
def export_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "exports"
    saved = app.config["EXPORT_DIR"], app.config["EXPORT_TTL_HOURS"]
    app.config["EXPORT_DIR"] = str(directory)
    yield directory
    app.config["EXPORT_DIR"], app.config["EXPORT_TTL_HOURS"] = saved


def ask(client: FlaskClient, headers: Headers, kind: str, /, **filters: Any) -> Any:
    return client.post(URL, json={"kind": kind, "filters": filters}, headers=headers)


def asked(client: FlaskClient, headers: Headers, kind: str, /, **filters: Any) -> dict[str, Any]:
    response = ask(client, headers, kind, **filters)
    assert response.status_code == 202, response.json
    body: dict[str, Any] = response.json
    return body


def run_exports() -> Any:
    return run_due(only=RUN)[RUN]


def file_bytes(client: FlaskClient, headers: Headers, export_id: int) -> bytes:
    response = client.get(f"{URL}/{export_id}/file", headers=headers)
    try:
        assert response.status_code == 200, response.json
        assert response.mimetype == XLSX
        assert "attachment" in response.headers["Content-Disposition"]
        data: bytes = response.data
    finally:
        response.close()  # send_file's open file
    return data


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def exported(client: FlaskClient, headers: Headers, kind: str, /, **filters: Any) -> Worksheet:
    """Ask for an export, run the job if it waits for one, and open its only sheet."""
    body = asked(client, headers, kind, **filters)
    if body["status"] != "done":
        assert run_exports()["exported"] == 1
    data = file_bytes(client, headers, body["id"])
    sheet = workbook(data).active
    assert isinstance(sheet, Worksheet)
    return sheet


def header(sheet: Worksheet) -> list[Any]:
    return [cell.value for cell in sheet[1]]


def rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """The data rows as {header: cell}."""
    names = header(sheet)
    return [dict(zip(names, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def formulas(data: bytes) -> list[str]:
    """Every formula in the workbook's sheets, read from the XML itself."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                found += re.findall(r"<f[ >].*?</f>", book.read(name).decode())
    return found
