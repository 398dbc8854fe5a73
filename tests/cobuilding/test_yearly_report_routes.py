"""Yearly reports over HTTP: the unit submits one a year with figures the system counts; the
street and the org department read it; it counts in the unit's compliance figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sunshine import clock
from sunshine.cobuilding.models import YearlyReport
from tests.builders import add_service_record, count
from tests.cobuilding.conftest import Scene
from tests.steps import published_shift


def _submit(scene: Scene, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"year": clock.today().year, "text": "全年共建情况报告", **body}
    return scene.client.post(
        f"/api/v1/units/{scene.place.unit.id}/yearly-reports",
        json=payload,
        headers=headers or scene.unit_admin,
    )


def _done_project(scene: Scene, report_in: int) -> None:
    pid = scene.project(report_in).json["id"]
    scene.client.post(f"/api/v1/unit-projects/{pid}/start", headers=scene.unit_admin)
    scene.client.put(
        f"/api/v1/unit-projects/{pid}/members",
        json={"member_ids": scene.member_ids},
        headers=scene.unit_admin,
    )
    done = scene.client.post(f"/api/v1/unit-projects/{pid}/done", headers=scene.community_admin)
    assert done.status_code == 200, done.json


def _served(scene: Scene, minutes: int) -> None:
    """One confirmed record of the unit's first member in the community, this year."""
    _, shift = published_shift(scene.client, scene.community_admin, scene.place.community)
    day = max(clock.today() - timedelta(days=2), date(clock.today().year, 1, 1))
    record = add_service_record(scene.member_ids[0], shift, minutes=minutes, service_date=day)
    confirmed = scene.client.post(
        f"/api/v1/service-records/{record}/confirm", headers=scene.community_admin
    )
    assert confirmed.status_code == 200, confirmed.json


def test_the_figures_are_counted_by_the_system(scene: Scene) -> None:
    report_in = scene.admitted()
    _done_project(scene, report_in)
    _served(scene, 90)

    report = _submit(scene)

    assert report.status_code == 201, report.json
    assert report.json["report_ins"] == 1 and report.json["projects_done"] == 1
    assert report.json["members_sent"] == 3 and report.json["service_minutes"] == 90


def test_one_report_a_year_and_none_for_the_future(scene: Scene) -> None:
    first = _submit(scene)
    second = _submit(scene)
    future = _submit(scene, year=clock.today().year + 1)
    blank = _submit(scene, year=clock.today().year - 1, text=" ")
    long = _submit(scene, year=clock.today().year - 1, text="长" * 10001)

    assert first.status_code == 201
    assert second.status_code == 409 and second.json["code"] == "yearly_report.duplicate"
    assert future.status_code == 422 and future.json["code"] == "yearly_report.future_year"
    assert blank.status_code == long.status_code == 422 and "text" in long.json["fields"]
    assert count(YearlyReport) == 1


def test_the_street_and_the_org_department_read_it_others_do_not(scene: Scene) -> None:
    scene.admitted()
    report = _submit(scene).json["id"]
    url = f"/api/v1/unit-yearly-reports/{report}"
    year = clock.today().year

    def listed(headers: dict[str, str]) -> set[int]:
        page = scene.client.get(
            "/api/v1/unit-yearly-reports", query_string={"year": year}, headers=headers
        )
        assert page.status_code == 200, page.json
        return {item["id"] for item in page.json["items"]}

    for reader in (scene.street_admin, scene.org_admin, scene.community_admin, scene.unit_admin):
        assert scene.client.get(url, headers=reader).status_code == 200
        assert listed(reader) == {report}
    for outsider in (scene.neighbour_admin, scene.other_unit_admin):
        refused = scene.client.get(url, headers=outsider)
        assert refused.status_code == 404 and refused.json["code"] == "yearly_report.not_found"
        assert listed(outsider) == set()


def test_a_street_where_the_unit_never_worked_does_not_read_it(scene: Scene) -> None:
    report = _submit(scene).json["id"]  # the unit has no report-in

    refused = scene.client.get(f"/api/v1/unit-yearly-reports/{report}", headers=scene.street_admin)
    org = scene.client.get(f"/api/v1/unit-yearly-reports/{report}", headers=scene.org_admin)

    assert refused.status_code == 404 and org.status_code == 200


def test_refusals_other_unit_and_wrong_role(scene: Scene) -> None:
    other = _submit(scene, headers=scene.other_unit_admin)
    street = _submit(scene, headers=scene.street_admin)

    assert other.status_code == street.status_code == 403
    assert count(YearlyReport) == 0


def test_the_unit_s_compliance_shows_its_co_building(scene: Scene) -> None:
    report_in = scene.admitted()
    _done_project(scene, report_in)
    _submit(scene)
    year = clock.today().year
    period = scene.client.post(
        f"/api/v1/cities/{scene.place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=scene.org_admin,
    ).json["id"]

    by_unit = scene.client.get(
        f"/api/v1/periods/{period}/compliance", query_string={"by": "unit"}, headers=scene.org_admin
    )
    ranking = scene.client.get(f"/api/v1/periods/{period}/rankings/units", headers=scene.org_admin)
    by_street = scene.client.get(f"/api/v1/periods/{period}/compliance", headers=scene.org_admin)

    groups = {g["id"]: g for g in by_unit.json["groups"]}
    assert groups[scene.place.unit.id]["co_building"] == {
        "reported_in": True,
        "report_ins": 1,
        "projects_done": 1,
        "members_sent": 3,
        "yearly_report_submitted": True,
    }
    assert groups[scene.other_unit.id]["co_building"]["reported_in"] is False
    entries = {e["id"]: e for e in ranking.json["items"]}
    assert entries[scene.place.unit.id]["co_building"]["projects_done"] == 1
    assert all(g["co_building"] is None for g in by_street.json["groups"])
