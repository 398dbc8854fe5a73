"""One live report-in per unit and community, also when two requests race on separate
connections: both pass the service's check, the partial unique index lets one insert."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.cobuilding.models import UnitProject, UnitReportIn
from sunshine.extensions import db
from tests.builders import add_unit, make_city, make_party_org
from tests.cobuilding.conftest import admin
from tests.races import race


def test_two_parallel_report_ins_to_one_community_make_one(race_app: Flask) -> None:
    place = make_city()
    committee = make_party_org(place.unit, "人民医院党委", "committee")
    branch = make_party_org(place.unit, "人民医院第一党支部")
    headers = [admin(Role.UNIT_ADMIN, place.unit) for _ in range(2)]
    bodies = [
        {"unit_id": place.unit.id, "party_org_id": org.id, "community_id": place.community.id}
        for org in (committee, branch)
    ]

    results = race(
        race_app,
        [
            ("POST", "/api/v1/unit-report-ins", body, h)
            for body, h in zip(bodies, headers, strict=True)
        ],
        hold="INSERT INTO unit_report_in ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "unit_report_in.duplicate"
    db.session.remove()
    rows = db.session.scalars(
        select(UnitReportIn.id).where(UnitReportIn.unit_id == place.unit.id)
    ).all()
    assert len(rows) == 1


def test_two_units_taking_one_need_at_once_one_takes_it(race_app: Flask) -> None:
    place = make_city()
    client = race_app.test_client()
    community_admin = admin(Role.COMMUNITY_ADMIN, place.community)
    units = [(place.unit, make_party_org(place.unit, "人民医院党委", "committee"))]
    second = add_unit(place.city)
    units.append((second, make_party_org(second, "第二中学党支部")))
    report_ins, headers = [], []
    for unit, party_org in units:
        unit_admin = admin(Role.UNIT_ADMIN, unit)
        body = {
            "unit_id": unit.id,
            "party_org_id": party_org.id,
            "community_id": place.community.id,
        }
        made = client.post("/api/v1/unit-report-ins", json=body, headers=unit_admin)
        assert made.status_code == 201, made.json
        url = f"/api/v1/unit-report-ins/{made.json['id']}/approve"
        assert client.post(url, json={}, headers=community_admin).status_code == 200
        report_ins.append(made.json["id"])
        headers.append(unit_admin)
    need = client.post(
        f"/api/v1/communities/{place.community.id}/needs",
        json={"content": "楼道灯坏了，想请人修"},
        headers=community_admin,
    )
    assert need.status_code == 201, need.json
    project = {
        "title": "楼道照明",
        "description": "更换楼道灯",
        "planned_from": "2026-12-05",
        "planned_to": "2026-12-31",
        "need_id": need.json["id"],
    }

    results = race(
        race_app,
        [
            ("POST", f"/api/v1/unit-report-ins/{r}/projects", project, h)
            for r, h in zip(report_ins, headers, strict=True)
        ],
        hold="UPDATE need ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "need.not_open"
    db.session.remove()
    takers = db.session.scalars(
        select(UnitProject.id).where(UnitProject.need_id == need.json["id"])
    ).all()
    assert len(takers) == 1


def test_two_admins_approving_one_report_in_at_once_approve_once(race_app: Flask) -> None:
    place = make_city()
    client = race_app.test_client()
    party_org = make_party_org(place.unit, "人民医院党委", "committee")
    body = {
        "unit_id": place.unit.id,
        "party_org_id": party_org.id,
        "community_id": place.community.id,
    }
    made = client.post(
        "/api/v1/unit-report-ins", json=body, headers=admin(Role.UNIT_ADMIN, place.unit)
    )
    assert made.status_code == 201, made.json
    url = f"/api/v1/unit-report-ins/{made.json['id']}/approve"
    deciders = [admin(Role.COMMUNITY_ADMIN, place.community) for _ in range(2)]

    results = race(
        race_app, [("POST", url, {}, h) for h in deciders], hold="UPDATE unit_report_in "
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "unit_report_in.not_pending"


def test_two_admins_starting_one_project_at_once_start_it_once(race_app: Flask) -> None:
    place = make_city()
    client = race_app.test_client()
    party_org = make_party_org(place.unit, "人民医院党委", "committee")
    unit_admins = [admin(Role.UNIT_ADMIN, place.unit) for _ in range(2)]
    body = {
        "unit_id": place.unit.id,
        "party_org_id": party_org.id,
        "community_id": place.community.id,
    }
    made = client.post("/api/v1/unit-report-ins", json=body, headers=unit_admins[0])
    url = f"/api/v1/unit-report-ins/{made.json['id']}"
    community_admin = admin(Role.COMMUNITY_ADMIN, place.community)
    assert client.post(f"{url}/approve", json={}, headers=community_admin).status_code == 200
    project = client.post(
        f"{url}/projects",
        json={
            "title": "周末义诊",
            "description": "社区广场义诊",
            "planned_from": "2026-12-05",
            "planned_to": "2026-12-31",
        },
        headers=unit_admins[0],
    )
    assert project.status_code == 201, project.json
    start = f"/api/v1/unit-projects/{project.json['id']}/start"

    results = race(
        race_app, [("POST", start, {}, h) for h in unit_admins], hold="UPDATE unit_project "
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "unit_project.bad_status"
