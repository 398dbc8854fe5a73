"""Importing work units, party organisations and pairings (POST /api/v1/org/imports/units)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.imports.models import ImportBatch
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, PartyOrg, UnitCommunityPair, WorkUnit
from tests.builders import count, csv_bytes
from tests.steps import login_as, upload

HEADER = ["单位名称", "统一社会信用代码", "党组织名称", "党组织类型", "上级党组织", "结对社区"]
CREDIT = "121411814057000012"
UNITS = [
    HEADER,
    ["孝义市人民医院", CREDIT, "医院党委", "党委", "", "府前社区"],
    ["孝义市人民医院", "", "内科党支部", "党支部", "医院党总支", "141181001002"],  # parent below
    ["孝义市人民医院", "", "医院党总支", "总支", "医院党委", ""],
    ["孝义中学", "", "孝义中学党支部", "支部", "", "新义街道/东关社区、崇文社区"],
    ["孝义市财政局", "", "", "", "", ""],
]


@dataclass
class Setup:
    city: Area
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"/api/v1/org/imports/units?city_id={self.city.id}"


@pytest.fixture
def setup(client: FlaskClient, fake_wechat: FakeWeChat) -> Setup:
    city = org.create_area(name="孝义市", level=AreaLevel.CITY)
    xinyi = org.create_area(
        name="新义街道", level=AreaLevel.STREET, parent=city, division_code="141181001000"
    )
    wutong = org.create_area(name="梧桐镇", level=AreaLevel.STREET, parent=city)
    for name, code in [("府前社区", "141181001001"), ("崇文社区", "141181001002")]:
        org.create_area(name=name, level=AreaLevel.COMMUNITY, parent=xinyi, division_code=code)
    # Two villages of one name: naming it alone is ambiguous.
    org.create_area(name="东关社区", level=AreaLevel.COMMUNITY, parent=xinyi)
    org.create_area(name="东关社区", level=AreaLevel.COMMUNITY, parent=wutong)
    db.session.commit()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city)
    return Setup(city, headers)


@pytest.fixture
def imported(client: FlaskClient, setup: Setup) -> Setup:
    response = upload(client, setup.url, csv_bytes(UNITS), setup.headers)
    assert response.status_code == 201, response.json
    return setup


def units_of(city: Area) -> dict[str, tuple[str | None, set[str]]]:
    """Unit name → (credit code, paired communities as "街道/社区")."""
    return {
        unit.name: (
            unit.credit_code,
            {f"{c.parent.name}/{c.name}" for c in unit.paired_communities if c.parent},
        )
        for unit in db.session.scalars(select(WorkUnit).where(WorkUnit.city_id == city.id))
    }


def orgs_of(city: Area) -> set[tuple[str, str, str, str | None]]:
    """(unit, party org, kind, parent party org) of every party organisation of the city."""
    return {
        (o.unit.name, o.name, o.kind.value, o.parent.name if o.parent else None)
        for o in db.session.scalars(
            select(PartyOrg).join(WorkUnit).where(WorkUnit.city_id == city.id)
        )
    }


def test_unit_import_creates_units_party_orgs_and_pairings(
    client: FlaskClient, setup: Setup
) -> None:
    response = upload(client, setup.url, csv_bytes(UNITS), setup.headers)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["kind"], batch["status"], batch["row_count"]) == ("units", "applied", 5)
    assert (batch["created_count"], batch["updated_count"], batch["unchanged_count"]) == (5, 0, 0)
    db.session.expire_all()
    assert units_of(setup.city) == {
        "孝义市人民医院": (CREDIT, {"新义街道/府前社区", "新义街道/崇文社区"}),
        "孝义中学": (None, {"新义街道/东关社区", "新义街道/崇文社区"}),
        "孝义市财政局": (None, set()),
    }
    assert orgs_of(setup.city) == {
        ("孝义市人民医院", "医院党委", "committee", None),
        ("孝义市人民医院", "医院党总支", "general_branch", "医院党委"),
        ("孝义市人民医院", "内科党支部", "branch", "医院党总支"),
        ("孝义中学", "孝义中学党支部", "branch", None),
    }


def test_unit_reimport_of_the_same_file_changes_nothing(
    client: FlaskClient, imported: Setup
) -> None:
    before = (count(WorkUnit), count(PartyOrg), count(UnitCommunityPair))
    units, orgs = units_of(imported.city), orgs_of(imported.city)

    again = upload(client, imported.url, csv_bytes(UNITS), imported.headers)

    assert again.status_code == 201, again.json
    assert (again.json["created_count"], again.json["updated_count"]) == (0, 0)
    assert again.json["unchanged_count"] == 5 and again.json["changes"] == []
    db.session.expire_all()
    assert (count(WorkUnit), count(PartyOrg), count(UnitCommunityPair)) == before
    assert (units_of(imported.city), orgs_of(imported.city)) == (units, orgs)


def test_unit_reimport_with_changes_updates_and_reports_them(
    client: FlaskClient, imported: Setup
) -> None:
    changed = [
        HEADER,
        ["孝义市人民医院", "121411814057000039", "医院党委", "党委", "", "府前社区"],
        ["孝义市人民医院", "", "内科党支部", "党总支", "医院党委", ""],
        ["孝义中学", "", "孝义中学党支部", "支部", "", "梧桐镇/东关社区"],
        ["孝义市财政局", "", "", "", "", ""],
    ]

    response = upload(client, imported.url, csv_bytes(changed), imported.headers)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["created_count"], batch["updated_count"], batch["unchanged_count"]) == (0, 3, 1)
    assert batch["changes"] == [
        {
            "line": 2,
            "key": "孝义市人民医院",
            "fields": {"credit_code": [CREDIT, "121411814057000039"]},
        },
        {
            "line": 3,
            "key": "孝义市人民医院",
            "fields": {
                "party_org_kind": ["branch", "general_branch"],
                "parent_org": ["医院党总支", "医院党委"],
            },
        },
        {"line": 4, "key": "孝义中学", "fields": {"paired_communities": [None, "东关社区"]}},
    ]
    db.session.expire_all()
    assert ("孝义市人民医院", "内科党支部", "general_branch", "医院党委") in orgs_of(imported.city)
    assert units_of(imported.city)["孝义中学"][1] == {
        "新义街道/东关社区",
        "新义街道/崇文社区",
        "梧桐镇/东关社区",
    }


def test_unit_import_naming_a_community_twice_in_a_row_pairs_it_once(
    client: FlaskClient, setup: Setup
) -> None:
    rows = [HEADER, ["孝义中学", "", "", "", "", "府前社区、141181001001，新义街道/府前社区"]]

    response = upload(client, setup.url, csv_bytes(rows), setup.headers)

    assert response.status_code == 201, response.json
    assert units_of(setup.city) == {"孝义中学": (None, {"新义街道/府前社区"})}
    assert count(UnitCommunityPair) == 1


# Each case: rows after a valid new unit on line 2, and the (line, column) of every error.
VALID = ["孝义市图书馆", "121411814057000020", "图书馆党支部", "党支部", "", ""]
ROW_ERRORS = {
    "empty unit name": ([["", "", "某党支部", "党支部", "", ""]], [(3, "单位名称")]),
    "bad credit code": ([["孝义中学", "12345", "", "", "", ""]], [(3, "统一社会信用代码")]),
    "two credit codes for one unit": (
        [["孝义市图书馆", "121411814057000039", "", "", "", ""]],
        [(3, "统一社会信用代码")],
    ),
    "unknown party org kind": ([["孝义中学", "", "党小组", "党小组", "", ""]], [(3, "党组织类型")]),
    "party org without kind": ([["孝义中学", "", "中学党支部", "", "", ""]], [(3, "党组织类型")]),
    "kind without party org": ([["孝义中学", "", "", "党支部", "", ""]], [(3, "党组织名称")]),
    "duplicate party org": ([VALID], [(3, "党组织名称")]),
    "duplicate unit row": (
        [["孝义中学", "", "", "", "", ""], ["孝义中学", "", "", "", "", ""]],
        [(4, "党组织名称")],
    ),
    "unknown parent party org": (
        [["孝义中学", "", "中学党支部", "党支部", "中学党委", ""]],
        [(3, "上级党组织")],
    ),
    "parent party org of another unit": (
        [["孝义中学", "", "中学党支部", "党支部", "图书馆党支部", ""]],
        [(3, "上级党组织")],
    ),
    "party org its own parent": (
        [["孝义中学", "", "中学党支部", "党支部", "中学党支部", ""]],
        [(3, "上级党组织")],
    ),
    "party orgs each other's parent": (
        [
            ["孝义中学", "", "中学党委", "党委", "中学党总支", ""],
            ["孝义中学", "", "中学党总支", "党总支", "中学党委", ""],
        ],
        [(3, "上级党组织"), (4, "上级党组织")],
    ),
    "party org under its own child": (
        [["孝义市人民医院", "", "医院党委", "党委", "内科党支部", ""]],
        [(3, "上级党组织")],
    ),
    "unknown paired community": ([["孝义中学", "", "", "", "", "胜溪社区"]], [(3, "结对社区")]),
    "paired street": ([["孝义中学", "", "", "", "", "新义街道"]], [(3, "结对社区")]),
    "ambiguous paired community": ([["孝义中学", "", "", "", "", "东关社区"]], [(3, "结对社区")]),
}


@pytest.mark.parametrize("bad_rows, errors", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_unit_import_with_a_bad_row_rejects_the_whole_file(
    client: FlaskClient,
    imported: Setup,
    bad_rows: list[list[str]],
    errors: list[tuple[int, str]],
) -> None:
    units, orgs = units_of(imported.city), orgs_of(imported.city)
    counts = (count(WorkUnit), count(PartyOrg), count(UnitCommunityPair))

    response = upload(client, imported.url, csv_bytes([HEADER, VALID, *bad_rows]), imported.headers)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.rows_invalid"
    assert [(e["line"], e["field"]) for e in response.json["fields"]["rows"]] == errors
    db.session.expire_all()
    assert (count(WorkUnit), count(PartyOrg), count(UnitCommunityPair)) == counts
    assert (units_of(imported.city), orgs_of(imported.city)) == (units, orgs)
    batch = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert batch is not None and (batch.kind, batch.status) == ("units", "rejected")
