"""Importing a city's area tree (POST /api/v1/org/imports/areas): all or nothing, idempotent."""

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
from sunshine.org.models import Area, AreaLevel
from tests.builders import count, csv_bytes
from tests.steps import login_as, upload

HEADER = ["层级", "名称", "区划代码", "上级"]
# Parents by name, by code, by "街道/社区" path (optionally from the city), and the city's own
# name; a community listed above its street.
TREE = [
    HEADER,
    ["社区", "府前社区", "141181001001", "新义街道"],
    ["街道", "新义街道", "141181001000", ""],
    ["镇", "梧桐镇", "141181100000", "孝义市"],
    ["乡", "驿马乡", "141181200000", ""],
    ["社区", "崇文社区", "141181001002", "141181001000"],
    ["村", "东许村", "141181100201", "梧桐镇"],
    ["网格", "第一网格", "", "新义街道/府前社区"],
    ["网格", "第二网格", "", "孝义市/新义街道/府前社区"],
]
TREE_AREAS = [
    ("street", "街道", "新义街道", "141181001000", "孝义市"),
    ("street", "镇", "梧桐镇", "141181100000", "孝义市"),
    ("street", "乡", "驿马乡", "141181200000", "孝义市"),
    ("community", "社区", "府前社区", "141181001001", "新义街道"),
    ("community", "社区", "崇文社区", "141181001002", "新义街道"),
    ("community", "村", "东许村", "141181100201", "梧桐镇"),
    ("grid", "网格", "第一网格", None, "府前社区"),
    ("grid", "网格", "第二网格", None, "府前社区"),
]


@dataclass
class Setup:
    city: Area
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"/api/v1/org/imports/areas?city_id={self.city.id}"


@pytest.fixture
def setup(client: FlaskClient, fake_wechat: FakeWeChat) -> Setup:
    city = org.create_area(name="孝义市", level=AreaLevel.CITY, division_code="141181000000")
    other_city = org.create_area(name="汾阳市", level=AreaLevel.CITY)
    org.create_area(
        name="太和桥街道", level=AreaLevel.STREET, parent=other_city, division_code="141182001000"
    )
    db.session.commit()
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city)
    return Setup(city, headers)


@pytest.fixture
def tree(client: FlaskClient, setup: Setup) -> Setup:
    response = upload(client, setup.url, csv_bytes(TREE), setup.headers)
    assert response.status_code == 201, response.json
    return setup


def areas_of(city: Area) -> list[tuple[str, str | None, str, str | None, str]]:
    """(level, kind label, name, code, parent name) of every area below the city."""
    found = []
    for area in db.session.scalars(
        select(Area).where(Area.path.startswith(city.path), Area.id != city.id)
    ):
        assert area.parent is not None and area.path == f"{area.parent.path}{area.id}/"
        found.append(
            (area.level.value, area.kind_label, area.name, area.division_code, area.parent.name)
        )
    return sorted(found, key=_by_level_parent_name)


def _by_level_parent_name(
    area: tuple[str, str | None, str, str | None, str],
) -> tuple[int, str, str]:
    return ["street", "community", "grid"].index(area[0]), area[4], area[2]


def test_area_import_creates_streets_communities_and_grids(
    client: FlaskClient, setup: Setup
) -> None:
    response = upload(client, setup.url, csv_bytes(TREE), setup.headers)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["kind"], batch["status"], batch["city_id"]) == ("areas", "applied", setup.city.id)
    assert (batch["row_count"], batch["created_count"]) == (8, 8)
    assert (batch["updated_count"], batch["unchanged_count"], batch["changes"]) == (0, 0, [])
    assert areas_of(setup.city) == sorted(TREE_AREAS, key=_by_level_parent_name)


def test_area_reimport_of_the_same_file_changes_nothing(client: FlaskClient, tree: Setup) -> None:
    before = count(Area)

    again = upload(client, tree.url, csv_bytes(TREE), tree.headers)

    assert again.status_code == 201, again.json
    assert again.json["status"] == "applied"
    assert (again.json["created_count"], again.json["updated_count"]) == (0, 0)
    assert again.json["unchanged_count"] == 8 and again.json["changes"] == []
    assert count(Area) == before
    assert areas_of(tree.city) == sorted(TREE_AREAS, key=_by_level_parent_name)


def test_area_reimport_renaming_a_community_by_code_updates_and_reports_it(
    client: FlaskClient, tree: Setup
) -> None:
    fuqian = db.session.scalar(select(Area).where(Area.division_code == "141181001001"))
    chongwen = db.session.scalar(select(Area).where(Area.division_code == "141181001002"))
    assert fuqian is not None and chongwen is not None
    fuqian_id, fuqian_path, chongwen_path = fuqian.id, fuqian.path, chongwen.path
    before = count(Area)
    renamed = [
        HEADER,
        ["社区", "府前新社区", "141181001001", "新义街道"],
        ["村", "崇文社区", "141181001002", "新义街道"],  # the same area, now called a village
        ["街道", "新义街道", "141181001000", ""],
    ]

    response = upload(client, tree.url, csv_bytes(renamed), tree.headers)

    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["created_count"], batch["updated_count"], batch["unchanged_count"]) == (0, 2, 1)
    assert batch["changes"] == [
        {"line": 2, "key": fuqian_path, "fields": {"name": ["府前社区", "府前新社区"]}},
        {"line": 3, "key": chongwen_path, "fields": {"kind_label": ["社区", "村"]}},
    ]
    assert count(Area) == before
    db.session.expire_all()
    renamed_area = db.session.get(Area, fuqian_id)
    assert renamed_area is not None and renamed_area.name == "府前新社区"
    grids = db.session.scalars(select(Area.name).where(Area.parent_id == fuqian_id)).all()
    assert sorted(grids) == ["第一网格", "第二网格"]  # the grids stay with their community


