"""Read an uploaded table (CSV or XLSX) into rows keyed by the caller's column names.

The one module that opens spreadsheets: every import (area tree, work units, rosters) calls
``read_table`` and validates the cells itself. This module checks only the file and its shape
— format, encoding, header, stray cells, row count — and refuses a bad file whole with a
``FileRejected`` whose Chinese message tells the user what to fix.

The format comes from the bytes, never the filename: users rename files, and Excel in China
saves CSV as GBK. Line numbers are the row numbers Excel shows, so a caller's message ("第 12 行
手机号有误") points at the right row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import string
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import openpyxl

from sunshine.imports.bounds import MAX_COLUMNS, check_xlsx
from sunshine.imports.budget import NO_DEADLINE, Deadline
from sunshine.imports.refusals import FileRejected, bad_file
from sunshine.request_input import CONTROL_IN_TEXT

_ZIP_SIGNATURE = b"PK\x03\x04"
# OLE compound file: legacy .xls, WPS .et, and also password-protected .xlsx.
_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig drops a BOM; GB18030 is a superset of GBK
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_LISTED = 10  # header texts named in one message; a wrong file can have hundreds
_TITLE_ROWS = 3  # rows above the header without a known column name: a title, "填报单位：…"
_SPARE_LINES = 1_000  # lines a file may have beyond its data rows: titles, blank lines
# No imported field is longer (names 100, unit names 200); a longer cell is a row error.
MAX_CELL_CHARS = 1_000

Record = tuple[int, list[str]]  # (line number as Excel shows it, stripped cell texts)


@dataclass(frozen=True)
class Column:
    """A column the caller expects, under any of the header texts users write for it."""

    key: str
    headers: tuple[str, ...]
    required: bool = True


@dataclass
class Table:
    """The data rows of a file, each with the line it came from; rows with a cell that cannot
    be imported (too long, a control character) are left out and listed in ``cell_errors``
    as (line, header text, message)."""

    rows: list[dict[str, str]]
    line_numbers: list[int]
    cell_errors: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Limits:
    rows: int  # data rows
    lines: int  # every line of the sheet, blank ones and titles included
    deadline: Deadline


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_rows: int = 200_000,
    deadline: Deadline = NO_DEADLINE,
) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file, into rows keyed by ``Column.key``.

    The header is the first non-blank row naming a known column, below at most three title
    rows that name none (``_find_header``); entirely blank rows are skipped. Refuses legacy
    .xls, undecodable or corrupt files, unknown, duplicate or missing columns, data outside
    the header's columns, no data rows, more than ``max_rows`` data rows, and more lines
    than that with room for titles and blank lines (``bounds``: an XLSX file is measured
    before openpyxl opens it). A cell too long or holding a control character is a row error
    (``Table.cell_errors``), not a refusal. Past ``deadline``: ``OverBudget``. ``filename`` is
    not used to pick the format (see the module docstring).
    """
    lookup = _header_lookup(columns)
    limits = _Limits(max_rows, max_rows + _SPARE_LINES, deadline)
    if data.startswith(_ZIP_SIGNATURE):
        check_xlsx(data, max_lines=limits.lines, deadline=deadline)
        return _read_xlsx(data, lookup, columns, limits)
    if data.startswith(_OLE_SIGNATURE) or _looks_like_markup(data):
        raise FileRejected(
            "不支持此文件格式（如旧版 .xls 或加密的表格），"
            "请在 Excel 中另存为 .xlsx 或 CSV 文件后重新上传",
            code="import.unsupported_format",
        )
    # Text files have no NUL; UTF-16 text and binary files do, and GB18030 would "decode" them.
    if b"\x00" not in data:
        for encoding in _CSV_ENCODINGS:
            try:
                return _collect(_csv_records(data, encoding), lookup, columns, limits)
            except UnicodeDecodeError:
                continue
    raise FileRejected(
        "无法识别文件的文字编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件，或 .xlsx 文件后重新上传",
        code="import.bad_encoding",
    )


# -- Sources: each yields (line number, stripped cell texts) for every row of the file. -----


