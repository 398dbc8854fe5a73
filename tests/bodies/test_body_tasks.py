"""A city body's tasks: posted by its admins, managed under the one rule, visible city-wide or
to chosen streets of its city."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.bodies.models import BodyKind, CityBody
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks.audience import TaskStreet
from sunshine.tasks.models import Task
from tests.builders import (
    City,
    add_area,
    add_body,
    add_reported_members,
    add_service_record,
    count,
    make_city,
    member_id_of,
    reported_headers,
)
from tests.steps import login_as, post_shift, publish, task_body

Headers = dict[str, str]


@dataclass
class Setting:
    place: City
    centre: CityBody
    admin: Headers
    org_admin: Headers
    second: Area  # another street of the city
    third: Area  # and its community, for members outside the chosen streets
    third_community: Area


@pytest.fixture
def setting(client: FlaskClient, fake_wechat: FakeWeChat) -> Setting:
    place = make_city()
    second = add_area(place.city, AreaLevel.STREET, "中阳楼街道")
    third = add_area(place.city, AreaLevel.STREET, "兑镇镇")
    third_community = add_area(third, AreaLevel.COMMUNITY, "兑镇社区")
    centre = add_body(place.city)
    _, admin = login_as(client, fake_wechat, Role.BODY_ADMIN, centre)
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    return Setting(place, centre, admin, org_admin, second, third, third_community)


def _body_task(s: Setting, **overrides: Any) -> dict[str, Any]:
    body = task_body(s.place.city, **{"visibility": "city", **overrides})
    body.pop("area_id")
    return body


def _post(client: FlaskClient, s: Setting, headers: Headers | None = None, **overrides: Any) -> Any:
    return client.post(
        f"/api/v1/bodies/{s.centre.id}/tasks",
        json=_body_task(s, **overrides),
        headers=headers or s.admin,
    )


def test_a_city_wide_task_of_the_centre_reaches_every_street(
    client: FlaskClient, setting: Setting
) -> None:
    posted = _post(client, setting)
    assert posted.status_code == 201 and posted.json["visibility"] == "city"
    shift_id = post_shift(client, setting.admin, posted.json["id"])
    publish(client, setting.admin, posted.json["id"])
    far = reported_headers(setting.place, setting.third_community)
    feed = client.get("/api/v1/me/feed", headers=far).json["items"]
    assert [item["shift"]["id"] for item in feed] == [shift_id]
    assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=far).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"visibility": "community"}, "task.body_visibility"),
        ({"visibility": "street"}, "task.body_visibility"),
        ({"visibility": "streets"}, "task.bad_streets"),
        ({"visibility": "streets", "street_ids": []}, "task.bad_streets"),
        ({"visibility": "streets", "street_ids": [999_999]}, "task.bad_streets"),
        ({"visibility": "city", "street_ids": ["street"]}, "task.bad_streets"),
        ({"title": "文" * 101}, "request.invalid"),
    ],
)
def test_bad_visibility_or_streets_are_refused_and_nothing_is_written(
    client: FlaskClient, setting: Setting, overrides: dict[str, Any], code: str
) -> None:
    if overrides.get("street_ids") == ["street"]:
        overrides = {**overrides, "street_ids": [setting.second.id]}
    before = (count(Task), count(TaskStreet))
    refused = _post(client, setting, **overrides)
    assert (refused.status_code, refused.json["code"]) == (422, code)
    assert (count(Task), count(TaskStreet)) == before


def test_streets_must_be_streets_of_the_bodys_city(client: FlaskClient, setting: Setting) -> None:
    other = make_city("介休市")
    for wrong in (other.street.id, setting.place.community.id, setting.place.city.id):
        refused = _post(
            client, setting, visibility="streets", street_ids=[setting.second.id, wrong]
        )
        assert (refused.status_code, refused.json["code"]) == (422, "task.bad_streets")
        assert refused.json["fields"]["street_ids"]
    assert count(Task) == 0


def test_a_community_task_cannot_choose_streets(
    client: FlaskClient, fake_wechat: FakeWeChat, setting: Setting
) -> None:
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, setting.place.community)
    refused = client.post(
        "/api/v1/tasks",
        json=task_body(
            setting.place.community, visibility="streets", street_ids=[setting.second.id]
        ),
        headers=secretary,
    )
    assert (refused.status_code, refused.json["code"]) == (422, "task.body_visibility")


def test_chosen_streets_hide_the_task_elsewhere_and_an_edit_moves_them(
    client: FlaskClient, setting: Setting
) -> None:
    posted = _post(client, setting, visibility="streets", street_ids=[setting.second.id])
    task_id = posted.json["id"]
    shift_id = post_shift(client, setting.admin, task_id)
    publish(client, setting.admin, task_id)
    near = reported_headers(setting.place, setting.place.community)  # in the first street
    assert client.get("/api/v1/me/feed", headers=near).json["items"] == []
    refused = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=near)
    assert (refused.status_code, refused.json["code"]) == (409, "signup.not_eligible")

    moved = client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"street_ids": [setting.place.street.id, setting.second.id]},
        headers=setting.admin,
    )
    assert moved.status_code == 200
    assert moved.json["street_ids"] == sorted([setting.place.street.id, setting.second.id])
    feed = client.get("/api/v1/me/feed", headers=near).json["items"]
    assert [item["shift"]["id"] for item in feed] == [shift_id]
    emptied = client.patch(
        f"/api/v1/tasks/{task_id}", json={"street_ids": []}, headers=setting.admin
    )
    assert (emptied.status_code, emptied.json["code"]) == (422, "task.bad_streets")
    assert count(TaskStreet) == 2

    wide = client.patch(
        f"/api/v1/tasks/{task_id}", json={"visibility": "city"}, headers=setting.admin
    )
    assert wide.status_code == 200 and wide.json["street_ids"] == []
    far = reported_headers(setting.place, setting.third_community)
    assert [i["shift"]["id"] for i in client.get("/api/v1/me/feed", headers=far).json["items"]] == [
        shift_id
    ]
    narrowed = client.patch(
        f"/api/v1/tasks/{task_id}", json={"visibility": "street"}, headers=setting.admin
    )
    assert (narrowed.status_code, narrowed.json["code"]) == (422, "task.body_visibility")


def test_another_bodys_admin_and_a_community_admin_cannot_manage_the_bodys_task(
    client: FlaskClient, fake_wechat: FakeWeChat, setting: Setting
) -> None:
    task_id = _post(client, setting).json["id"]
    shift_id = post_shift(client, setting.admin, task_id)
    station = add_body(setting.place.city, "学雷锋岗", BodyKind.POST)
    _, other_admin = login_as(client, fake_wechat, Role.BODY_ADMIN, station)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, setting.place.community)
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, setting.place.street)
    for outsider in (other_admin, secretary, street_admin):
        for method, url, body in [
            ("patch", f"/api/v1/tasks/{task_id}", {"title": "改"}),
            ("post", f"/api/v1/tasks/{task_id}/publish", None),
            ("post", f"/api/v1/tasks/{task_id}/cancel", {"reason": "不办了"}),
            ("get", f"/api/v1/tasks/{task_id}", None),
        ]:
            answer = client.open(url, method=method, json=body, headers=outsider)
            assert (answer.status_code, answer.json["code"]) == (404, "task.not_found"), url
        roster = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=outsider)
        assert (roster.status_code, roster.json["code"]) == (404, "shift.not_found")
    posted = _post(client, setting, headers=other_admin)
    assert (posted.status_code, posted.json["code"]) == (404, "body.not_found")
    listed = client.get(f"/api/v1/bodies/{setting.centre.id}/tasks", headers=other_admin)
    assert (listed.status_code, listed.json["code"]) == (404, "body.not_found")
    figures = client.get(f"/api/v1/bodies/{setting.centre.id}/figures", headers=secretary)
    assert (figures.status_code, figures.json["code"]) == (404, "body.not_found")
    assert client.get("/api/v1/tasks", headers=other_admin).json["items"] == []


def test_the_org_admin_keeps_oversight_and_the_body_admin_lists_its_tasks(
    client: FlaskClient, setting: Setting
) -> None:
    task_id = _post(client, setting).json["id"]
    by_org = _post(client, setting, headers=setting.org_admin, title="学雷锋志愿服务")
    assert by_org.status_code == 201
    edited = client.patch(
        f"/api/v1/tasks/{task_id}", json={"title": "改名"}, headers=setting.org_admin
    )
    assert edited.status_code == 200 and edited.json["title"] == "改名"
    mine = client.get("/api/v1/tasks", headers=setting.admin).json["items"]
    assert [t["id"] for t in mine] == [by_org.json["id"], task_id]
    drafts = client.get(
        f"/api/v1/bodies/{setting.centre.id}/tasks?status=draft", headers=setting.org_admin
    ).json
    assert [t["id"] for t in drafts["items"]] == [by_org.json["id"], task_id]
    figures = client.get(f"/api/v1/bodies/{setting.centre.id}/figures", headers=setting.admin).json
    assert figures["tasks"] == {"draft": 2, "published": 0, "cancelled": 0}
    assert (figures["shifts"], figures["confirmed_minutes"]) == (0, 0)


def test_only_the_bodys_admins_confirm_the_hours_of_its_task(
    client: FlaskClient, fake_wechat: FakeWeChat, setting: Setting
) -> None:
    task_id = _post(client, setting).json["id"]
    shift_id = post_shift(client, setting.admin, task_id)
    (account_id,) = add_reported_members(setting.place, setting.place.community, 1)
    record_id = add_service_record(member_id_of(account_id), shift_id)
    station = add_body(setting.place.city, "学雷锋岗", BodyKind.POST)
    _, other_admin = login_as(client, fake_wechat, Role.BODY_ADMIN, station)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, setting.place.community)
    for outsider in (other_admin, secretary):
        refused = client.post(
            f"/api/v1/service-records/{record_id}/reject", json={"reason": "无"}, headers=outsider
        )
        assert (refused.status_code, refused.json["code"]) == (404, "record.not_found")
        assert client.get("/api/v1/service-records", headers=outsider).json["items"] == []
    read = client.get(f"/api/v1/service-records/{record_id}", headers=setting.org_admin)
    assert read.status_code == 200
    confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=setting.admin)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"


def test_invitations_reach_members_of_the_chosen_streets_only(
    client: FlaskClient, setting: Setting
) -> None:
    posted = _post(client, setting, visibility="streets", street_ids=[setting.second.id])
    shift_id = post_shift(client, setting.admin, posted.json["id"])
    publish(client, setting.admin, posted.json["id"])
    chosen = add_area(setting.second, AreaLevel.COMMUNITY, "中阳楼社区")
    (inside,) = add_reported_members(setting.place, chosen, 1)
    (outside,) = add_reported_members(setting.place, setting.third_community, 1)
    suggested = client.get(f"/api/v1/shifts/{shift_id}/suggestions", headers=setting.admin).json
    assert [s["member"]["id"] for s in suggested] == [member_id_of(inside)]
    url = f"/api/v1/shifts/{shift_id}/invitations"
    refused = client.post(url, json={"member_ids": [member_id_of(outside)]}, headers=setting.admin)
    assert (refused.status_code, refused.json["code"]) == (422, "invitation.not_eligible")
    invited = client.post(url, json={"member_ids": [member_id_of(inside)]}, headers=setting.admin)
    assert invited.status_code == 201, invited.json
