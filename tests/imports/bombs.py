"""XLSX files built to hurt a reader: blank-row, huge-cell, zip-ratio and many-member bombs.

Each is a valid zip that openpyxl would really open (right sizes and CRCs), made in a second
or two: a long run of one byte is deflated once, and the compressed block repeated (each block
is flushed whole, so blocks are independent and concatenate into one valid stream).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from tests.builders import xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


def base_xlsx() -> bytes:
    """A valid roster workbook (header and one row) for the bombs to start from."""
    return xlsx_bytes([["姓名", "手机号", "单位"], ["张三", "13800000001", "孝义市图书馆"]])


@dataclass(frozen=True)
class Member:
    """One zip member: its name, raw deflate data, CRC-32 and size unpacked."""

    name: str
    deflated: bytes
    crc: int
    size: int


def deflated(parts: Iterable[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of the concatenation of ``data * times`` parts."""
    out, crc, size = [], 0, 0
    for data, times in parts:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
        out.append(block * times)
        for _ in range(times):
            crc = zlib.crc32(data, crc)
        size += len(data) * times
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    out.append(final.flush(zlib.Z_FINISH))
    return b"".join(out), crc, size


def member(name: str, parts: Iterable[tuple[bytes, int]]) -> Member:
    stream, crc, size = deflated(parts)
    return Member(name, stream, crc, size)


def rebuilt(data: bytes, replace: dict[str, Member], extra: Iterable[Member] = ()) -> bytes:
    """``data`` (an XLSX file) with members replaced or added, written by hand."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = [
        replace.get(name) or member(name, [(source.read(name), 1)]) for name in source.namelist()
    ]
    members += list(extra)
    out = io.BytesIO()
    directory = []
    for item in members:
        offset = out.tell()
        name = item.name.encode()
        header = struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, item.crc,
            len(item.deflated), item.size, len(name), 0,
        )  # fmt: skip
        out.write(header + name + item.deflated)
        directory.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, item.crc,
                len(item.deflated), item.size, len(name), 0, 0, 0, 0, 0, offset,
            ) + name
        )  # fmt: skip
    start = out.tell()
    out.write(b"".join(directory))
    size = out.tell() - start
    out.write(
        struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), size, start, 0)
    )
    return out.getvalue()


def blank_rows_bomb(rows: int = 390_000) -> bytes:
    """The workbook with ``rows`` numbered blank rows under its data: a 0.95 MB file."""
    base = base_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(SHEET)
    head, _, tail = sheet.partition(b"</sheetData>")
    blank = b"".join(b'<row r="%d"/>' % n for n in range(3, 3 + rows))
    content = head + blank + b"</sheetData>" + tail
    return rebuilt(base, {SHEET: member(SHEET, [(content, 1)])})


def huge_cell_bomb(megabytes: int) -> bytes:
    """The data row's name cell holding ``megabytes`` MB of text (1,000 MB: ~1 MB of file)."""
    base = base_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(SHEET)
    head, name, tail = sheet.partition("张三".encode())
    assert name
    parts = [(head, 1), (b"A" * MB, megabytes), (tail, 1)]
    return rebuilt(base, {SHEET: member(SHEET, parts)})


def ratio_bomb(megabytes: int = 1_000) -> bytes:
    """An image part of ``megabytes`` MB of zeros: a compression ratio of about 1,000."""
    image = member("xl/media/image1.png", [(b"\x00" * MB, megabytes)])
    return rebuilt(base_xlsx(), {}, [image])


def many_members_bomb(count: int = 5_000) -> bytes:
    """The workbook with ``count`` tiny extra parts."""
    extra = [member(f"xl/extra/part{n}.xml", [(b"<a/>", 1)]) for n in range(count)]
    return rebuilt(base_xlsx(), {}, extra)
