"""Bounds on an XLSX file, checked before openpyxl opens it.

An upload is at most 10 MB, but a zip inflates about a thousand times, and a sheet of
nothing but ``<row r="1048576"/>`` makes openpyxl hand out a million empty rows: a 0.95 MB
file of blank rows kept a worker busy until gunicorn killed it, and a 1 MB file with one huge
text cell grew a worker by 1.7 GB. So, on the zip's own directory and a streaming pass of
expat over its XML (nothing kept but counters, so memory stays flat whatever the file):

- the directory: at most ``MAX_MEMBERS`` parts, ``MAX_UNCOMPRESSED`` bytes unpacked in all
  (zipfile never unpacks more than a part's declared size, so the sum is a true bound);
- every worksheet (a part whose root is ``<worksheet>``, wherever the workbook puts it): at
  most ``max_lines`` rows counted by the highest row number, blank rows included, and
  ``MAX_COLUMNS`` columns;
- the shared-string table (read into memory whole by openpyxl): ``MAX_SHARED_STRINGS``;
- every text node at most ``MAX_TEXT`` characters, Excel's own limit for a cell;
- every other XML part (styles, workbook, theme …: parsed into a tree whole by openpyxl) at
  most ``MAX_PART`` bytes unpacked; a DOCTYPE anywhere is refused (no XLSX has one).

A file over a bound is refused whole (422), with what to change in the message.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any
from xml.parsers import expat

from sunshine.imports.budget import Deadline
from sunshine.imports.refusals import FileRejected, bad_file

MAX_MEMBERS = 1_000
MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_PART = 4 * 1024 * 1024
MAX_COLUMNS = 256
MAX_SHARED_STRINGS = 1_000_000
MAX_TEXT = 32_767

_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
_END_OF_DIRECTORY = b"PK\x05\x06"
_CHUNK = 64 * 1024
_CHECK_EVERY = 4096  # elements between two looks at the clock


class _Stop(Exception):
    """Raised from an expat handler to end the scan with a refusal."""

    def __init__(self, refusal: FileRejected) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


def check_xlsx(data: bytes, *, max_lines: int, deadline: Deadline) -> None:
    """Refuse an XLSX file over any bound (module docstring); return quietly otherwise."""
    _check_directory_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error) as exc:
        raise bad_file() from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _too_large(f"文件包含 {len(members)} 个部件，超过上限 {MAX_MEMBERS}")
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED:
            raise _too_large(
                f"文件解压后有 {total // 2**20} MB，超过上限 {MAX_UNCOMPRESSED // 2**20} MB"
            )
        for member in members:
            if not member.is_dir():
                _scan(archive, member, max_lines, deadline)


def _check_directory_size(data: bytes) -> None:
    """The member count in the end-of-directory record, before zipfile reads one entry of a
    directory that may list hundreds of thousands (zipfile itself walks the directory by size,
    so its byte size is bounded too)."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + 22:
        raise bad_file()
    entries, directory_size = struct.unpack("<xxxxxxxxxxHI", data[at : at + 16])
    if entries > MAX_MEMBERS or directory_size > MAX_MEMBERS * 1024:
        raise _too_large(f"文件包含的部件超过上限 {MAX_MEMBERS}")


def _too_large(what: str) -> FileRejected:
    return FileRejected(
        f"{what}，无法导入。请删除多余的工作表、图片和格式后另存，或分成多个文件上传",
        code="import.file_too_large",
    )


class _PartScan:
    """Counters for one part, fed by expat's handlers."""

    def __init__(self, name: str, max_lines: int, deadline: Deadline) -> None:
        self.name = name
        self.max_lines = max_lines
        self.deadline = deadline
        self.root: str | None = None
        self.elements = 0
        self.row = 0  # the current row's number
        self.column = 0  # the current cell's column number
        self.strings = 0
        self.text = 0  # characters in the current text node

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.text = 0
        self.elements += 1
        if self.elements % _CHECK_EVERY == 0:
            self.deadline.check()
        namespace, _, local = tag.rpartition(" ")
        if self.root is None:
            self.root = local if namespace in _MAIN else ""
        if namespace not in _MAIN:
            return
        if self.root == "worksheet":
            self._sheet_element(local, attributes)
        elif self.root == "sst" and local == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _Stop(_too_large(f"共享文本超过 {MAX_SHARED_STRINGS} 条"))

    def _sheet_element(self, local: str, attributes: dict[str, str]) -> None:
        if local == "row":
            self.row = _row_number(attributes.get("r"), self.row, self.max_lines)
            self.column = 0
            if self.row > self.max_lines:
                raise _Stop(
                    FileRejected(
                        f"工作表的行数超过 {self.max_lines} 行（空行也算在内），"
                        "请删除表格末尾多余的行，或分成多个文件上传",
                        code="import.sheet_too_large",
                    )
                )
        elif local == "c":
            reference = attributes.get("r")
            self.column = _column_number(reference) if reference else self.column + 1
            if self.column > MAX_COLUMNS:
                raise _Stop(
                    FileRejected(
                        f"工作表第 {self.row} 行超过 {MAX_COLUMNS} 列，"
                        "请删除右侧多余的列后重新上传",
                        code="import.sheet_too_large",
                    )
                )

    def characters(self, text: str) -> None:
        self.text += len(text)
        if self.text > MAX_TEXT:
            raise _Stop(
                bad_file(
                    f"文件中有单元格超过 Excel 允许的 {MAX_TEXT} 个字符，文件可能已损坏，"
                    "请检查后重新上传"
                )
            )


def _scan(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_lines: int, deadline: Deadline
) -> None:
    scan = _PartScan(member.filename, max_lines, deadline)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.CharacterDataHandler = scan.characters
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    read = 0
    try:
        with archive.open(member) as part:
            while chunk := part.read(_CHUNK):
                read += len(chunk)
                parser.Parse(chunk, False)
                _check_whole_part(scan, read)
            parser.Parse(b"", True)
    except _Stop as stop:
        raise stop.refusal from None
    except expat.ExpatError:
        return  # not XML (an image, a printer setting): openpyxl reads none of those as XML
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise bad_file() from exc


def _check_whole_part(scan: _PartScan, read: int) -> None:
    """Parts other than sheets and the shared strings are parsed into a tree whole."""
    if scan.root not in (None, "worksheet", "sst") and read > MAX_PART:
        raise _too_large(f"文件中的部件 {scan.name} 解压后超过 {MAX_PART // 2**20} MB")


def _refuse_doctype(*_: Any) -> None:
    raise _Stop(bad_file())


def _row_number(text: str | None, previous: int, max_lines: int) -> int:
    """A row's number as openpyxl reads it: ``r``, or the one after the previous row."""
    if text is None:
        return previous + 1
    if not text.isdigit() or len(text) > 9:
        return max_lines + 1  # not a row number openpyxl could use, or one far past the bound
    return int(text)


def _column_number(reference: str) -> int:
    """``AB12`` → 28; a reference that is not one counts as a column past the bound."""
    letters = reference.rstrip("0123456789")
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isupper():
        return MAX_COLUMNS + 1
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
