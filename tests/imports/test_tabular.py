"""Reading uploaded tables: CSV encodings and dialects, XLSX cells, header matching, rejections."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time

import openpyxl
import pytest

from sunshine.errors import Invalid
from sunshine.imports.tabular import Column, FileRejected, Table, read_table

COLUMNS = (
    Column("name", ("姓名", "name")),
    Column("phone", ("手机号", "手机号码", "电话", "phone")),
    Column("joined_on", ("入党日期",), required=False),
)


def csv_file(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_file(*rows: Sequence[object], sheets: int = 1) -> bytes:
    """A workbook whose first sheet holds ``rows`` from row 1; an empty row writes nothing.

    Excel cells have no time zone, so datetimes here are naive (built with ``combine``).
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=row_number, column=column_number, value=value)
    for index in range(1, sheets):
        workbook.create_sheet(f"Sheet{index + 1}").append(["其他", "表格"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with ``old`` replaced by ``new`` in the first sheet's XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            target.writestr(name, content)
    return buffer.getvalue()


def zip_file(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def read(data: bytes, filename: str = "名单.csv", **kwargs: int) -> Table:
    return read_table(data, filename, COLUMNS, **kwargs)


# -- CSV --------------------------------------------------------------------------------------


def test_csv_rows_are_keyed_by_column_with_excel_line_numbers() -> None:
    table = read(csv_file("姓名,手机号,入党日期\n张三,13800138000,2020-07-01\n李四,13900139000,\n"))

    assert table.rows == [
        {"name": "张三", "phone": "13800138000", "joined_on": "2020-07-01"},
        {"name": "李四", "phone": "13900139000", "joined_on": ""},
    ]
    assert table.line_numbers == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_or_gbk_reads_the_same(encoding: str) -> None:
    table = read(csv_file("姓名,电话\n欧阳娜娜,13800138000\n", encoding))

    assert table.rows == [{"name": "欧阳娜娜", "phone": "13800138000"}]


def test_csv_gbk_with_invalid_utf8_late_in_file_is_read_as_gbk() -> None:
    # The header is ASCII, so UTF-8 only fails on the second data row.
    data = csv_file("name,phone\nzhang,138\n李四,139\n", "gbk")

    assert read(data).rows == [
        {"name": "zhang", "phone": "138"},
        {"name": "李四", "phone": "139"},
    ]


def test_csv_is_tab_separated_when_header_has_tabs_and_no_commas() -> None:
    table = read(csv_file("姓名\t手机号\n张三，李四\t138\nA,B\t139\n"))

    assert table.rows == [
        {"name": "张三，李四", "phone": "138"},
        {"name": "A,B", "phone": "139"},
    ]


def test_csv_quoted_commas_and_newlines_stay_in_one_cell_and_one_line() -> None:
    text = '姓名,手机号\n"张三,李四","138"\n"王\n五",139\n赵六,"1""40"\n'

    table = read(csv_file(text))

    assert table.rows == [
        {"name": "张三,李四", "phone": "138"},
        {"name": "王\n五", "phone": "139"},
        {"name": "赵六", "phone": '1"40'},
    ]
    # Excel shows the two-line cell as one row, so 赵六 is on row 4.
    assert table.line_numbers == [2, 3, 4]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_csv_any_line_ending_reads_the_same(newline: str) -> None:
    table = read(csv_file(newline.join(["姓名,手机号", "张三,138", "", "李四,139", ""])))

    assert table.rows == [{"name": "张三", "phone": "138"}, {"name": "李四", "phone": "139"}]
    assert table.line_numbers == [2, 4]


def test_csv_blank_rows_are_skipped_and_later_line_numbers_stay_true() -> None:
    text = "\n \n姓名,手机号\n张三,138\n\n,\n  ,\u3000\n李四,139\n"

    table = read(csv_file(text))

    assert table.rows == [{"name": "张三", "phone": "138"}, {"name": "李四", "phone": "139"}]
    assert table.line_numbers == [4, 8]


def test_cells_are_stripped_and_missing_trailing_cells_are_blank() -> None:
    table = read(csv_file("姓名,手机号,入党日期\n \u3000张三\t , 138 \n李四\n"))

    assert table.rows == [
        {"name": "张三", "phone": "138", "joined_on": ""},
        {"name": "李四", "phone": "", "joined_on": ""},
    ]


@pytest.mark.parametrize(
    "header",
    ["姓名,手机号", "name,PHONE", " Name ,\u3000电话\u3000", "\ufeff姓名,手机号码", "手机号,姓名"],
)
def test_header_matches_any_alias_ignoring_ascii_case_and_surrounding_space(header: str) -> None:
    values = "138,张三" if header.startswith("手机号") else "张三,138"

    table = read(csv_file(f"{header}\n{values}\n"))

    assert table.rows == [{"name": "张三", "phone": "138"}]


def test_optional_column_absent_from_file_is_absent_from_rows() -> None:
    table = read(csv_file("姓名,手机号\n张三,138\n"))

    assert table.rows == [{"name": "张三", "phone": "138"}]


def test_blank_header_cell_over_a_blank_column_is_ignored() -> None:
    table = read(csv_file("姓名,,手机号,,\n张三,,138,,\n李四, ,139\n"))

    assert table.rows == [{"name": "张三", "phone": "138"}, {"name": "李四", "phone": "139"}]


# -- XLSX -------------------------------------------------------------------------------------


def test_xlsx_reads_numbers_dates_blank_rows_and_a_header_below_blank_rows() -> None:
    data = xlsx_file(
        [],
        [None, None],
        ["姓名", "手机号", "入党日期"],
        ["张三", 13800138000, date(2021, 7, 1)],
        ["李四", 13900139000.0, datetime.combine(date(2019, 5, 4), time())],
        [],
        ["  ", None, ""],
        ["王五", "13700137000", None],
    )

    table = read(data, "名单.xlsx")

    assert table.rows == [
        {"name": "张三", "phone": "13800138000", "joined_on": "2021-07-01"},
        {"name": "李四", "phone": "13900139000", "joined_on": "2019-05-04"},
        {"name": "王五", "phone": "13700137000", "joined_on": ""},
    ]
    assert table.line_numbers == [4, 5, 8]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        (-0.0, "0"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (date(2021, 7, 1), "2021-07-01"),
        (datetime.combine(date(2021, 7, 1), time()), "2021-07-01"),
        (datetime.combine(date(2021, 7, 1), time(8, 30)), "2021-07-01 08:30:00"),
        (time(8, 30), "08:30:00"),
        (True, "TRUE"),
        ("\u3000 文本 \n", "文本"),
        (None, ""),
    ],
    ids=repr,
)
def test_xlsx_cell_value_becomes_the_text_excel_shows(value: object, text: str) -> None:
    table = read(xlsx_file(["姓名", "手机号"], ["张三", value]), "名单.xlsx")

    assert table.rows == [{"name": "张三", "phone": text}]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (xlsx_file(["姓名", "手机号"], ["张三", "138"]), "名单.csv"),
        (csv_file("姓名,手机号\n张三,138\n"), "名单.xlsx"),
        (xlsx_file(["姓名", "手机号"], ["张三", "138"]), ""),
    ],
    ids=["xlsx-named-csv", "csv-named-xlsx", "xlsx-no-name"],
)
def test_format_comes_from_the_bytes_not_the_filename(data: bytes, filename: str) -> None:
    assert read(data, filename).rows == [{"name": "张三", "phone": "138"}]


