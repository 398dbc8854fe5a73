"""Reading the roster (GET /api/v1/roster): scope by role, phones masked for oversight roles."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City, add_roster, make_city
from tests.steps import login_as


@dataclass
class Setup:
    place: City
    other: City


@pytest.fixture
def setup() -> Setup:
    place, other = make_city(), make_city("汾阳市")
    add_roster(place.city, place.unit, "张三", "13800000001")
    add_roster(place.city, place.unit, "李四", "13800000002")
    add_roster(other.city, other.unit, "王五", "13800000003")
    return Setup(place, other)


def test_roster_as_org_admin_lists_the_city_with_masked_phones(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, setup.place.city)

    response = client.get("/api/v1/roster", headers=headers)

    assert response.status_code == 200, response.json
    assert [(r["name"], r["phone"], r["unit_id"]) for r in response.json["items"]] == [
        ("李四", "138****0002", setup.place.unit.id),
        ("张三", "138****0001", setup.place.unit.id),
    ]


def test_roster_as_unit_admin_lists_its_unit_with_full_phones(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup
) -> None:
    _, headers = login_as(client, fake_wechat, Role.UNIT_ADMIN, setup.place.unit)

    response = client.get("/api/v1/roster", headers=headers)

    assert response.status_code == 200, response.json
    assert [(r["name"], r["phone"]) for r in response.json["items"]] == [
        ("李四", "13800000002"),
        ("张三", "13800000001"),
    ]


def test_roster_as_unit_admin_of_another_unit_shows_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup
) -> None:
    _, headers = login_as(client, fake_wechat, Role.UNIT_ADMIN, setup.other.unit)

    response = client.get("/api/v1/roster", headers=headers)

    assert response.status_code == 200
    assert [r["name"] for r in response.json["items"]] == ["王五"]
    filtered = client.get(f"/api/v1/roster?unit_id={setup.place.unit.id}", headers=headers)
    assert filtered.status_code == 200 and filtered.json["items"] == []


@pytest.mark.parametrize("role", [Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.SYS_ADMIN, None])
def test_roster_as_role_without_member_list_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup, role: Role | None
) -> None:
    scope = (
        {
            Role.COMMUNITY_ADMIN: setup.place.community,
            Role.STREET_ADMIN: setup.place.street,
        }.get(role)
        if role
        else None
    )
    _, headers = login_as(client, fake_wechat, role, scope)

    response = client.get("/api/v1/roster", headers=headers)

    assert response.status_code == 403 and response.json["code"] == "auth.forbidden"


def test_roster_without_login_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/roster")

    assert response.status_code == 401 and response.json["code"] == "auth.unauthenticated"


def test_roster_pages_by_cursor_and_filters_by_name(
    client: FlaskClient, fake_wechat: FakeWeChat, setup: Setup
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, setup.place.city)

    first = client.get("/api/v1/roster?limit=1", headers=headers)
    cursor = first.json["next_cursor"]
    second = client.get(f"/api/v1/roster?limit=1&cursor={cursor}", headers=headers)
    by_name = client.get("/api/v1/roster?name=李四", headers=headers)

    assert first.status_code == 200 and [r["name"] for r in first.json["items"]] == ["李四"]
    assert [r["name"] for r in second.json["items"]] == ["张三"]
    assert second.json["next_cursor"] is None and "X-Pagination" not in second.headers
    assert [r["name"] for r in by_name.json["items"]] == ["李四"]
