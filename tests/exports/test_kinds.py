"""What each kind of export writes, read back with openpyxl: service records (with text a
user typed that looks like a formula), the hours ledger, a call-up, a shift's sign-in sheet;
each kind's scope; paging and the sheet limit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.attendance.conftest import open_site
from tests.builders import (
    add_member,
    add_reported_members,
    add_service_record,
    add_shifts,
    make_city,
    member_id_of,
    shanghai_day,
)
from tests.bulk import MemberSpec, add_members_in_bulk
from tests.conftest import Clock
from tests.exports.conftest import (
    ask,
    asked,
    exported,
    file_bytes,
    formulas,
    header,
    rows,
    run_exports,
    workbook,
)
from tests.steps import day_shift, login_as, post_shift, post_task, publish, published_shift

RISKY = {
    "title": '=HYPERLINK("http://example.com/x","点我")',
    "content": "+1",
    "address": "-1",
    "contact_name": "@x",
}


def test_service_records_keep_formula_like_text_as_text(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_id = post_task(client, secretary, place.community, **RISKY)
    post_shift(client, secretary, task_id)
    publish(client, secretary, task_id)
    (account,) = add_reported_members(place, place.community, 1)
    (shift_id,) = add_shifts(task_id, 1)
    record_id = add_service_record(member_id_of(account), shift_id, minutes=90)
    confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=secretary)
    assert confirmed.status_code == 200, confirmed.json

    body = asked(client, secretary, "service_records", status="confirmed")
    run_exports()
    data = file_bytes(client, secretary, body["id"])
    sheet = workbook(data).active
    assert sheet is not None

    assert sheet.title == "服务记录" and sheet.freeze_panes == "A2"
    assert header(sheet)[:3] == ["记录编号", "党员", "手机号"]
    (row,) = rows(sheet)
    for column, key in [("活动名称", "title"), ("服务内容", "content"), ("地点", "address")]:
        cell = row[column]
        assert (cell.value, cell.data_type) == (RISKY[key], "s"), column
        assert cell.quotePrefix, column  # stays text when edited in Excel or WPS
    assert row["负责人"].value == "@x" and row["负责人"].data_type == "s"
    assert formulas(data) == []
    assert row["记录编号"].value == record_id and row["记录编号"].data_type == "n"
    assert row["服务日期"].is_date and isinstance(row["服务日期"].value, datetime)
    assert (row["申报分钟"].value, row["认定分钟"].value, row["认定小时"].value) == (90, 90, 1.5)
    assert row["认定小时"].number_format == "0.00"
    assert row["状态"].value == "已确认" and row["超期未确认"].value == "否"
    assert isinstance(row["确认/驳回时间"].value, datetime)
    assert row["手机号"].value.isdigit()  # the community's own admin sees whole numbers


def test_service_records_stay_in_the_readers_areas(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    task_id, _ = published_shift(client, secretary, place.community)
    (account,) = add_reported_members(place, place.community, 1)
    shifts = add_shifts(task_id, 2)
    for shift_id in shifts:
        add_service_record(member_id_of(account), shift_id)

    assert rows(exported(client, neighbour, "service_records")) == []
    assert len(rows(exported(client, org, "service_records"))) == 2
    (one,) = rows(exported(client, org, "service_records", shift_id=shifts[1]))
    assert one["手机号"].value.count("*") == 4  # the org department: masked
    other_area = ask(client, neighbour, "service_records", area_id=999_999)
    assert (other_area.status_code, other_area.json["code"]) == (404, "area.not_found")


def test_the_hours_ledger_for_a_range_of_days(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place, elsewhere = make_city(), make_city("介休市")
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, other_org = login_as(client, fake_wechat, Role.ORG_ADMIN, elsewhere.city)
    task_id, _ = published_shift(client, secretary, place.community)
    (account,) = add_reported_members(place, place.community, 1)
    (shift_id,) = add_shifts(task_id, 1)
    record_id = add_service_record(member_id_of(account), shift_id, minutes=150)
    confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=secretary)
    assert confirmed.status_code == 200, confirmed.json
    today = clock.today().isoformat()

    sheet = exported(client, org, "hours_ledger", **{"from": today, "to": today})

    assert sheet.title == "时长账本"
    (entry,) = rows(sheet)
    assert entry["党员编号"].value == member_id_of(account)
    assert (entry["类型"].value, entry["链上序号"].value) == ("确认", 1)
    assert (entry["分钟"].value, entry["小时"].value) == (150, 2.5)
    assert entry["记录编号"].value == record_id and entry["服务日期"].is_date
    assert isinstance(entry["记账时间"].value, datetime)
    assert len(entry["哈希"].value) == 64 and entry["哈希"].data_type == "s"
    assert rows(exported(client, other_org, "hours_ledger", **{"from": today, "to": today})) == []
    yesterday = date.fromordinal(clock.today().toordinal() - 1).isoformat()
    before = exported(client, org, "hours_ledger", **{"from": yesterday, "to": yesterday})
    assert rows(before) == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "2024-12-31", "to": "2026-01-01"}, "to"),  # 367 days
        ({"to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "tomorrow"}, "to"),
    ],
)
def test_the_ledgers_range_must_be_a_range_of_at_most_a_year(
    client: FlaskClient, fake_wechat: FakeWeChat, filters: dict[str, str], field: str
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    response = ask(client, org, "hours_ledger", **filters)

    assert response.status_code == 422
    assert field in response.json["fields"]["filters"]


def test_a_call_ups_assignments_are_written_at_once(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, stranger = login_as(client, fake_wechat, Role.STREET_ADMIN, make_city("介休市").street)
    day = shanghai_day(3)
    shift_id = day_shift(client, org, place.community, day, capacity=5)
    add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 3)
    call_up = client.post(
        "/api/v1/call-ups",
        headers=org,
        json={
            "area_id": place.street.id,
            "title": "文明城市迎检",
            "day": day.isoformat(),
            "posts": [{"shift_id": shift_id, "places": 2}],
        },
    ).json
    proposed = client.post(f"/api/v1/call-ups/{call_up['id']}/proposal", headers=org)
    assert proposed.status_code == 200, proposed.json

    body = asked(client, org, "call_up_assignments", call_up_id=call_up["id"])

    assert (body["status"], body["percentage"], body["rows"]) == ("done", 100, 2)
    sheet = workbook(file_bytes(client, org, body["id"])).active
    assert sheet is not None and sheet.title == "动员名单"
    placed = rows(sheet)
    assert len(placed) == 2
    assert {r["岗位编号"].value for r in placed} == {call_up["posts"][0]["id"]}
    assert all(r["报到社区"].value == place.community.name for r in placed)
    assert all(isinstance(r["开始时间"].value, datetime) for r in placed)
    assert all(r["来源"].value == "系统推荐" and r["邀请答复"].value is None for r in placed)
    assert all(r["得分"].data_type == "n" and "本社区" in r["推荐理由"].value for r in placed)
    refused = ask(client, stranger, "call_up_assignments", call_up_id=call_up["id"])
    assert (refused.status_code, refused.json["code"]) == (404, "callup.not_found")
    unknown = ask(client, org, "call_up_assignments", call_up_id=999_999)
    assert (unknown.status_code, unknown.json["code"]) == (404, "callup.not_found")
    assert ask(client, org, "call_up_assignments").status_code == 422


def test_the_sign_in_sheet_a_secretary_prints(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2, title="敬老院义诊")
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, site.place.other_community)
    clock.set(site.at(150))
    attended = client.get("/api/v1/me/member", headers=site.members[0]).json["id"]
    by_hand = client.post(
        f"/api/v1/shifts/{site.shift_id}/attendance",
        headers=site.admin,
        json={
            "member_id": attended,
            "checked_in_at": site.at(0).isoformat(),
            "checked_out_at": site.at(60).isoformat(),
            "reason": "老党员没有智能手机",
        },
    )
    assert by_hand.status_code == 201, by_hand.json

    body = asked(client, site.admin, "shift_signin", shift_id=site.shift_id)

    assert body["status"] == "done"
    sheet = workbook(file_bytes(client, site.admin, body["id"])).active
    assert sheet is not None and sheet.title == "签到表"
    assert header(sheet) == [
        "序号",
        "姓名",
        "手机号",
        "报名",
        "报名时间",
        "签到时间",
        "签退时间",
        "时长（分钟）",
        "签名",
    ]
    first, second = rows(sheet)
    assert [first["序号"].value, second["序号"].value] == [1, 2]
    assert all("****" in r["手机号"].value for r in (first, second))  # even for the secretary
    assert first["报名"].value == "已报名"
    assert isinstance(first["签到时间"].value, datetime)
    assert first["签退时间"].value - first["签到时间"].value == site.at(60) - site.at(0)
    assert first["时长（分钟）"].value == 60
    assert second["签到时间"].value is None and second["时长（分钟）"].value is None
    assert first["签名"].value is None and first["签名"].border.left.style == "thin"
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert "敬老院义诊" in sheet.oddHeader.center.text
    refused = ask(client, neighbour, "shift_signin", shift_id=site.shift_id)
    assert (refused.status_code, refused.json["code"]) == (404, "shift.not_found")
    unknown = ask(client, site.admin, "shift_signin", shift_id=999_999)
    assert (unknown.status_code, unknown.json["code"]) == (404, "shift.not_found")


def test_rows_are_read_in_pages_and_a_full_sheet_goes_on_in_the_next(
    client: FlaskClient, fake_wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sunshine.exports.service.PAGE", 2)
    monkeypatch.setattr("sunshine.exports.xlsx.MAX_SHEET_ROWS", 3)  # a header and two rows
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    ids = [
        add_member(name=n, phone=f"1390000000{i}", unit=place.unit, residence=place.community)
        for i, n in enumerate(names)
    ]
    body = asked(client, org, "members")
    run_exports()

    state = client.get(f"/api/v1/exports/{body['id']}", headers=org).json
    book = workbook(file_bytes(client, org, body["id"]))

    assert (state["rows"], state["total"]) == (5, 5)
    assert book.sheetnames == ["党员名单", "党员名单 (2)", "党员名单 (3)"]
    assert all(header(sheet)[0] == "编号" and sheet.freeze_panes == "A2" for sheet in book)
    written = [r["编号"].value for sheet in book for r in rows(sheet)]
    assert written == sorted(ids)
