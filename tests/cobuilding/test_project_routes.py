"""Projects over HTTP: the unit plans, starts, sends its members and cancels; the community
confirms done; a resident's need follows the project; bad input and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from sunshine.cobuilding.models import UnitProject, UnitProjectMember
from tests.builders import count
from tests.cobuilding.conftest import Scene


def _need(
    scene: Scene, community_admin: dict[str, str] | None = None, community: Any = None
) -> int:
    place = scene.place
    made = scene.client.post(
        f"/api/v1/communities/{(community or place.community).id}/needs",
        json={"content": "小区老人需要定期测血压"},
        headers=community_admin or scene.community_admin,
    )
    assert made.status_code == 201, made.json
    return int(made.json["id"])


def _need_status(scene: Scene, need_id: int, headers: dict[str, str] | None = None) -> str:
    read = scene.client.get(f"/api/v1/needs/{need_id}", headers=headers or scene.community_admin)
    assert read.status_code == 200, read.json
    return str(read.json["status"])


def _post(scene: Scene, project_id: int, action: str, headers: dict[str, str], **kw: Any) -> Any:
    return scene.client.post(f"/api/v1/unit-projects/{project_id}/{action}", headers=headers, **kw)


def _send(scene: Scene, project_id: int, member_ids: list[int], headers: Any = None) -> Any:
    return scene.client.put(
        f"/api/v1/unit-projects/{project_id}/members",
        json={"member_ids": member_ids},
        headers=headers or scene.unit_admin,
    )


def test_a_project_answers_a_need_and_is_confirmed_done(scene: Scene) -> None:
    need = _need(scene)
    project = scene.project(scene.admitted(), need_id=need)
    pid = project.json["id"]
    in_progress = _need_status(scene, need)
    started = _post(scene, pid, "start", scene.unit_admin)
    sent = _send(scene, pid, scene.member_ids)
    done = _post(scene, pid, "done", scene.community_admin)

    assert project.status_code == 201 and project.json["status"] == "planned"
    assert in_progress == "in_progress"
    assert started.json["status"] == "in_progress"
    assert [m["id"] for m in sent.json["members"]] == sorted(scene.member_ids)
    assert done.status_code == 200 and done.json["status"] == "done"
    assert _need_status(scene, need) == "done"


def test_a_cancelled_project_reopens_its_need(scene: Scene) -> None:
    need = _need(scene)
    pid = scene.project(scene.admitted(), need_id=need).json["id"]

    cancelled = _post(scene, pid, "cancel", scene.unit_admin, json={"reason": "人手不足"})
    again = _post(scene, pid, "start", scene.unit_admin)

    assert cancelled.json["status"] == "cancelled" and cancelled.json["cancel_reason"] == "人手不足"
    assert _need_status(scene, need) == "open"
    assert again.status_code == 409 and again.json["code"] == "unit_project.bad_status"


def test_a_need_already_taken_or_of_another_community_is_refused(scene: Scene) -> None:
    report_in = scene.admitted()
    taken = _need(scene)
    scene.project(report_in, need_id=taken)
    elsewhere = _need(scene, scene.neighbour_admin, scene.place.other_community)

    twice = scene.project(report_in, need_id=taken)
    other = scene.project(report_in, need_id=elsewhere)
    unknown = scene.project(report_in, need_id=999_999)

    assert twice.status_code == 409 and twice.json["code"] == "need.not_open"
    assert other.status_code == unknown.status_code == 422
    assert other.json["code"] == "need.unusable" and "need_id" in other.json["fields"]
    assert count(UnitProject) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "长" * 101}, "title"),
        ({"description": ""}, "description"),
        ({"planned_to": "2026-12-01"}, "planned_to"),
        ({"need_id": 0}, "need_id"),
    ],
)
def test_bad_projects_are_422(scene: Scene, changes: dict[str, Any], field: str) -> None:
    answer = scene.project(scene.admitted(), **changes)

    assert answer.status_code == 422 and field in answer.json["fields"]
    assert count(UnitProject) == 0


def test_only_the_unit_s_verified_members_are_sent(scene: Scene) -> None:
    pid = scene.project(scene.admitted()).json["id"]
    _send(scene, pid, scene.member_ids[:1])

    other = _send(scene, pid, [*scene.member_ids, scene.other_member_id])
    unknown = _send(scene, pid, [999_999])

    assert other.status_code == unknown.status_code == 422
    assert other.json["code"] == "unit_project.not_unit_members"
    assert str(scene.other_member_id) in other.json["fields"]["member_ids"][0]
    assert count(UnitProjectMember) == 1  # the list sent before stands


def test_done_needs_a_project_in_progress_with_members(scene: Scene) -> None:
    pid = scene.project(scene.admitted()).json["id"]
    planned = _post(scene, pid, "done", scene.community_admin)
    _post(scene, pid, "start", scene.unit_admin)
    nobody = _post(scene, pid, "done", scene.community_admin)

    assert planned.status_code == 409 and planned.json["code"] == "unit_project.bad_status"
    assert nobody.status_code == 409 and nobody.json["code"] == "unit_project.no_members"


def test_projects_of_a_pending_report_in_are_refused(scene: Scene) -> None:
    answer = scene.project(scene.report_in().json["id"])

    assert answer.status_code == 409 and answer.json["code"] == "unit_report_in.not_active"


def test_refusals_other_unit_other_community_wrong_role(scene: Scene) -> None:
    report_in = scene.admitted()
    pid = scene.project(report_in).json["id"]
    _post(scene, pid, "start", scene.unit_admin)
    _send(scene, pid, scene.member_ids)

    other_unit = _post(scene, pid, "cancel", scene.other_unit_admin, json={"reason": "误"})
    other_unit_reads = scene.client.get(
        f"/api/v1/unit-projects/{pid}", headers=scene.other_unit_admin
    )
    neighbour = _post(scene, pid, "done", scene.neighbour_admin)
    unit_confirms = _post(scene, pid, "done", scene.unit_admin)
    community_starts = _post(scene, pid, "start", scene.community_admin)
    other_creates = scene.client.post(
        f"/api/v1/unit-report-ins/{report_in}/projects",
        json={
            "title": "x",
            "description": "x",
            "planned_from": "2026-12-05",
            "planned_to": "2026-12-06",
        },
        headers=scene.other_unit_admin,
    )

    assert other_unit.status_code == other_unit_reads.status_code == neighbour.status_code == 404
    assert neighbour.json["code"] == other_unit.json["code"] == "unit_project.not_found"
    assert other_creates.status_code == 404
    assert unit_confirms.status_code == community_starts.status_code == 403
    assert count(UnitProject) == 1


def test_the_unit_and_the_community_both_list_the_project(scene: Scene) -> None:
    pid = scene.project(scene.admitted()).json["id"]

    def listed(headers: dict[str, str]) -> set[int]:
        page = scene.client.get("/api/v1/unit-projects", headers=headers)
        assert page.status_code == 200, page.json
        return {p["id"] for p in page.json["items"]}

    assert listed(scene.unit_admin) == listed(scene.community_admin) == {pid}
    assert listed(scene.street_admin) == listed(scene.org_admin) == {pid}
    assert listed(scene.neighbour_admin) == listed(scene.other_unit_admin) == set()
