"""Reading the area tree and work units, adding cities and service teams, through HTTP."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, ServiceTeam
from tests.builders import City, count, make_city, make_party_org
from tests.steps import login_as


def test_create_city_as_sys_admin_is_201(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    response = client.post(
        "/api/v1/cities", json={"name": "介休市", "division_code": "141181000000"}, headers=headers
    )

    assert response.status_code == 201, response.json
    assert response.json["level"] == "city" and response.json["parent_id"] is None
    city = db.session.get(Area, response.json["id"])
    assert city is not None and (city.name, city.path) == ("介休市", f"/{city.id}/")


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.COMMUNITY_ADMIN, None])
def test_create_city_as_other_roles_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, role: Role | None
) -> None:
    scope = {Role.ORG_ADMIN: city.city, Role.COMMUNITY_ADMIN: city.community}.get(role)
    _, headers = login_as(client, fake_wechat, role, scope)
    before = count(Area)

    response = client.post("/api/v1/cities", json={"name": "介休市"}, headers=headers)

    assert response.status_code == 403 and response.json["code"] == "auth.forbidden"
    assert count(Area) == before


def test_create_city_with_a_code_in_use_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    first = client.post(
        "/api/v1/cities", json={"name": "介休市", "division_code": "141181000000"}, headers=headers
    )
    assert first.status_code == 201

    again = client.post(
        "/api/v1/cities", json={"name": "灵石县", "division_code": "141181000000"}, headers=headers
    )

    assert again.status_code == 409 and again.json["code"] == "area.code_exists"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "介休市", "division_code": "14118100000"}, "division_code"),
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "介休市", "level": "city"}, "level"),
    ],
    ids=["short code", "empty name", "no name", "unknown field"],
)
def test_create_city_with_bad_input_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, body: dict[str, str], field: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    response = client.post("/api/v1/cities", json=body, headers=headers)

    assert response.status_code == 422 and response.json["code"] == "request.invalid"
    assert field in response.json["fields"]


def test_areas_without_parent_lists_cities_and_with_parent_its_children(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, None)  # any logged-in user picks a community

    cities = client.get("/api/v1/areas", headers=headers)
    communities = client.get(f"/api/v1/areas?parent_id={city.street.id}", headers=headers)

    assert cities.status_code == 200
    assert city.city.name in [a["name"] for a in cities.json]
    assert {a["level"] for a in cities.json} == {"city"}
    assert communities.status_code == 200
    assert sorted((a["name"], a["level"], a["parent_id"]) for a in communities.json) == sorted(
        [
            (city.community.name, "community", city.street.id),
            (city.other_community.name, "community", city.street.id),
        ]
    )


def test_areas_are_ordered_by_division_code(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    new_city = org.create_area(name="测试市", level=AreaLevel.CITY)
    for name, code in [
        ("乙镇", "141199102000"),
        ("甲镇", "141199101000"),
        ("丙镇", "141199100000"),
    ]:
        org.create_area(name=name, level=AreaLevel.STREET, parent=new_city, division_code=code)
    db.session.commit()
    _, headers = login_as(client, fake_wechat, None)

    response = client.get(f"/api/v1/areas?parent_id={new_city.id}", headers=headers)

    assert [a["name"] for a in response.json] == ["丙镇", "甲镇", "乙镇"]
    assert [a["division_code"] for a in response.json] == sorted(
        a["division_code"] for a in response.json
    )


def test_areas_of_an_unknown_parent_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, headers = login_as(client, fake_wechat, None)

    response = client.get("/api/v1/areas?parent_id=999999", headers=headers)

    assert response.status_code == 404 and response.json["code"] == "area.not_found"


def test_areas_without_login_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/areas").status_code == 401


def test_units_of_a_city_page_by_cursor_and_are_searchable(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    for name in ["孝义中学", "孝义市财政局", "孝义市_100%公司"]:
        org.create_work_unit(name=name, city=city.city)
    other = make_city("汾阳市")
    db.session.commit()
    _, headers = login_as(client, fake_wechat, None)

    listed = client.get(f"/api/v1/units?city_id={city.city.id}&limit=2", headers=headers)
    cursor = listed.json["next_cursor"]
    rest = client.get(f"/api/v1/units?city_id={city.city.id}&cursor={cursor}", headers=headers)
    searched = client.get(f"/api/v1/units?city_id={city.city.id}&q=中学", headers=headers)
    literal = client.get(f"/api/v1/units?city_id={city.city.id}&q=_100%", headers=headers)

    assert listed.status_code == 200 and len(listed.json["items"]) == 2
    every = [*listed.json["items"], *rest.json["items"]]
    assert len(every) == 4 and rest.json["next_cursor"] is None
    assert [u["id"] for u in every] == sorted((u["id"] for u in every), reverse=True)
    assert {u["city_id"] for u in every} == {city.city.id}
    assert [u["name"] for u in searched.json["items"]] == ["孝义中学"]
    literal_names = [u["name"] for u in literal.json["items"]]
    assert literal_names == ["孝义市_100%公司"]  # wildcards are literal
    assert other.unit.name not in [u["name"] for u in every]


@pytest.mark.parametrize(
    "query", ["", "city_id=abc", "city_id=1&q="], ids=["no city", "bad city", "empty q"]
)
def test_units_with_bad_query_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, query: str
) -> None:
    _, headers = login_as(client, fake_wechat, None)

    response = client.get(f"/api/v1/units?{query}", headers=headers)

    assert response.status_code == 422 and response.json["code"] == "request.invalid"


def test_party_orgs_of_a_unit_list_top_level_first(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    committee = make_party_org(city.unit, "医院党委", "committee")
    make_party_org(city.unit, "内科党支部", parent=committee)
    make_party_org(make_city().unit, "别家党支部")
    _, headers = login_as(client, fake_wechat, None)

    response = client.get(f"/api/v1/units/{city.unit.id}/party-orgs", headers=headers)

    assert response.status_code == 200
    assert [(o["name"], o["kind"], o["parent_id"]) for o in response.json] == [
        ("医院党委", "committee", None),
        ("内科党支部", "branch", committee.id),
    ]


def test_party_orgs_of_an_unknown_unit_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, headers = login_as(client, fake_wechat, None)

    response = client.get("/api/v1/units/999999/party-orgs", headers=headers)

    assert response.status_code == 404 and response.json["code"] == "unit.not_found"


@pytest.mark.parametrize("role", [Role.COMMUNITY_ADMIN, Role.ORG_ADMIN])
def test_create_team_as_admin_of_the_community_or_its_city_is_201(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, role: Role
) -> None:
    scope = city.community if role == Role.COMMUNITY_ADMIN else city.city
    _, headers = login_as(client, fake_wechat, role, scope)
    url = f"/api/v1/communities/{city.community.id}/teams"

    created = client.post(url, json={"name": "法律服务队"}, headers=headers)
    listed = client.get(url, headers=headers)

    assert created.status_code == 201, created.json
    assert (created.json["name"], created.json["community_id"]) == (
        "法律服务队",
        city.community.id,
    )
    assert [t["name"] for t in listed.json] == ["法律服务队"]
    assert db.session.scalars(select(ServiceTeam.name)).all() == ["法律服务队"]


@pytest.mark.parametrize(
    "role, scope",
    [
        (Role.COMMUNITY_ADMIN, "other_community"),
        (Role.STREET_ADMIN, "street"),
        (Role.UNIT_ADMIN, "unit"),
        (Role.ORG_ADMIN, "other_city"),
        (Role.SYS_ADMIN, None),
        (None, None),
    ],
    ids=[
        "other community's admin",
        "street admin",
        "unit admin",
        "other city's org admin",
        "sys admin",
        "member",
    ],
)
def test_create_team_outside_the_callers_scope_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, role: Role | None, scope: str | None
) -> None:
    scopes = {
        "other_community": city.other_community,
        "street": city.street,
        "unit": city.unit,
        "other_city": make_city("汾阳市").city,
    }
    _, headers = login_as(client, fake_wechat, role, scopes[scope] if scope else None)

    response = client.post(
        f"/api/v1/communities/{city.community.id}/teams",
        json={"name": "法律服务队"},
        headers=headers,
    )

    assert response.status_code == 403 and response.json["code"] == "auth.forbidden"
    assert count(ServiceTeam) == 0


def test_create_team_with_a_name_in_use_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    url = f"/api/v1/communities/{city.community.id}/teams"
    assert client.post(url, json={"name": "法律服务队"}, headers=headers).status_code == 201

    again = client.post(url, json={"name": "法律服务队"}, headers=headers)

    assert again.status_code == 409 and again.json["code"] == "team.duplicate"
    assert count(ServiceTeam) == 1


def test_create_team_with_the_same_name_in_another_community_is_201(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    for community in (city.community, city.other_community):
        response = client.post(
            f"/api/v1/communities/{community.id}/teams",
            json={"name": "法律服务队"},
            headers=headers,
        )
        assert response.status_code == 201, response.json

    assert count(ServiceTeam) == 2


@pytest.mark.parametrize("target", ["street", "unknown"])
def test_teams_of_something_other_than_a_community_is_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, target: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    area_id = city.street.id if target == "street" else 999999
    url = f"/api/v1/communities/{area_id}/teams"

    created = client.post(url, json={"name": "法律服务队"}, headers=headers)
    listed = client.get(url, headers=headers)

    expected = (422, "area.wrong_level") if target == "street" else (404, "area.not_found")
    assert (created.status_code, created.json["code"]) == expected
    assert (listed.status_code, listed.json["code"]) == expected


@pytest.mark.parametrize("body", [{"name": ""}, {}, {"name": "队", "leader": "张三"}])
def test_create_team_with_bad_input_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, body: dict[str, str]
) -> None:
    _, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)

    response = client.post(
        f"/api/v1/communities/{city.community.id}/teams", json=body, headers=headers
    )

    assert response.status_code == 422 and response.json["code"] == "request.invalid"