def _csv_records(data: bytes, encoding: str) -> Iterator[Record]:
    """Rows of a CSV file; decoding is lazy, so a UnicodeDecodeError can come from any row."""
    with io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="") as text:
        peeked: list[str] = []
        for physical_line in text:
            peeked.append(physical_line)
            if physical_line.strip():
                break
        header_line = peeked[-1] if peeked else ""
        delimiter = "\t" if "\t" in header_line and "," not in header_line else ","
        lines = _narrow_lines(itertools.chain(peeked, text), delimiter)
        # strict: an unclosed quote would otherwise swallow the rest of the file into one cell.
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        # Excel shows one row per record, so a quoted newline does not move the line number.
        line = 0
        try:
            for line, cells in enumerate(reader, start=1):
                yield line, [cell.strip() for cell in cells]
        except csv.Error as exc:
            raise FileRejected(
                f"CSV 文件格式有误：第 {line + 1} 行附近的引号没有配对，或单元格内容过长，"
                "请检查后重新上传",
                code="import.bad_file",
            ) from exc


def _narrow_lines(lines: Iterator[str], delimiter: str) -> Iterator[str]:
    """The physical lines, refusing one with more delimiters than a sheet has columns
    (csv would build a list of every cell of it first)."""
    for number, physical_line in enumerate(lines, start=1):
        if physical_line.count(delimiter) >= MAX_COLUMNS:
            raise FileRejected(
                f"第 {number} 行超过 {MAX_COLUMNS} 列，请删除多余的列后重新上传",
                code="import.sheet_too_large",
            )
        yield physical_line


def _read_xlsx(
    data: bytes, lookup: dict[str, Column], columns: Sequence[Column], limits: _Limits
) -> Table:
    """Read the first worksheet of an XLSX file."""
    bad = bad_file()
    # openpyxl warns about features it drops (data validation, missing styles); they do not
    # matter for reading values and the test suite turns warnings into errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Untrusted bytes through a third-party parser: anything it raises means a bad file.
        except Exception as exc:
            raise bad from exc
        try:
            return _collect(_xlsx_records(workbook, bad), lookup, columns, limits)
        finally:
            workbook.close()


def _xlsx_records(workbook: Any, bad: FileRejected) -> Iterator[Record]:
    """Rows of the first worksheet; read-only sheets parse lazily, so errors come per row."""
    try:
        sheet = workbook.worksheets[0]
        # The stored dimension can be wrong (some exporters write "A1"); trusting it would
        # silently drop rows and columns, so read every row as far as its last cell.
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        # openpyxl fills rows missing from the file with empty ones, so counting from 1 gives
        # the row numbers Excel shows.
        for line in itertools.count(1):
            row = next(values, None)
            if row is None:
                return
            yield line, [_cell_text(value) for value in row]
    except Exception as exc:
        raise bad from exc


