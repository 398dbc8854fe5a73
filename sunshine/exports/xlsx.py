"""Writing xlsx files: the only module that imports XlsxWriter.

Every export goes through ``write``: one workbook in XlsxWriter's ``constant_memory`` mode
(each row is flushed to a temporary file as soon as the next one starts, so memory does not
grow with the rows), Chinese headers in a bold, frozen first row with an autofilter, one
width per column, and cells of real types: numbers are numbers, dates and times are Excel
dates (times in Asia/Shanghai, as people read them; Excel has no time zones).

Text is always written with ``write_string``, never ``write``: XlsxWriter's ``write`` turns a
string starting with ``=`` into a formula. A text a user typed that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (what Excel and WPS would take for the start of a
formula, the spreadsheet-injection characters) also gets Excel's "quote prefix" style: the
cell stays text when someone edits it and presses Enter, and its value is unchanged (no
apostrophe added to the data).

A sheet holds at most 1,048,576 rows; past that the rows go on in a new sheet with the same
header ("党员名单 (2)").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import xlsxwriter

from sunshine import clock

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_ROWS = 1_048_576  # Excel's limit, the header row included
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


class Cell(StrEnum):
    """What a column holds, and so how its cells are written."""

    TEXT = "text"
    INTEGER = "integer"
    HOURS = "hours"  # a number of hours with two decimals (written from minutes)
    DECIMAL = "decimal"  # a number shown with one decimal (e.g. hours already computed)
    PERCENT = "percent"  # a rate between 0 and 1, shown as a percentage
    DATE = "date"
    DATETIME = "datetime"  # an aware datetime, shown in Asia/Shanghai


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    cell: Cell = Cell.TEXT


@dataclass(frozen=True)
class Layout:
    """How a sheet is laid out beyond its columns: for one that is printed (the 签到表)."""

    printable: bool = False  # borders on every cell, landscape, header row on every page
    row_height: float | None = None  # points; room for a handwritten signature
    page_header: str | None = None  # printed at the top of every page


_FORMATS: dict[str, dict[str, Any]] = {
    "header": {"bold": True, "bg_color": "#DDEBF7", "valign": "vcenter", "text_wrap": True},
    "text": {},
    "risky": {"quote_prefix": True},
    "integer": {"num_format": "0"},
    "hours": {"num_format": "0.00"},
    "decimal": {"num_format": "0.0"},
    "percent": {"num_format": "0.0%"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
}


class _Sheets:
    """The workbook being written: the current sheet, its next row, and the cell formats."""

    def __init__(self, book: Any, title: str, columns: Sequence[Column], layout: Layout):
        self.book, self.title, self.columns, self.layout = book, title, columns, layout
        border = {"border": 1, "valign": "vcenter"} if layout.printable else {}
        self.formats = {
            name: book.add_format({**spec, **border}) for name, spec in _FORMATS.items()
        }
        self.count = 0
        self.sheet: Any = None
        self.row = 0

    def new_sheet(self) -> None:
        if self.sheet is not None:
            self.sheet.autofilter(0, 0, self.row - 1, len(self.columns) - 1)
        self.count += 1
        name = self.title if self.count == 1 else f"{self.title} ({self.count})"
        sheet = self.book.add_worksheet(name.translate(_SHEET_NAME_FORBIDDEN)[:31])
        for i, column in enumerate(self.columns):
            sheet.set_column(i, i, column.width)
        sheet.freeze_panes(1, 0)
        if self.layout.row_height is not None:
            sheet.set_default_row(self.layout.row_height)
        if self.layout.printable:
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(0)
            sheet.fit_to_pages(1, 0)  # every column on the page's width
            sheet.center_horizontally()
        if self.layout.page_header:
            text = self.layout.page_header.replace("&", "&&")[:200]  # Excel: 255 at most
            sheet.set_header("&C&14" + text)
        for i, column in enumerate(self.columns):
            sheet.write_string(0, i, column.header, self.formats["header"])
        self.sheet, self.row = sheet, 1

    def write_row(self, values: Sequence[Any]) -> None:
        if self.sheet is None or self.row >= MAX_SHEET_ROWS:
            self.new_sheet()
        for i, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            self._write_cell(i, column.cell, value)
        self.row += 1

    def _write_cell(self, col: int, cell: Cell, value: Any) -> None:
        sheet, row, formats = self.sheet, self.row, self.formats
        if value is None or value == "":
            if self.layout.printable:
                sheet.write_blank(row, col, None, formats["text"])
        elif cell is Cell.TEXT:
            text = str(value)
            risky = text.startswith(RISKY_STARTS)
            sheet.write_string(row, col, text, formats["risky" if risky else "text"])
        elif cell is Cell.INTEGER:
            sheet.write_number(row, col, int(value), formats["integer"])
        elif cell is Cell.HOURS:
            sheet.write_number(row, col, round(int(value) / 60, 2), formats["hours"])
        elif cell is Cell.DECIMAL or cell is Cell.PERCENT:
            sheet.write_number(row, col, float(value), formats[cell.value])
        elif cell is Cell.DATE:
            sheet.write_datetime(row, col, _as_date(value), formats["date"])
        else:
            moment = clock.local(value).replace(tzinfo=None)
            sheet.write_datetime(row, col, moment, formats["datetime"])

    def close(self) -> None:
        if self.sheet is None:
            self.new_sheet()  # an empty export is a sheet with its header
        self.sheet.autofilter(0, 0, max(self.row - 1, 0), len(self.columns) - 1)
        self.book.close()


def _as_date(value: date) -> datetime:
    """A day as XlsxWriter takes it (a naive midnight: Excel's dates have no time zone)."""
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)  # noqa: DTZ001


def write(
    path: Path,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    layout: Layout | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 5000,
) -> int:
    """Write ``rows`` (one value per column, None for an empty cell) to a new xlsx file at
    ``path``; return how many were written. ``progress(rows so far)`` is called every
    ``every`` rows. Temporary files go next to ``path``."""
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(path.parent),
            # Belt and braces: write_string never converts, but nothing here ever should.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"title": title, "author": "一米阳光", "comments": "Sunshine export"})
    sheets = _Sheets(book, title, columns, layout or Layout())
    written = 0
    try:
        for values in rows:
            sheets.write_row(values)
            written += 1
            if progress is not None and written % every == 0:
                progress(written)
    finally:
        sheets.close()
    return written