def test_xlsx_reads_only_the_first_worksheet() -> None:
    data = xlsx_file(["姓名", "手机号"], ["张三", "138"], sheets=2)

    assert read(data, "名单.xlsx").rows == [{"name": "张三", "phone": "138"}]


def test_xlsx_whose_stored_dimension_is_too_small_still_reads_every_row() -> None:
    data = xlsx_file(["姓名", "手机号"], ["张三", "138"], ["李四", "139"])
    data = with_sheet_xml(data, b'<dimension ref="A1:B3" />', b'<dimension ref="A1" />')

    table = read(data, "名单.xlsx")

    assert table.rows == [{"name": "张三", "phone": "138"}, {"name": "李四", "phone": "139"}]


def test_xlsx_openpyxl_warnings_do_not_escape() -> None:
    data = xlsx_file(["姓名", "入党日期", "手机号"], ["张三", date(2024, 7, 1), "138"])
    data = with_sheet_xml(data, b"<v>45474</v>", b"<v>99999999</v>")  # a date no calendar has
    with pytest.warns(UserWarning):  # the file does make openpyxl warn
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        list(workbook.worksheets[0].values)
        workbook.close()

    table = read(data, "名单.xlsx")

    assert table.rows == [{"name": "张三", "joined_on": "#VALUE!", "phone": "138"}]


# -- Rejections -------------------------------------------------------------------------------

HEADER_AND_ROW = "姓名,手机号\n张三,138\n"

