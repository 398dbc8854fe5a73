"""Who sees which members (GET /members): scope, filters, cursor pages and masked phones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel, WorkUnit
from tests.builders import City, add_area, add_member, add_unit, auth, make_city, publish_notice
from tests.steps import login, login_as


@dataclass
class Town:
    """One city with three members in it, and another city with one."""

    place: City
    unit2: WorkUnit
    street2: Area
    community3: Area
    elsewhere: City
    ids: dict[str, int]  # member name -> id
    phones: dict[str, str]  # member name -> phone (their openid is o-<phone>)

    def login(self, client: FlaskClient, fake: FakeWeChat, name: str) -> dict[str, str]:
        return auth(login(client, fake, f"o-{self.phones[name]}"))


def _register(
    town: Town,
    name: str,
    phone: str,
    unit: WorkUnit,
    residence: Area,
    verified: bool = False,
) -> None:
    town.ids[name] = add_member(
        name=name,
        phone=phone,
        unit=unit,
        residence=residence,
        verified=verified,
        notice_version="2026.1",
    )
    town.phones[name] = phone


@pytest.fixture
def town(app: Flask) -> Town:
    place = make_city()
    unit2 = add_unit(place.city)
    street2 = add_area(place.city, AreaLevel.STREET)
    community3 = add_area(street2, AreaLevel.COMMUNITY)
    elsewhere = make_city("汾阳市")
    publish_notice("2026.1")
    town = Town(place, unit2, street2, community3, elsewhere, {}, {})
    for name, phone, unit, residence, verified in [
        ("张一", "13800000001", place.unit, place.community, False),
        ("张二", "13800000002", place.unit, place.other_community, True),
        ("张三", "13800000003", unit2, community3, False),
        ("张四", "13800000004", elsewhere.unit, elsewhere.community, False),  # another city
    ]:
        _register(town, name, phone, unit, residence, verified)
    return town


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.json
    return sorted(m["name"] for m in response.json["items"])


def test_members_as_unit_admin_lists_only_its_units_members_with_full_phones(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, town.place.unit)

    listed = client.get("/api/v1/members", headers=unit_admin)

    assert _names(listed) == ["张一", "张二"]
    phones = {m["name"]: m["phone"] for m in listed.json["items"]}
    assert phones == {"张一": "13800000001", "张二": "13800000002"}
    assert {m["name"]: m["status"] for m in listed.json["items"]} == {
        "张一": "pending",
        "张二": "verified",
    }


def test_members_as_org_admin_lists_everyone_in_its_city_with_masked_phones(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)

    listed = client.get("/api/v1/members", headers=org_admin)

    assert _names(listed) == ["张一", "张三", "张二"]
    phones = {m["name"]: m["phone"] for m in listed.json["items"]}
    assert phones == {"张一": "138****0001", "张二": "138****0002", "张三": "138****0003"}


def test_members_as_org_admin_of_another_city_lists_none_of_them(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.elsewhere.city)

    assert _names(client.get("/api/v1/members", headers=org_admin)) == ["张四"]


def test_members_living_in_one_city_and_working_in_another_are_seen_by_both_org_admins(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _register(
        town,
        "张五",
        "13800000005",
        town.elsewhere.unit,
        town.place.community,
    )
    _, here = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)
    _, there = login_as(client, fake_wechat, Role.ORG_ADMIN, town.elsewhere.city)
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, town.place.unit)

    assert "张五" in _names(client.get("/api/v1/members", headers=here))
    assert "张五" in _names(client.get("/api/v1/members", headers=there))
    assert "张五" not in _names(client.get("/api/v1/members", headers=unit_admin))


FILTERS: list[tuple[str, Any, list[str]]] = [
    ("street", lambda t: {"area_id": t.place.street.id}, ["张一", "张二"]),
    ("other_street", lambda t: {"area_id": t.street2.id}, ["张三"]),
    ("community", lambda t: {"area_id": t.place.other_community.id}, ["张二"]),
    ("unit", lambda t: {"unit_id": t.unit2.id}, ["张三"]),
    ("status_pending", lambda t: {"status": "pending"}, ["张一", "张三"]),
    ("status_verified", lambda t: {"status": "verified"}, ["张二"]),
    ("unit_and_status", lambda t: {"unit_id": t.place.unit.id, "status": "pending"}, ["张一"]),
    ("name", lambda t: {"name": "张二"}, ["张二"]),
    ("unit_of_another_city", lambda t: {"unit_id": t.elsewhere.unit.id}, []),
    ("area_of_another_city", lambda t: {"area_id": t.elsewhere.community.id}, []),
]


@pytest.mark.parametrize(
    ("query", "expected"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS]
)
def test_members_as_org_admin_filter_by_area_unit_and_status(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town, query: Any, expected: list[str]
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)

    listed = client.get("/api/v1/members", query_string=query(town), headers=org_admin)

    assert _names(listed) == sorted(expected)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.COMMUNITY_ADMIN, lambda t: t.place.community),
        (Role.STREET_ADMIN, lambda t: t.place.street),
        (Role.SYS_ADMIN, lambda t: None),
        (None, lambda t: None),
    ],
    ids=["community_admin", "street_admin", "sys_admin", "plain_account"],
)
def test_members_as_a_role_without_member_listing_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town, role: Role | None, scope: Any
) -> None:
    _, headers = login_as(client, fake_wechat, role, scope(town))

    refused = client.get("/api/v1/members", headers=headers)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_members_as_a_member_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    refused = client.get("/api/v1/members", headers=town.login(client, fake_wechat, "张一"))

    assert refused.status_code == 403


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_members_cursor_pages_walk_everyone_once_newest_first(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town, limit: int
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)
    seen: list[int] = []
    cursor: int | None = None
    pages = 0

    while True:
        query: dict[str, int] = {"limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        page = client.get("/api/v1/members", query_string=query, headers=org_admin)
        assert page.status_code == 200
        assert len(page.json["items"]) <= limit
        seen += [m["id"] for m in page.json["items"]]
        pages += 1
        cursor = page.json["next_cursor"]
        if cursor is None:
            break

    expected = sorted((town.ids[n] for n in ("张一", "张二", "张三")), reverse=True)
    assert seen == expected
    assert pages == -(-len(expected) // limit)


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 101}, {"cursor": 0}, {"status": "asleep"}, {"unit_id": "医院"}],
    ids=["limit_0", "limit_101", "cursor_0", "unknown_status", "unit_not_a_number"],
)
def test_members_with_bad_query_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town, query: dict[str, Any]
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)

    refused = client.get("/api/v1/members", query_string=query, headers=org_admin)

    assert refused.status_code == 422 and refused.json["code"] == "request.invalid"


def test_members_with_an_unknown_area_filter_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, town.place.city)

    refused = client.get("/api/v1/members?area_id=2000000000", headers=org_admin)

    assert refused.status_code == 404 and refused.json["code"] == "area.not_found"


def test_members_as_unit_admin_shows_each_members_report_in_status(
    client: FlaskClient, fake_wechat: FakeWeChat, town: Town
) -> None:
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, town.place.unit)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, town.place.other_community)
    asked = client.post(
        "/api/v1/me/report-ins",
        json={"community_id": town.place.other_community.id},
        headers=town.login(client, fake_wechat, "张二"),
    )
    assert asked.status_code == 201

    def report_ins() -> dict[str, Any]:
        items = client.get("/api/v1/members", headers=unit_admin).json["items"]
        return {
            m["name"]: m["report_in"]
            and (m["report_in"]["status"], m["report_in"]["community"]["id"])
            for m in items
        }

    assert report_ins() == {"张一": None, "张二": ("pending", town.place.other_community.id)}
    client.post(f"/api/v1/report-ins/{asked.json['id']}/approve", json={}, headers=secretary)
    assert report_ins() == {"张一": None, "张二": ("active", town.place.other_community.id)}


# One member --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope", "status", "phone"),
    [
        (Role.UNIT_ADMIN, lambda t: t.place.unit, 200, "13800000001"),
        (Role.ORG_ADMIN, lambda t: t.place.city, 200, "138****0001"),
        # Anyone else is told the member does not exist (as for an unknown id).
        (Role.UNIT_ADMIN, lambda t: t.unit2, 404, None),
        (Role.ORG_ADMIN, lambda t: t.elsewhere.city, 404, None),
        (Role.COMMUNITY_ADMIN, lambda t: t.place.community, 404, None),
    ],
    ids=["unit_admin", "org_admin", "other_unit_admin", "other_org_admin", "community_admin"],
)
def test_member_detail_follows_the_listing_scope(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    town: Town,
    role: Role,
    scope: Any,
    status: int,
    phone: str | None,
) -> None:
    _, headers = login_as(client, fake_wechat, role, scope(town))

    response = client.get(f"/api/v1/members/{town.ids['张一']}", headers=headers)

    assert response.status_code == status
    if phone is not None:
        assert response.json["phone"] == phone and response.json["name"] == "张一"
    else:
        assert response.json["code"] == "member.not_found"
