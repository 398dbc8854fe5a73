"""Unit report-ins over HTTP: the unit asks, the community decides and the unit's admins are
told; one live report-in per unit and community; bad input and refusals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sunshine.cobuilding.models import UnitReportIn, UnitReportInStatus
from sunshine.extensions import db
from sunshine.org.models import AreaLevel, UnitCommunityPair
from tests.builders import add_area, count, make_city
from tests.cobuilding.conftest import Scene


def _ids(scene: Scene, headers: dict[str, str], **query: object) -> set[int]:
    listed = scene.client.get("/api/v1/unit-report-ins", query_string=query, headers=headers)
    assert listed.status_code == 200, listed.json
    return {item["id"] for item in listed.json["items"]}


def test_the_community_admits_a_unit_and_its_admins_are_told(scene: Scene) -> None:
    place = scene.place
    db.session.add(UnitCommunityPair(unit_id=place.unit.id, community_id=place.community.id))
    db.session.commit()

    made = scene.report_in()
    approved = scene.client.post(
        f"/api/v1/unit-report-ins/{made.json['id']}/approve",
        json={"reason": "欢迎共建"},
        headers=scene.community_admin,
    )
    inbox = scene.client.get("/api/v1/me/messages", headers=scene.unit_admin)

    assert made.status_code == 201
    assert made.json["status"] == "pending" and made.json["paired"] is True
    assert made.json["party_org"]["id"] == scene.party_org.id
    assert approved.status_code == 200 and approved.json["status"] == "active"
    assert approved.json["decision_reason"] == "欢迎共建"
    (message,) = inbox.json["items"]
    assert message["title"] == "单位报到审核"
    assert place.community.name in message["body"] and "已通过" in message["body"]


def test_another_community_than_the_pairing_may_be_chosen(scene: Scene) -> None:
    made = scene.report_in(scene.place.other_community)

    assert made.status_code == 201 and made.json["paired"] is False


def test_reporting_in_twice_to_the_same_community_is_409(scene: Scene) -> None:
    first = scene.report_in()
    pending_twice = scene.report_in()
    scene.client.post(
        f"/api/v1/unit-report-ins/{first.json['id']}/approve",
        json={},
        headers=scene.community_admin,
    )
    active_twice = scene.report_in()

    assert pending_twice.status_code == active_twice.status_code == 409
    assert active_twice.json["code"] == "unit_report_in.duplicate"
    assert count(UnitReportIn) == 1


def test_a_rejected_unit_may_ask_again_and_the_reason_is_required(scene: Scene) -> None:
    first = scene.report_in()
    url = f"/api/v1/unit-report-ins/{first.json['id']}/reject"
    unreasoned = scene.client.post(url, json={}, headers=scene.community_admin)
    rejected = scene.client.post(
        url, json={"reason": "社区暂无需求"}, headers=scene.community_admin
    )
    again = scene.report_in()
    inbox = scene.client.get("/api/v1/me/messages", headers=scene.unit_admin)

    assert unreasoned.status_code == 422 and "reason" in unreasoned.json["fields"]
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert again.status_code == 201
    assert "未通过" in inbox.json["items"][0]["body"]


def test_the_database_keeps_one_live_report_in_per_unit_and_community(scene: Scene) -> None:
    place = scene.place

    def row() -> UnitReportIn:
        return UnitReportIn(
            unit_id=place.unit.id,
            party_org_id=scene.party_org.id,
            community_id=place.community.id,
            area_path=place.community.path,
            status=UnitReportInStatus.PENDING,
        )

    db.session.add(row())
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(row())
        db.session.flush()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("other_party_org", 422, "party_org.not_in_unit", "party_org_id"),
        ("street", 422, "area.wrong_level", "community_id"),
        ("other_city", 422, "unit_report_in.other_city", "community_id"),
        ("unknown_community", 404, "area.not_found", None),
    ],
)
def test_bad_report_ins_are_refused_and_nothing_is_written(
    scene: Scene, body: str, status: int, code: str, field: str | None
) -> None:
    place = scene.place
    payload = {
        "other_party_org": {"party_org_id": scene.other_party_org.id},
        "street": {"community_id": place.street.id},
        "other_city": {"community_id": make_city("介休市").community.id},
        "unknown_community": {"community_id": 999_999},
    }[body]
    answer = scene.report_in(**payload)

    assert answer.status_code == status and answer.json["code"] == code
    if field:
        assert field in answer.json["fields"]
    assert count(UnitReportIn) == 0


def test_a_grid_is_not_a_community(scene: Scene) -> None:
    grid = add_area(scene.place.community, AreaLevel.GRID)

    answer = scene.report_in(grid)

    assert answer.status_code == 422 and answer.json["code"] == "area.wrong_level"


def test_another_unit_s_admin_cannot_report_in_for_the_unit(scene: Scene) -> None:
    payload = {
        "unit_id": scene.place.unit.id,
        "party_org_id": scene.party_org.id,
        "community_id": scene.place.community.id,
    }
    answer = scene.client.post(
        "/api/v1/unit-report-ins", json=payload, headers=scene.other_unit_admin
    )

    assert answer.status_code == 403 and answer.json["code"] == "auth.forbidden"
    assert count(UnitReportIn) == 0


def test_only_the_community_reported_in_to_decides(scene: Scene) -> None:
    made = scene.report_in()
    url = f"/api/v1/unit-report-ins/{made.json['id']}/approve"

    neighbour = scene.client.post(url, json={}, headers=scene.neighbour_admin)
    street = scene.client.post(url, json={}, headers=scene.street_admin)
    unit = scene.client.post(url, json={}, headers=scene.unit_admin)

    assert neighbour.status_code == 404 and neighbour.json["code"] == "unit_report_in.not_found"
    assert street.status_code == unit.status_code == 403
    assert db.session.scalar(sa.select(UnitReportIn.status)) == UnitReportInStatus.PENDING


def test_another_unit_s_admin_cannot_see_or_withdraw_it(scene: Scene) -> None:
    made = scene.report_in()
    url = f"/api/v1/unit-report-ins/{made.json['id']}"

    seen = scene.client.get(url, headers=scene.other_unit_admin)
    withdrawn = scene.client.post(
        f"{url}/withdraw", json={"reason": "误报"}, headers=scene.other_unit_admin
    )

    assert seen.status_code == withdrawn.status_code == 404
    assert seen.json["code"] == "unit_report_in.not_found"


def test_each_admin_lists_the_report_ins_of_their_scope(scene: Scene) -> None:
    mine = scene.report_in().json["id"]
    elsewhere = scene.report_in(scene.place.other_community).json["id"]

    assert _ids(scene, scene.unit_admin) == {mine, elsewhere}
    assert _ids(scene, scene.community_admin) == {mine}
    assert _ids(scene, scene.neighbour_admin) == {elsewhere}
    assert _ids(scene, scene.street_admin) == {mine, elsewhere}
    assert _ids(scene, scene.org_admin, status="pending") == {mine, elsewhere}
    assert _ids(scene, scene.other_unit_admin) == set()


def test_the_unit_withdraws_a_request_and_ends_a_report_in(scene: Scene) -> None:
    pending = scene.report_in(scene.place.other_community).json["id"]
    active = scene.admitted()

    withdrawn = scene.client.post(
        f"/api/v1/unit-report-ins/{pending}/withdraw",
        json={"reason": "改期"},
        headers=scene.unit_admin,
    )
    ended = scene.client.post(
        f"/api/v1/unit-report-ins/{active}/withdraw",
        json={"reason": "协议到期"},
        headers=scene.unit_admin,
    )
    again = scene.client.post(
        f"/api/v1/unit-report-ins/{active}/withdraw",
        json={"reason": "协议到期"},
        headers=scene.unit_admin,
    )

    assert withdrawn.json["status"] == "withdrawn" and ended.json["status"] == "ended"
    assert again.status_code == 409 and again.json["code"] == "unit_report_in.closed"


def test_a_report_in_with_an_open_project_cannot_end(scene: Scene) -> None:
    active = scene.admitted()
    scene.project(active)

    ended = scene.client.post(
        f"/api/v1/unit-report-ins/{active}/withdraw",
        json={"reason": "到期"},
        headers=scene.unit_admin,
    )

    assert ended.status_code == 409 and ended.json["code"] == "unit_report_in.projects_open"


def test_an_over_long_reason_is_422(scene: Scene) -> None:
    made = scene.report_in()
    answer = scene.client.post(
        f"/api/v1/unit-report-ins/{made.json['id']}/reject",
        json={"reason": "长" * 201},
        headers=scene.community_admin,
    )

    assert answer.status_code == 422 and "reason" in answer.json["fields"]