def _cell_text(value: object) -> str:
    """A cell's value as the text a user typed or sees."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Phone and ID numbers typed as numbers come back as floats (13800138000.0).
        if value.is_integer():
            return str(int(value))
        # Excel shows 15 significant digits: 0.1 + 0.2 is "0.3", not "0.30000000000000004".
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _looks_like_markup(data: bytes) -> bool:
    """HTML or XML saved as ".xls" (what many web systems export) rather than a real table."""
    return data[:1024].lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<")


# -- Shape: header, columns, rows. ----------------------------------------------------------


def _header_lookup(columns: Sequence[Column]) -> dict[str, Column]:
    """Normalised header text → column; overlapping declarations are a programming error."""
    lookup: dict[str, Column] = {}
    keys: set[str] = set()
    for column in columns:
        if not column.headers or column.key in keys:
            raise ValueError(f"column {column.key!r} has no headers or is declared twice")
        keys.add(column.key)
        for header in column.headers:
            other = lookup.setdefault(_normalise(header), column)
            if other is not column:
                raise ValueError(f"header {header!r} is declared for {other.key!r} too")
    return lookup


def _normalise(header: str) -> str:
    # str.strip() covers the full-width space; BOM and zero-width space are not whitespace.
    text = header.replace("\ufeff", "").replace("\u200b", "").strip()
    return text.translate(_ASCII_LOWER)


def _collect(
    records: Iterator[Record],
    lookup: dict[str, Column],
    columns: Sequence[Column],
    limits: _Limits,
) -> Table:
    """Find the header, map it to columns, and gather the non-blank rows under it."""
    records = _bounded(records, limits)
    header = _find_header(records, lookup)
    fields = _match_header(header, lookup, columns)
    width = max(index for index, _ in fields) + 1
    used = {index for index, _ in fields}
    unused = [index for index in range(width) if index not in used]  # blank header cells
    max_rows = limits.rows

    table = Table(rows=[], line_numbers=[])
    rows, line_numbers = table.rows, table.line_numbers
    for line, cells in records:
        if not any(cells):
            continue
        if any(cells[width:]) or any(cells[i] for i in unused if i < len(cells)):
            stray = next(i for i, cell in enumerate(cells) if cell and i not in used)
            raise FileRejected(
                f"第 {line} 行第 {_column_letter(stray)} 列有内容，但该列没有标题，"
                "请检查这一行是否错位",
                code="import.extra_cells",
            )
        if len(rows) == max_rows:
            raise FileRejected(
                f"数据超过 {max_rows} 行，请分成多个文件上传", code="import.too_many_rows"
            )
        count = len(cells)
        row = {key: cells[i] if i < count else "" for i, key in fields}
        faults = [(header[i], fault) for i, _ in fields if i < count if (fault := _fault(cells[i]))]
        if faults:
            table.cell_errors.extend((line, name, fault) for name, fault in faults)
            continue
        rows.append(row)
        line_numbers.append(line)
    if not rows and not table.cell_errors:
        raise _empty()
    return table


def _bounded(records: Iterator[Record], limits: _Limits) -> Iterator[Record]:
    """The records, refusing a file longer than ``limits.lines`` (blank lines included: they
    cost as much to read) and stopping at the deadline."""
    for line, cells in records:
        limits.deadline.check()
        if line > limits.lines:
            raise FileRejected(
                f"文件超过 {limits.lines} 行（空行也算在内），"
                "请删除表格末尾多余的行，或分成多个文件上传",
                code="import.sheet_too_large",
            )
        yield line, cells


def _fault(text: str) -> str | None:
    """Why a cell's text cannot be imported, or None."""
    if len(text) > MAX_CELL_CHARS:
        return f"内容超过 {MAX_CELL_CHARS} 个字符"
    if CONTROL_IN_TEXT.search(text):
        return "含有控制字符等不可见字符"
    return None


def _find_header(records: Iterator[Record], lookup: dict[str, Column]) -> list[str]:
    """The first non-blank row holding a known column name, after at most ``_TITLE_ROWS``
    rows without one: sheets exported from office systems open with a title ("孝义市在职
    党员花名册") and a line such as "填报单位：…" above the header. When no such row comes,
    the first non-blank row is the header, and ``_match_header`` names its unknown columns.
    """
    above: list[list[str]] = []
    for _, cells in records:
        if not any(cells):
            continue
        if any(_normalise(cell) in lookup for cell in cells):
            return cells
        above.append(cells)
        if len(above) > _TITLE_ROWS:
            break
    if not above:
        raise _empty()
    return above[0]


def _match_header(
    header: list[str], lookup: dict[str, Column], columns: Sequence[Column]
) -> list[tuple[int, str]]:
    """(cell index, column key) for each header cell, or the reason the header is refused."""
    fields: list[tuple[int, str]] = []
    unknown: list[str] = []
    found: dict[str, list[str]] = {}  # column key → header texts in the file
    for index, text in enumerate(header):
        normalised = _normalise(text)
        if not normalised:
            continue
        column = lookup.get(normalised)
        if column is None:
            unknown.append(text)
            continue
        found.setdefault(column.key, []).append(text)
        fields.append((index, column.key))
    if unknown:
        expected = _listing([column.headers[0] for column in columns])
        raise FileRejected(
            f"无法识别的列：{_listing(unknown)}。可以使用的列：{expected}",
            code="import.unknown_columns",
        )
    repeated = ["、".join(texts) for texts in found.values() if len(texts) > 1]
    if repeated:
        raise FileRejected(
            f"以下列重复，同一项只能有一列：{'；'.join(repeated)}",
            code="import.duplicate_columns",
        )
    missing = [c.headers[0] for c in columns if c.required and c.key not in found]
    if missing:
        raise FileRejected(f"缺少必填的列：{_listing(missing)}", code="import.missing_columns")
    return fields


def _empty() -> FileRejected:
    return FileRejected("文件中没有数据，请在标题行下方填写后重新上传", code="import.empty")


def _listing(names: Sequence[str]) -> str:
    listed = "、".join(names[:_LISTED])
    return f"{listed} 等 {len(names)} 列" if len(names) > _LISTED else listed


def _column_letter(index: int) -> str:
    """Excel's name for the 0-based column ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