def test_area_import_without_codes_matches_by_parent_and_name(
    client: FlaskClient, tree: Setup
) -> None:
    rows = [HEADER, ["社区", "府前社区", "", "新义街道"], ["网格", "第三网格", "", "府前社区"]]

    response = upload(client, tree.url, csv_bytes(rows), tree.headers)

    assert response.status_code == 201, response.json
    assert (response.json["created_count"], response.json["unchanged_count"]) == (1, 1)
    grid = db.session.scalar(select(Area).where(Area.name == "第三网格"))
    assert grid is not None and grid.parent is not None
    assert grid.parent.division_code == "141181001001"


def test_area_import_adding_a_code_to_an_area_reports_it(client: FlaskClient, tree: Setup) -> None:
    rows = [HEADER, ["网格", "第一网格", "141181001101", "141181001001"]]

    response = upload(client, tree.url, csv_bytes(rows), tree.headers)

    assert response.status_code == 201, response.json
    assert [(c["line"], c["fields"]) for c in response.json["changes"]] == [
        (2, {"division_code": [None, "141181001101"]})
    ]
    grid = db.session.scalar(select(Area).where(Area.name == "第一网格"))
    assert grid is not None and grid.division_code == "141181001101"


# Each case: rows after a valid new street on line 2, and the (line, column) of every error.
ROW_ERRORS = {
    "unknown level": ([["区", "城区", "", ""]], [(3, "层级")]),
    "empty name": ([["街道", "", "", ""]], [(3, "名称")]),
    "code of 11 digits": ([["街道", "兑镇", "14118110000", ""]], [(3, "区划代码")]),
    "code with a letter": ([["街道", "兑镇", "14118110000X", ""]], [(3, "区划代码")]),
    "duplicate row": (
        [["社区", "新城社区", "", "新城街道"], ["社区", "新城社区", "", "新城街道"]],
        [(4, "名称")],
    ),
    "same code twice": (
        [["镇", "兑镇", "141181101000", ""], ["镇", "阳泉曲镇", "141181101000", ""]],
        [(4, "区划代码")],
    ),
    "code of another city's area": ([["街道", "太和街道", "141182001000", ""]], [(3, "区划代码")]),
    "unknown parent": ([["社区", "新社区", "", "胜溪街道"]], [(3, "上级")]),
    "unknown parent code": ([["社区", "新社区", "", "141181999000"]], [(3, "上级")]),
    "unknown parent path": ([["网格", "新网格", "", "新义街道/胜溪社区"]], [(3, "上级")]),
    "ambiguous parent": (
        [["社区", "府前社区", "", "梧桐镇"], ["网格", "第三网格", "", "府前社区"]],
        [(4, "上级")],
    ),
    "community under a community": ([["社区", "新社区", "", "府前社区"]], [(3, "上级")]),
    "grid under a street": ([["网格", "新网格", "", "新义街道"]], [(3, "上级")]),
    "street under a street": ([["街道", "新街道", "", "新义街道"]], [(3, "上级")]),
    "moving a community to another street": (
        [["社区", "府前社区", "141181001001", "梧桐镇"]],
        [(3, "上级")],
    ),
    "turning a community into a grid": (
        [["网格", "府前社区", "141181001001", "新义街道/崇文社区"]],
        [(3, "上级")],
    ),
    "renaming onto a sibling's name": (
        [["社区", "崇文社区", "141181001001", "新义街道"]],
        [(3, "名称")],
    ),
    "renaming onto a name another row creates": (
        [["社区", "新社区", "141181001001", "新义街道"], ["社区", "新社区", "", "新义街道"]],
        [(4, "名称")],
    ),
}


@pytest.mark.parametrize("bad_rows, errors", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_area_import_with_a_bad_row_rejects_the_whole_file(
    client: FlaskClient,
    tree: Setup,
    bad_rows: list[list[str]],
    errors: list[tuple[int, str]],
) -> None:
    before = areas_of(tree.city)
    rows = [HEADER, ["街道", "新城街道", "141181003000", ""], *bad_rows]

    response = upload(client, tree.url, csv_bytes(rows), tree.headers)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "import.rows_invalid"
    assert [(e["line"], e["field"]) for e in response.json["fields"]["rows"]] == errors
    assert all(e["message"] for e in response.json["fields"]["rows"])
    db.session.expire_all()
    assert areas_of(tree.city) == before  # not even the valid street on line 2
    batch = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert batch is not None and batch.status == "rejected" and batch.created_count == 0


def test_area_import_reports_errors_in_file_order(client: FlaskClient, tree: Setup) -> None:
    rows = [
        HEADER,
        ["网格", "新网格", "", "无此社区"],
        ["街道", "", "", ""],
        ["区", "某区", "", ""],
    ]

    response = upload(client, tree.url, csv_bytes(rows), tree.headers)

    assert response.status_code == 422
    assert [e["line"] for e in response.json["fields"]["rows"]] == [2, 3, 4]
