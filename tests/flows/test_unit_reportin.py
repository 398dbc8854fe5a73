"""Issue 17 item 1's "done when": a work unit reports in to a community and runs a project
with its members, through HTTP; its yearly report is read by the street and the org
department and shows in the unit's compliance figures."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.org.models import UnitCommunityPair
from tests.builders import add_reported_members, make_city, make_party_org, member_id_of
from tests.cobuilding.conftest import admin


def test_a_unit_reports_in_runs_a_project_and_reports_on_its_year(client: FlaskClient) -> None:
    place = make_city()
    db.session.add(UnitCommunityPair(unit_id=place.unit.id, community_id=place.community.id))
    db.session.commit()
    committee = make_party_org(place.unit, "孝义市人民医院党委", "committee")
    members = [member_id_of(a) for a in add_reported_members(place, place.community, 3)]
    unit = admin(Role.UNIT_ADMIN, place.unit)
    community = admin(Role.COMMUNITY_ADMIN, place.community)
    street = admin(Role.STREET_ADMIN, place.street)
    org = admin(Role.ORG_ADMIN, place.city)
    year = clock.today().year

    # The unit's party committee reports in to its paired community; the community admits it.
    asked = client.post(
        "/api/v1/unit-report-ins",
        json={
            "unit_id": place.unit.id,
            "party_org_id": committee.id,
            "community_id": place.community.id,
        },
        headers=unit,
    )
    assert asked.status_code == 201 and asked.json["paired"] is True
    report_in = asked.json["id"]
    waiting = client.get(
        "/api/v1/unit-report-ins", query_string={"status": "pending"}, headers=community
    )
    assert [r["id"] for r in waiting.json["items"]] == [report_in]
    admitted = client.post(
        f"/api/v1/unit-report-ins/{report_in}/approve", json={}, headers=community
    )
    assert admitted.json["status"] == "active"
    told = client.get("/api/v1/me/messages", headers=unit).json["items"]
    assert told[0]["title"] == "单位报到审核" and "已通过" in told[0]["body"]

    # The agreement with the unit's resources, countersigned by the community.
    agreement = f"/api/v1/unit-report-ins/{report_in}/agreement"
    written = client.put(
        agreement,
        json={
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year + 1}-12-31",
            "text": "双方本着共驻共建、资源共享的原则签订本协议。",
            "resources": [
                {"kind": "people", "name": "医护志愿者", "quantity": 12, "measure": "人"},
                {"kind": "vehicles", "name": "救护车", "quantity": 1, "measure": "辆"},
                {"kind": "funds", "name": "共建经费", "quantity": 20000, "measure": "元"},
            ],
        },
        headers=unit,
    )
    assert written.status_code == 200, written.json
    signed = client.post(f"{agreement}/countersign", headers=community)
    assert signed.status_code == 200 and signed.json["confirmed_at"] is not None
    assert len(client.get(agreement, headers=street).json["resources"]) == 3

    # A project for a resident's need, run with three of the unit's members to done.
    need = client.post(
        f"/api/v1/communities/{place.community.id}/needs",
        json={"content": "独居老人需要上门测血压"},
        headers=community,
    ).json["id"]
    project = client.post(
        f"/api/v1/unit-report-ins/{report_in}/projects",
        json={
            "title": "上门健康服务",
            "description": "每周为独居老人上门测血压",
            "planned_from": clock.today().isoformat(),
            "planned_to": clock.today().isoformat(),
            "need_id": need,
        },
        headers=unit,
    )
    assert project.status_code == 201, project.json
    pid = project.json["id"]
    assert client.get(f"/api/v1/needs/{need}", headers=community).json["status"] == "in_progress"
    assert client.post(f"/api/v1/unit-projects/{pid}/start", headers=unit).status_code == 200
    sent = client.put(
        f"/api/v1/unit-projects/{pid}/members", json={"member_ids": members}, headers=unit
    )
    assert len(sent.json["members"]) == 3
    seen = client.get(f"/api/v1/unit-projects/{pid}", headers=community)
    assert seen.json["status"] == "in_progress"
    done = client.post(f"/api/v1/unit-projects/{pid}/done", headers=community)
    assert done.status_code == 200 and done.json["status"] == "done"
    assert client.get(f"/api/v1/needs/{need}", headers=community).json["status"] == "done"

    # The yearly report: the figures are the system's; the street and org department read it.
    report = client.post(
        f"/api/v1/units/{place.unit.id}/yearly-reports",
        json={"year": year, "text": "全年到府前社区开展上门健康服务。"},
        headers=unit,
    )
    assert report.status_code == 201, report.json
    assert (report.json["report_ins"], report.json["projects_done"]) == (1, 1)
    assert report.json["members_sent"] == 3
    for reader in (street, org):
        listed = client.get(
            "/api/v1/unit-yearly-reports", query_string={"year": year}, headers=reader
        )
        assert [r["id"] for r in listed.json["items"]] == [report.json["id"]]
        read = client.get(f"/api/v1/unit-yearly-reports/{report.json['id']}", headers=reader)
        assert read.status_code == 200 and read.json["text"].startswith("全年")

    # … and counts in the unit's compliance figures of the year.
    period = client.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org,
    ).json["id"]
    for reader in (street, org):
        by_unit = client.get(
            f"/api/v1/periods/{period}/compliance", query_string={"by": "unit"}, headers=reader
        )
        (group,) = [g for g in by_unit.json["groups"] if g["id"] == place.unit.id]
        assert group["members"] == 3
        assert group["co_building"] == {
            "reported_in": True,
            "report_ins": 1,
            "projects_done": 1,
            "members_sent": 3,
            "yearly_report_submitted": True,
        }
