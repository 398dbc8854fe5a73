"""City bodies: the organization department keeps them and names their admins."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Grant, Role
from sunshine.bodies.models import BodyKind, CityBody
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City, add_body, count, make_account, make_city
from tests.steps import login_as

Headers = dict[str, str]


def _bodies(city: City) -> str:
    return f"/api/v1/cities/{city.city.id}/bodies"


def test_org_admin_creates_a_centre_and_its_station_and_anyone_signed_in_lists_them(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin
    centre = client.post(
        _bodies(place),
        json={"name": "新时代文明实践中心", "kind": "practice_centre"},
        headers=headers,
    )
    assert centre.status_code == 201, centre.json
    station = client.post(
        _bodies(place),
        json={"name": "新义街道实践所", "kind": "practice_station", "parent_id": centre.json["id"]},
        headers=headers,
    )
    assert station.status_code == 201 and station.json["parent_id"] == centre.json["id"]
    _, member = login_as(client, fake_wechat, None)
    listed = client.get(_bodies(place), headers=member).json
    assert [(b["name"], b["kind"]) for b in listed] == [
        ("新时代文明实践中心", "practice_centre"),
        ("新义街道实践所", "practice_station"),
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "学" * 51, "kind": "post"}, 422, "request.invalid"),
        ({"name": "   ", "kind": "post"}, 422, "request.invalid"),
        ({"name": "学雷锋岗", "kind": "committee"}, 422, "request.invalid"),
        ({"name": "学雷锋岗", "kind": "post", "parent_id": 999_999}, 422, "body.bad_parent"),
        ({"name": "已有机构", "kind": "department"}, 409, "body.duplicate"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_written(
    client: FlaskClient,
    org_admin: tuple[City, Headers],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    place, headers = org_admin
    add_body(place.city, "已有机构")
    before = count(CityBody)
    response = client.post(_bodies(place), json=body, headers=headers)
    assert (response.status_code, response.json["code"]) == (status, code)
    assert count(CityBody) == before


def test_a_parent_of_another_city_or_a_body_under_it_is_refused(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin
    elsewhere = add_body(make_city("介休市").city)
    refused = client.post(
        _bodies(place),
        json={"name": "实践站", "kind": "practice_station", "parent_id": elsewhere.id},
        headers=headers,
    )
    assert (refused.status_code, refused.json["code"]) == (422, "body.bad_parent")
    centre = add_body(place.city)
    station = add_body(place.city, "实践站", BodyKind.PRACTICE_STATION)
    moved = client.patch(
        f"/api/v1/bodies/{station.id}", json={"parent_id": centre.id}, headers=headers
    )
    assert moved.status_code == 200 and moved.json["parent_id"] == centre.id
    looped = client.patch(
        f"/api/v1/bodies/{centre.id}", json={"parent_id": station.id}, headers=headers
    )
    assert (looped.status_code, looped.json["code"]) == (422, "body.bad_parent")
    itself = client.patch(
        f"/api/v1/bodies/{centre.id}", json={"parent_id": centre.id}, headers=headers
    )
    assert (itself.status_code, itself.json["code"]) == (422, "body.bad_parent")


def test_another_citys_org_admin_cannot_create_or_edit_the_citys_bodies(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, Headers]
) -> None:
    place, _ = org_admin
    centre = add_body(place.city)
    other = make_city("介休市")
    _, stranger = login_as(client, fake_wechat, Role.ORG_ADMIN, other.city)
    created = client.post(
        _bodies(place), json={"name": "部门", "kind": "department"}, headers=stranger
    )
    assert (created.status_code, created.json["code"]) == (403, "auth.forbidden")
    edited = client.patch(f"/api/v1/bodies/{centre.id}", json={"name": "改"}, headers=stranger)
    assert (edited.status_code, edited.json["code"]) == (404, "body.not_found")
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    assert (
        client.post(
            _bodies(place), json={"name": "部门", "kind": "department"}, headers=secretary
        ).status_code
        == 403
    )


def test_org_admin_names_a_body_admin_and_the_scope_must_be_a_body(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin
    centre = add_body(place.city)
    account = make_account()
    named = client.post(
        "/api/v1/grants",
        json={"account_id": account.id, "role": "body_admin", "body_id": centre.id},
        headers=headers,
    )
    assert named.status_code == 201 and named.json["scope"]["kind"] == "body"
    listed = client.get("/api/v1/grants?role=body_admin", headers=headers).json["items"]
    assert [g["id"] for g in listed] == [named.json["id"]]
    other = make_city("介休市")
    _, stranger = login_as(client, fake_wechat, Role.ORG_ADMIN, other.city)
    before = count(Grant)
    for body, code in [
        ({"role": "body_admin", "area_id": place.city.id}, "grant.bad_scope"),
        ({"role": "body_admin"}, "grant.bad_scope"),
        ({"role": "community_admin", "body_id": centre.id}, "grant.bad_scope"),
        ({"role": "body_admin", "body_id": centre.id, "area_id": place.city.id}, "grant.bad_scope"),
    ]:
        refused = client.post(
            "/api/v1/grants", json={"account_id": account.id, **body}, headers=headers
        )
        assert (refused.status_code, refused.json["code"]) == (422, code), body
    unknown = client.post(
        "/api/v1/grants",
        json={"account_id": account.id, "role": "body_admin", "body_id": 999_999},
        headers=headers,
    )
    assert (unknown.status_code, unknown.json["code"]) == (404, "body.not_found")
    foreign = client.post(
        "/api/v1/grants",
        json={"account_id": account.id, "role": "body_admin", "body_id": centre.id},
        headers=stranger,
    )
    assert foreign.status_code == 403
    assert client.get("/api/v1/grants?role=body_admin", headers=stranger).json["items"] == []
    assert count(Grant) == before
