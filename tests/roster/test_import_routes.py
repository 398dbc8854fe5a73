"""Importing the roster (花名册, POST /api/v1/roster/imports): all or nothing, keyed by phone."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.roster.models import RosterEntry
from tests.builders import count, csv_bytes, make_party_org, publish_notice, xlsx_bytes
from tests.steps import login_as, onboard, upload

HEADER = ["姓名", "手机号", "单位", "党组织"]
ROSTER = [
    HEADER,
    ["张三", "13800000001", "孝义市人民医院", "内科党支部"],
    ["李四", "138 0000 0002", "孝义市人民医院", ""],
    ["王五", "138-0000-0003", "孝义中学", "中学党支部"],
    ["赵六", "+86 138 0000 0004", "孝义中学", ""],
]
ENTRIES = {
    ("张三", "13800000001", "孝义市人民医院", "内科党支部"),
    ("李四", "13800000002", "孝义市人民医院", None),
    ("王五", "13800000003", "孝义中学", "中学党支部"),
    ("赵六", "13800000004", "孝义中学", None),
}


@dataclass
class Setup:
    city: Area
    community: Area
    hospital: WorkUnit
    school: WorkUnit
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"/api/v1/roster/imports?city_id={self.city.id}"


@pytest.fixture
def setup(client: FlaskClient, fake_wechat: FakeWeChat) -> Setup:
    city = org.create_area(name="孝义市", level=AreaLevel.CITY)
    street = org.create_area(name="新义街道", level=AreaLevel.STREET, parent=city)
    community = org.create_area(name="府前社区", level=AreaLevel.COMMUNITY, parent=street)
    hospital = org.create_work_unit(name="孝义市人民医院", city=city)
    school = org.create_work_unit(name="孝义中学", city=city)
    db.session.commit()
    make_party_org(hospital, "医院党委", "committee")
    make_party_org(hospital, "内科党支部")
    make_party_org(school, "中学党支部")
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city)
    return Setup(city, community, hospital, school, headers)


def entries_of(city: Area) -> set[tuple[str, str, str, str | None]]:
    """(name, phone, unit, party org) of every roster row of the city."""
    return {
        (e.name, e.phone, e.unit.name, e.party_org.name if e.party_org else None)
        for e in db.session.scalars(select(RosterEntry).where(RosterEntry.city_id == city.id))
    }


def _xlsx(rows: list[list[str]]) -> bytes:
    # Phones typed as numbers come back from Excel as numbers.
    return xlsx_bytes([[int(c) if c.isdigit() else c for c in row] for row in rows])


FORMATS: dict[str, tuple[Callable[[list[list[str]]], bytes], str]] = {
    "utf-8 csv": (csv_bytes, "roster.csv"),
    "utf-8 csv with bom": (lambda rows: b"\xef\xbb\xbf" + csv_bytes(rows), "roster.csv"),
    "gbk csv": (lambda rows: csv_bytes(rows, encoding="gbk"), "花名册.csv"),
    "xlsx": (_xlsx, "花名册.xlsx"),
}


@pytest.mark.parametrize("encode, filename", FORMATS.values(), ids=FORMATS.keys())
def test_roster_import_creates_rows_from_csv_and_xlsx(
    client: FlaskClient,
    setup: Setup,
    encode: Callable[[list[list[str]]], bytes],
    filename: str,
) -> None:
    response = upload(client, setup.url, encode(ROSTER), setup.headers, filename=filename)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["kind"], batch["status"], batch["filename"]) == ("roster", "applied", filename)
    assert (batch["row_count"], batch["created_count"], batch["updated_count"]) == (4, 4, 0)
    assert entries_of(setup.city) == ENTRIES


@pytest.mark.parametrize(
    "written, stored",
    [
        ("13800000001", "13800000001"),
        (" 138 0000 0001 ", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+8613800000001", "13800000001"),
        ("+86 138-0000-0001", "13800000001"),
    ],
)
def test_roster_import_normalises_phone_numbers(
    client: FlaskClient, setup: Setup, written: str, stored: str
) -> None:
    rows = [HEADER, ["张三", written, "孝义市人民医院", ""]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    assert entries_of(setup.city) == {("张三", stored, "孝义市人民医院", None)}


@pytest.mark.parametrize(
    "written, stored",
    [
        ("张　三", "张三"),
        ("张 三", "张三"),
        ("John  Smith", "John Smith"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
    ],
)
def test_roster_import_drops_padding_inside_names(
    client: FlaskClient, setup: Setup, written: str, stored: str
) -> None:
    rows = [HEADER, [written, "13800000001", "孝义市人民医院", ""]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    assert entries_of(setup.city) == {(stored, "13800000001", "孝义市人民医院", None)}


def test_roster_reimport_of_the_same_file_changes_nothing(
    client: FlaskClient, setup: Setup
) -> None:
    assert upload(client, setup.url, csv_bytes(ROSTER), setup.headers).status_code == 201

    again = upload(client, setup.url, xlsx_bytes(ROSTER), setup.headers, filename="r.xlsx")

    assert again.status_code == 201, again.json
    assert (again.json["created_count"], again.json["updated_count"]) == (0, 0)
    assert again.json["unchanged_count"] == 4 and again.json["changes"] == []
    assert count(RosterEntry) == 4
    assert entries_of(setup.city) == ENTRIES


def test_roster_reimport_updates_changed_rows_and_reports_the_diff(
    client: FlaskClient, setup: Setup
) -> None:
    assert upload(client, setup.url, csv_bytes(ROSTER), setup.headers).status_code == 201
    changed = [
        HEADER,
        ["张三丰", "13800000001", "孝义市人民医院", "内科党支部"],  # renamed
        ["李四", "13800000002", "孝义中学", "中学党支部"],  # moved to another unit
        ["王五", "13800000003", "孝义中学", "中学党支部"],
        ["钱七", "13800000005", "孝义中学", ""],  # new; 赵六 is left out
    ]
    hospital_id, school_id = setup.hospital.id, setup.school.id
    school_branch = db.session.scalar(
        select(RosterEntry.party_org_id).where(RosterEntry.phone == "13800000003")
    )

    response = upload(client, setup.url, csv_bytes(changed), setup.headers)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["created_count"], batch["updated_count"], batch["unchanged_count"]) == (1, 2, 1)
    assert batch["changes"] == [
        {"line": 2, "key": "13800000001", "fields": {"name": ["张三", "张三丰"]}},
        {
            "line": 3,
            "key": "13800000002",
            "fields": {"unit_id": [hospital_id, school_id], "party_org_id": [None, school_branch]},
        },
    ]
    db.session.expire_all()
    assert entries_of(setup.city) == {
        ("张三丰", "13800000001", "孝义市人民医院", "内科党支部"),
        ("李四", "13800000002", "孝义中学", "中学党支部"),
        ("王五", "13800000003", "孝义中学", "中学党支部"),
        ("赵六", "13800000004", "孝义中学", None),  # an import never deletes
        ("钱七", "13800000005", "孝义中学", None),
    }


# Each case: rows after a valid row on line 2 and a blank line 3, with the errors' lines and
# columns as Excel shows them.
ROW_ERRORS = {
    "duplicate phone": ([["张三丰", "138-0000-0001", "孝义中学", ""]], [(4, "手机号")]),
    "phone of ten digits": ([["李四", "1380000002", "孝义中学", ""]], [(4, "手机号")]),
    "landline": ([["李四", "0358-7654321", "孝义中学", ""]], [(4, "手机号")]),
    "empty phone": ([["李四", "", "孝义中学", ""]], [(4, "手机号")]),
    "unknown unit": ([["李四", "13800000002", "孝义二中", ""]], [(4, "单位")]),
    "unknown party org": ([["李四", "13800000002", "孝义中学", "中学党委"]], [(4, "党组织")]),
    "party org of another unit": (
        [["李四", "13800000002", "孝义中学", "内科党支部"]],
        [(4, "党组织")],
    ),
    "one-character name": ([["李", "13800000002", "孝义中学", ""]], [(4, "姓名")]),
    "name with digits": ([["李四2", "13800000002", "孝义中学", ""]], [(4, "姓名")]),
    "several bad rows": (
        [["李四", "1380000002", "孝义中学", ""], ["王五", "13800000003", "孝义二中", ""]],
        [(4, "手机号"), (5, "单位")],
    ),
}


@pytest.mark.parametrize("bad_rows, errors", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_roster_import_with_a_bad_row_rejects_the_whole_file_with_a_report(
    client: FlaskClient,
    setup: Setup,
    bad_rows: list[list[str]],
    errors: list[tuple[int, str]],
) -> None:
    rows = [HEADER, ["张三", "13800000001", "孝义市人民医院", ""], [], *bad_rows]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.rows_invalid"
    assert [(e["line"], e["field"]) for e in response.json["fields"]["rows"]] == errors
    assert count(RosterEntry) == 0  # not even the valid row on line 2

    (report_url,) = response.json["fields"]["report"]
    report = client.get(report_url, headers=setup.headers)
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert report.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "列", "错误"]
    assert [(int(line), column) for line, column, _ in lines[1:]] == errors
    assert all(message for _, _, message in lines[1:])

    batch_id = report_url.split("/")[-2]
    batch = client.get(f"/api/v1/imports/{batch_id}", headers=setup.headers)
    assert batch.status_code == 200
    assert (batch.json["status"], batch.json["kind"]) == ("rejected", "roster")
    assert batch.json["created_count"] == 0 and batch.json["changes"] is None
    assert [(e["line"], e["field"]) for e in batch.json["errors"]] == errors


def test_roster_import_rejection_keeps_earlier_rows_untouched(
    client: FlaskClient, setup: Setup
) -> None:
    assert upload(client, setup.url, csv_bytes(ROSTER), setup.headers).status_code == 201
    rows = [HEADER, ["张三丰", "13800000001", "孝义中学", ""], ["李四", "12345", "孝义中学", ""]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 422
    db.session.expire_all()
    assert entries_of(setup.city) == ENTRIES


def test_roster_import_xlsx_errors_name_the_excel_row(client: FlaskClient, setup: Setup) -> None:
    rows: list[list[object]] = [
        ["花名册（2026年）"],  # a title alone is not a header: its "column" is unknown
    ]
    response = upload(client, setup.url, xlsx_bytes(rows), setup.headers, filename="r.xlsx")
    assert response.status_code == 422 and response.json["code"] == "import.unknown_columns"

    rows = [HEADER, ["张三", 13800000001, "孝义市人民医院", ""], [], [], ["李四", 1380, "孝义中学"]]
    response = upload(client, setup.url, xlsx_bytes(rows), setup.headers, filename="r.xlsx")

    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json["fields"]["rows"]] == [(5, "手机号")]


def test_roster_import_skips_the_title_rows_above_the_header(
    client: FlaskClient, setup: Setup
) -> None:
    titles: list[list[object]] = [
        ["孝义市在职党员花名册"],
        [],
        ["填报单位：组织部", "", "填报日期：2026年11月"],
    ]
    bad = [*titles, HEADER, ["张三", 13800000001, "孝义市人民医院", ""], ["李四", 1380, "孝义中学"]]

    rejected = upload(client, setup.url, xlsx_bytes(bad), setup.headers, filename="r.xlsx")
    applied = upload(client, setup.url, xlsx_bytes([*titles, *ROSTER]), setup.headers)

    assert rejected.status_code == 422
    assert [(e["line"], e["field"]) for e in rejected.json["fields"]["rows"]] == [(6, "手机号")]
    assert applied.status_code == 201, applied.json
    assert entries_of(setup.city) == ENTRIES


@pytest.mark.parametrize(
    "roster_unit, status",
    [("孝义市人民医院", "verified"), ("孝义中学", "pending")],
    ids=["matching unit verifies", "other unit leaves pending"],
)
def test_roster_import_verifies_a_pending_member_whose_row_now_matches(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup, roster_unit: str, status: str
) -> None:
    member = onboard(
        client,
        fake_wechat,
        name="孙八",
        phone="13800000008",
        unit=setup.hospital,
        residence=setup.community,
        notice_version=publish_notice(),
    )
    assert client.get("/api/v1/me/member", headers=member).json["status"] == "pending"
    rows = [HEADER, ["孙八", "138 0000 0008", roster_unit, ""]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    me = client.get("/api/v1/me/member", headers=member).json
    assert me["status"] == status
    assert me["verified_by_roster"] is (status == "verified")


def test_roster_import_verifies_pending_members_across_match_batches(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Phones are matched in batches (PostgreSQL's bound-parameter limit); one phone per batch
    # here shows that no batch is skipped.
    monkeypatch.setattr("sunshine.members.service._PHONES_PER_QUERY", 1)
    version = publish_notice()
    members = [
        onboard(
            client,
            fake_wechat,
            name=name,
            phone=phone,
            unit=setup.hospital,
            residence=setup.community,
            notice_version=version,
        )
        for name, phone in [("孙八", "13800000008"), ("周九", "13800000009")]
    ]
    rows = [
        HEADER,
        ["孙八", "13800000008", "孝义市人民医院", ""],
        ["吴十", "13800000010", "孝义中学", ""],
        ["周九", "13800000009", "孝义市人民医院", ""],
    ]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    statuses = [client.get("/api/v1/me/member", headers=h).json["status"] for h in members]
    assert statuses == ["verified", "verified"]


def test_roster_row_under_another_name_leaves_a_hand_approved_member_verified(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup
) -> None:
    from sunshine.members.models import Member, MemberStatus

    member = onboard(
        client,
        fake_wechat,
        name="郑十一",
        phone="13800000011",
        unit=setup.hospital,
        residence=setup.community,
        notice_version=publish_notice(),
    )
    approved = db.session.scalars(select(Member).where(Member.name == "郑十一")).one()
    approved.status = MemberStatus.VERIFIED  # as the unit admin's review leaves it
    db.session.commit()
    rows = [HEADER, ["郑十二", "13800000011", "孝义市人民医院", ""]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    me = client.get("/api/v1/me/member", headers=member).json
    assert (me["status"], me["verified_by_roster"]) == ("verified", False)
