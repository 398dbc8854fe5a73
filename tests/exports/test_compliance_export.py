"""The compliance export: the org department's sheet of a period holds every member it counts
with the figures the compliance pages show; a unit admin's holds only the members who
consented to unit feedback; filters and refusals are the pages' own."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world
from tests.exports.conftest import ask, exported, header

STATUS = {"compliant": "达标", "behind": "未达标", "zero": "零服务", "not_reported": "未报到"}


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    return build_world(client, fake_wechat)


def _sheet(world: World, headers: dict[str, str], **filters: object) -> dict[str, dict]:
    sheet = exported(world.client, headers, "compliance", period_id=world.period_id, **filters)
    assert header(sheet)[:2] == ["党员编号", "姓名"] and sheet.freeze_panes == "A2"
    names = header(sheet)
    lines = [dict(zip(names, v, strict=True)) for v in sheet.iter_rows(min_row=2, values_only=True)]
    return {world.label_of(line["党员编号"]): line for line in lines}


def test_the_city_sheet_matches_the_compliance_pages(world: World) -> None:
    sheet = _sheet(world, world.org_admin)
    page = world.ok(world.rows(world.org_admin, limit=100))["items"]

    assert set(sheet) == {world.label_of(r["member_id"]) for r in page}
    for row in page:
        line = sheet[world.label_of(row["member_id"])]
        assert line["服务次数"] == row["services"]
        assert line["服务时长（小时）"] == round(row["minutes"] / 60, 2)  # hours, two decimals
        assert line["达标情况"] == STATUS[row["status"]]
        assert line["本周期报到"] == ("是" if row["reported_in"] else "否")
    assert sheet["a"]["服务时长（小时）"] == 6 and sheet["a"]["工作单位"] == world.u1.name
    assert isinstance(sheet["a"]["服务次数"], int)


def test_filters_narrow_the_sheet(world: World) -> None:
    behind = _sheet(world, world.org_admin, status="behind", street_id=world.s1.id)

    assert set(behind) == {"b", "e"}


def test_a_unit_admin_s_sheet_lists_only_who_consented(world: World) -> None:
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    assert set(_sheet(world, admin)) == {"a", "b"}  # c withdrew, d and e never gave it


def test_refusals_are_the_pages_own(world: World) -> None:
    street = world.admin(Role.STREET_ADMIN, world.s1)
    member = world.headers["a"]  # a member, not an admin

    outside = ask(
        world.client, street, "compliance", period_id=world.period_id, street_id=world.s2.id
    )
    unknown = ask(world.client, world.org_admin, "compliance", period_id=999_999)
    bad = ask(world.client, world.org_admin, "compliance", period_id=world.period_id, status="x")
    other = ask(world.client, member, "compliance", period_id=world.period_id, unit_id=world.u1.id)

    assert outside.status_code == 403
    assert unknown.status_code == 404
    assert bad.status_code == 422
    assert other.status_code == 403