REJECTED = [
    ("姓名,手机号,地址\n张三,138,北京\n", "import.unknown_columns"),
    ("姓名,手机号,手机号\n张三,138,138\n", "import.duplicate_columns"),
    ("姓名,手机号,电话\n张三,138,138\n", "import.duplicate_columns"),
    ("name,姓名,phone\n张三,张三,138\n", "import.duplicate_columns"),
    ("姓名,入党日期\n张三,2020-01-01\n", "import.missing_columns"),
    ("姓名,手机号\n张三,138\n李四,139,多余\n", "import.extra_cells"),
    ("姓名,,手机号\n张三,多余,138\n", "import.extra_cells"),
    (xlsx_file(["姓名", "手机号"], ["张三", "138", None, "错位"]), "import.extra_cells"),
    (b"", "import.empty"),
    (b"\r\n  \r\n,,\r\n", "import.empty"),
    ("姓名,手机号\n", "import.empty"),
    ("姓名,手机号\n\n,\n \n", "import.empty"),
    (xlsx_file(), "import.empty"),
    (xlsx_file(["姓名", "手机号"], [], [" ", None]), "import.empty"),
    (b"PK\x03\x04" + b"garbage" * 20, "import.bad_file"),
    (zip_file("readme.txt", b"not a workbook"), "import.bad_file"),
    (xlsx_file(["姓名", "手机号"], ["张三", "138"])[:-200], "import.bad_file"),
    ('姓名,手机号\n张三,138\n"李四,139\n王五,137\n', "import.bad_file"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504), "import.unsupported_format"),
    (
        b"\xef\xbb\xbf <html><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table>",
        "import.unsupported_format",
    ),
    (b"\xff\xfe\x00\xd8" * 16, "import.bad_encoding"),
    (HEADER_AND_ROW.encode("utf-16"), "import.bad_encoding"),
    ("name,phone\nzhang,138\n".encode("utf-16-le"), "import.bad_encoding"),
    (b"\xe5\xa7\x93\xe5\x90\x8d,\x81\n", "import.bad_encoding"),
]


@pytest.mark.parametrize(
    ("data", "code"),
    REJECTED,
    ids=[
        "unknown-column",
        "same-header-twice",
        "two-aliases-of-one-column",
        "alias-and-header-of-one-column",
        "required-column-missing",
        "cell-beyond-last-header",
        "cell-under-blank-header",
        "xlsx-cell-beyond-last-header",
        "empty-file",
        "blank-lines-only",
        "header-only",
        "header-and-blank-rows-only",
        "xlsx-no-cells",
        "xlsx-header-and-blank-rows-only",
        "zip-signature-then-garbage",
        "zip-without-a-workbook",
        "truncated-xlsx",
        "csv-unclosed-quote",
        "xls-ole-signature",
        "html-saved-as-xls",
        "undecodable-bytes",
        "utf16-text",
        "utf16-without-bom-of-ascii",
        "neither-utf8-nor-gb18030",
    ],
)
def test_bad_file_is_rejected_with_a_code_and_a_chinese_field_error(
    data: str | bytes, code: str
) -> None:
    raw = data.encode() if isinstance(data, str) else data

    with pytest.raises(FileRejected) as caught:
        read(raw)

    error = caught.value
    assert isinstance(error, Invalid) and error.status == 422
    assert error.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    assert error.fields == {"file": [error.message]}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("姓名,手机号,地址,Email\n张三,138,x,y\n", ["地址", "Email"]),
        ("姓名,手机号,电话\n张三,138,138\n", ["手机号、电话"]),
        ("入党日期\n2020-01-01\n", ["姓名", "手机号"]),
        ("姓名,手机号\n张三,138\n\n李四,139,,多余\n", ["第 4 行", "D 列"]),
        ('姓名,手机号\n张三,138\n"李四,139\n', ["第 3 行"]),
    ],
    ids=[
        "unknown-lists-them",
        "duplicate-lists-them",
        "missing-by-first-header",
        "extra-cells-line",
        "unclosed-quote-line",
    ],
)
def test_rejection_message_names_what_to_fix(text: str, named: list[str]) -> None:
    with pytest.raises(FileRejected) as caught:
        read(csv_file(text))

    for part in named:
        assert part in caught.value.message


def test_unknown_columns_message_lists_at_most_ten() -> None:
    header = ",".join(["姓名", "手机号", *(f"列{i}" for i in range(30))])

    with pytest.raises(FileRejected) as caught:
        read(csv_file(f"{header}\n"))

    assert "、列9 等 30 列" in caught.value.message
    assert "列10" not in caught.value.message


@pytest.mark.parametrize(("max_rows", "rejected"), [(3, False), (2, True)])
def test_more_data_rows_than_max_rows_is_rejected(max_rows: int, rejected: bool) -> None:
    data = csv_file("姓名,手机号\n张三,138\n\n\n李四,139\n王五,137\n")

    if rejected:
        with pytest.raises(FileRejected) as caught:
            read(data, max_rows=max_rows)
        assert caught.value.code == "import.too_many_rows"
        assert str(max_rows) in caught.value.message
    else:
        assert len(read(data, max_rows=max_rows).rows) == 3


def test_xlsx_more_data_rows_than_max_rows_is_rejected() -> None:
    data = xlsx_file(["姓名", "手机号"], *([f"党员{i}", "138"] for i in range(5)))

    with pytest.raises(FileRejected) as caught:
        read(data, "名单.xlsx", max_rows=4)

    assert caught.value.code == "import.too_many_rows"


def test_columns_sharing_a_header_are_a_programming_error() -> None:
    columns = [Column("phone", ("电话",)), Column("office_phone", ("办公电话", " 电话 "))]

    with pytest.raises(ValueError, match="电话"):
        read_table(csv_file(HEADER_AND_ROW), "名单.csv", columns)
