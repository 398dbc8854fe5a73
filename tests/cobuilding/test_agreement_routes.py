"""The co-building agreement over HTTP: the unit writes it with its resources list, the
community countersigns it; bad input writes nothing; refusals."""

from __future__ import annotations

from typing import Any

import pytest

from sunshine.cobuilding.models import Agreement, Resource
from tests.builders import count
from tests.cobuilding.conftest import Scene

RESOURCES = [
    {"kind": "people", "name": "医护志愿者", "quantity": 12, "measure": "人"},
    {"kind": "skills", "name": "义诊、健康讲座", "quantity": 2, "measure": "项"},
    {"kind": "venues", "name": "医院礼堂", "quantity": 300, "measure": "㎡"},
    {"kind": "funds", "name": "共建经费", "quantity": 20000, "measure": "元"},
    {"kind": "vehicles", "name": "救护车", "quantity": 1, "measure": "辆"},
]


def body(**changes: Any) -> dict[str, Any]:
    return {
        "starts_on": "2026-12-01",
        "ends_on": "2027-11-30",
        "text": "双方本着共驻共建、资源共享的原则签订本协议。",
        "resources": RESOURCES,
        **changes,
    }


def _url(report_in_id: int) -> str:
    return f"/api/v1/unit-report-ins/{report_in_id}/agreement"


def test_the_unit_writes_and_the_community_countersigns(scene: Scene) -> None:
    report_in = scene.admitted()
    first = scene.client.put(
        _url(report_in), json=body(resources=RESOURCES[:1]), headers=scene.unit_admin
    )
    rewritten = scene.client.put(_url(report_in), json=body(), headers=scene.unit_admin)
    signed = scene.client.post(f"{_url(report_in)}/countersign", headers=scene.community_admin)
    changed = scene.client.put(_url(report_in), json=body(text="改"), headers=scene.unit_admin)
    read = scene.client.get(_url(report_in), headers=scene.street_admin)

    assert first.status_code == rewritten.status_code == 200
    assert [r["kind"] for r in rewritten.json["resources"]] == [r["kind"] for r in RESOURCES]
    assert rewritten.json["confirmed_at"] is None
    assert signed.status_code == 200 and signed.json["confirmed_at"] is not None
    assert changed.status_code == 409 and changed.json["code"] == "agreement.confirmed"
    assert read.status_code == 200 and read.json["resources"][3]["quantity"] == 20000
    assert count(Resource) == len(RESOURCES)  # the first list was replaced, not added to


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "长" * 5001}, "text"),
        ({"text": "   "}, "text"),
        ({"ends_on": "2026-11-30"}, "ends_on"),
        ({"resources": [{**RESOURCES[0], "quantity": -1}]}, "resources"),
        ({"resources": [{**RESOURCES[0], "kind": "land"}]}, "resources"),
        ({"resources": [{**RESOURCES[0], "measure": "个" * 11}]}, "resources"),
    ],
)
def test_bad_agreements_are_422_and_write_nothing(
    scene: Scene, changes: dict[str, Any], field: str
) -> None:
    report_in = scene.admitted()

    answer = scene.client.put(_url(report_in), json=body(**changes), headers=scene.unit_admin)
    read = scene.client.get(_url(report_in), headers=scene.unit_admin)

    assert answer.status_code == 422 and field in answer.json["fields"]
    assert read.status_code == 404 and read.json["code"] == "agreement.not_found"
    assert count(Agreement) == count(Resource) == 0


def test_a_pending_report_in_has_no_agreement_yet(scene: Scene) -> None:
    pending = scene.report_in().json["id"]

    answer = scene.client.put(_url(pending), json=body(), headers=scene.unit_admin)

    assert answer.status_code == 409 and answer.json["code"] == "unit_report_in.not_active"


def test_nothing_to_countersign_is_404(scene: Scene) -> None:
    report_in = scene.admitted()

    answer = scene.client.post(f"{_url(report_in)}/countersign", headers=scene.community_admin)

    assert answer.status_code == 404 and answer.json["code"] == "agreement.not_found"


def test_refusals_other_unit_other_community_wrong_role(scene: Scene) -> None:
    report_in = scene.admitted()
    scene.client.put(_url(report_in), json=body(), headers=scene.unit_admin)

    other_unit = scene.client.put(_url(report_in), json=body(), headers=scene.other_unit_admin)
    neighbour = scene.client.post(f"{_url(report_in)}/countersign", headers=scene.neighbour_admin)
    unit_signs = scene.client.post(f"{_url(report_in)}/countersign", headers=scene.unit_admin)
    community_writes = scene.client.put(_url(report_in), json=body(), headers=scene.community_admin)

    assert other_unit.status_code == neighbour.status_code == 404
    assert other_unit.json["code"] == neighbour.json["code"] == "unit_report_in.not_found"
    assert unit_signs.status_code == community_writes.status_code == 403
