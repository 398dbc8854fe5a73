"""The co-building ledger (单位共建台账) read back with openpyxl: one row per project of each
report-in the reader may read (the report-in listing's scope and filters), the agreement and
its resources, the members sent, the yearly report; real cells, formula-like text as text."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.needs.models import Need
from sunshine.org.models import AreaLevel
from tests import steps
from tests.builders import add_area, grant, make_account, make_city, token_for
from tests.cobuilding.conftest import Scene, scene  # noqa: F401 (the fixture)
from tests.exports.conftest import ask, asked, exported, file_bytes, formulas, rows, run_exports
from tests.exports.conftest import workbook as open_book

RISKY_TITLE = "+周末义诊"
RISKY_RESOURCE = "=医护志愿者"


def _filled(scene: Scene) -> tuple[int, int, int, int]:  # noqa: F811
    """The unit's report-in with a countersigned agreement, a project done with its three
    members and one planned, its yearly report; the other unit's pending report-in to the
    other community. The ids: report-in, done project, planned project, other report-in."""
    client, unit = scene.client, scene.unit_admin
    report_in = scene.admitted()
    agreement = {
        "starts_on": "2026-12-01",
        "ends_on": "2027-11-30",
        "text": "共驻共建协议",
        "resources": [
            {"kind": "people", "name": RISKY_RESOURCE, "quantity": 12, "measure": "人"},
            {"kind": "vehicles", "name": "救护车", "quantity": 1, "measure": "辆"},
        ],
    }
    url = f"/api/v1/unit-report-ins/{report_in}/agreement"
    assert client.put(url, json=agreement, headers=unit).status_code == 200
    signed = client.post(f"{url}/countersign", headers=scene.community_admin)
    assert signed.status_code == 200, signed.json
    done = scene.project(report_in, title=RISKY_TITLE).json["id"]
    project_url = f"/api/v1/unit-projects/{done}"
    assert client.post(f"{project_url}/start", headers=unit).status_code == 200
    members = {"member_ids": scene.member_ids}
    assert client.put(f"{project_url}/members", json=members, headers=unit).status_code == 200
    assert client.post(f"{project_url}/done", headers=scene.community_admin).status_code == 200
    planned = scene.project(report_in, title="助老服务").json["id"]
    yearly = client.post(
        f"/api/v1/units/{scene.place.unit.id}/yearly-reports",
        json={"year": clock.today().year, "text": "全年共建情况"},
        headers=unit,
    )
    assert yearly.status_code == 201, yearly.json
    other = client.post(
        "/api/v1/unit-report-ins",
        json={
            "unit_id": scene.other_unit.id,
            "party_org_id": scene.other_party_org.id,
            "community_id": scene.place.other_community.id,
        },
        headers=scene.other_unit_admin,
    )
    assert other.status_code == 201, other.json
    return report_in, done, planned, other.json["id"]


def test_the_ledger_has_a_row_per_project_with_real_cells(scene: Scene) -> None:  # noqa: F811
    report_in, done, planned, _ = _filled(scene)
    body = asked(scene.client, scene.community_admin, "unit_cobuilding")
    assert run_exports()["exported"] == 1
    data = file_bytes(scene.client, scene.community_admin, body["id"])
    sheet = open_book(data).active
    assert sheet is not None and sheet.title == "单位共建台账"

    lines = {(r["报到编号"].value, r["项目编号"].value): r for r in rows(sheet)}
    assert set(lines) == {(report_in, done), (report_in, planned)}  # not the other community's
    first = lines[(report_in, done)]
    assert (first["单位"].value, first["报到社区"].value) == (
        scene.place.unit.name,
        scene.place.community.name,
    )
    assert (first["报到状态"].value, first["项目状态"].value) == ("已报到", "已完成")
    assert first["派出党员数"].value == 3 and first["派出党员数"].data_type == "n"
    assert lines[(report_in, planned)]["派出党员数"].value == 0
    assert lines[(report_in, planned)]["项目状态"].value == "计划中"
    assert first["协议开始"].value.date() == date(2026, 12, 1) and first["协议开始"].is_date
    assert first["计划结束"].value.date() == date(2026, 12, 31)
    assert first["申请时间"].is_date and first["协议确认时间"].is_date and first["完成时间"].is_date
    resources = first["资源清单"].value
    assert "人员 =医护志愿者 12人" in resources and "车辆 救护车 1辆" in resources
    assert first["报告年度"].value == clock.today().year
    assert first["年度报告提交时间"].is_date
    title = first["项目名称"]
    assert (title.value, title.data_type, title.quotePrefix) == (RISKY_TITLE, "s", True)
    assert formulas(data) == []


def test_the_ledger_is_the_listing_s_scope_and_filters(scene: Scene) -> None:  # noqa: F811
    report_in, _, _, other = _filled(scene)
    client = scene.client

    def report_ins(headers: dict[str, str], **filters: object) -> list[int]:
        return sorted(
            r["报到编号"].value
            for r in rows(exported(client, headers, "unit_cobuilding", **filters))
        )

    foreign = make_account()
    grant(foreign, Role.ORG_ADMIN, make_city("汾阳市").city)
    assert report_ins(scene.org_admin) == sorted([report_in, report_in, other])
    assert report_ins(scene.neighbour_admin) == [other]
    assert report_ins(scene.unit_admin) == [report_in, report_in]
    assert report_ins(scene.other_unit_admin) == [other]
    assert report_ins(token_for(foreign.id)) == []
    assert report_ins(token_for(foreign.id), area_id=scene.place.community.id) == []
    assert report_ins(scene.org_admin, status="pending") == [other]
    assert report_ins(scene.org_admin, unit_id=scene.other_unit.id) == [other]
    assert report_ins(scene.street_admin, area_id=scene.place.community.id) == [report_in] * 2
    # A year the unit reported nothing for: the submission time is empty.
    last_year = exported(
        client, scene.org_admin, "unit_cobuilding", year=2020, unit_id=scene.place.unit.id
    )
    assert {r["年度报告提交时间"].value for r in rows(last_year)} == {None}


def test_the_ledger_refuses_and_checks_its_filters(scene: Scene) -> None:  # noqa: F811
    client = scene.client
    member = token_for(make_account().id)

    stranger = ask(client, member, "unit_cobuilding")
    unknown_unit = ask(client, scene.org_admin, "unit_cobuilding", unit_id=999_999)
    unknown_area = ask(client, scene.org_admin, "unit_cobuilding", area_id=999_999)
    bad_status = ask(client, scene.org_admin, "unit_cobuilding", status="approved")
    bad_year = ask(client, scene.org_admin, "unit_cobuilding", year=1999)

    assert (stranger.status_code, stranger.json["code"]) == (403, "auth.forbidden")
    assert (unknown_unit.status_code, unknown_unit.json["code"]) == (404, "unit.not_found")
    assert (unknown_area.status_code, unknown_area.json["code"]) == (404, "area.not_found")
    assert bad_status.status_code == 422 and "status" in bad_status.json["fields"]["filters"]
    assert bad_year.status_code == 422 and "year" in bad_year.json["fields"]["filters"]


def test_the_needs_ledger_names_the_task_or_the_unit_project_that_took_a_need_up(
    scene: Scene,  # noqa: F811
) -> None:
    client, secretary = scene.client, scene.community_admin
    community = scene.place.community

    def need(content: str) -> int:
        url = f"/api/v1/communities/{community.id}/needs"
        made = client.post(url, json={"content": content}, headers=secretary)
        assert made.status_code == 201, made.json
        return int(made.json["id"])

    by_task, by_project, waiting = need("换灯泡"), need("测血压"), need("修水管")
    task_body = {
        k: v for k, v in steps.task_body(community).items() if k not in ("area_id", "kind")
    }
    task = client.post(f"/api/v1/needs/{by_task}/task", json=task_body, headers=secretary)
    assert task.status_code == 201, task.json
    project = scene.project(scene.admitted(), title="义诊测血压", need_id=by_project)
    assert project.status_code == 201, project.json

    lines = {r["编号"].value: r for r in rows(exported(client, secretary, "needs"))}

    assert (lines[by_task]["办理方式"].value, lines[by_task]["任务编号"].value) == (
        "转为任务",
        task.json["id"],
    )
    assert lines[by_task]["任务编号"].data_type == "n"
    assert (lines[by_project]["办理方式"].value, lines[by_project]["单位项目"].value) == (
        "单位项目",
        "义诊测血压",
    )
    assert lines[by_project]["状态"].value == "办理中"
    assert lines[waiting]["办理方式"].value is None and lines[waiting]["状态"].value == "已受理"
    # A grid worker's sheet holds the needs of the grid only, as the needs list does.
    grid = add_area(community, AreaLevel.GRID)
    worker = make_account()
    grant(worker, Role.GRID_WORKER, grid)
    in_grid = need("楼道照明")
    db.session.execute(
        update(Need).where(Need.id == in_grid).values(grid_id=grid.id, area_path=grid.path)
    )
    db.session.commit()
    seen = rows(exported(client, token_for(worker.id), "needs"))
    assert [(r["编号"].value, r["网格"].value) for r in seen] == [(in_grid, grid.name)]
