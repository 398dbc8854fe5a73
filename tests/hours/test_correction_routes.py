"""Corrections: members ask on their own decided records, the community accepts (through
the ledger) or rejects with a reason; one open request per record; scope everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    Correction,
    CorrectionStatus,
    HoursEntry,
    Ledger,
    LedgerKind,
    PointsEntry,
    RecordStatus,
    ServiceRecord,
)
from tests.builders import count
from tests.hours.conftest import Scene


def _confirmed(scene: Scene, minutes: int = 120) -> int:
    record_id = scene.record(minutes=minutes)
    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 200
    return record_id


def _rejected(scene: Scene, minutes: int = 120) -> int:
    record_id = scene.record(minutes=minutes)
    response = scene.post(f"/api/v1/service-records/{record_id}/reject", reason="未签退")
    assert response.status_code == 200
    return record_id


def _ask(scene: Scene, record_id: int, minutes: int, headers: Any = None) -> Any:
    return scene.post(
        f"/api/v1/service-records/{record_id}/corrections",
        scene.member if headers is None else headers,
        proposed_minutes=minutes,
        reason="实际服务到 12 点",
    )


def _asked(scene: Scene, record_id: int, minutes: int) -> int:
    response = _ask(scene, record_id, minutes)
    assert response.status_code == 201, response.json
    correction_id: int = response.json["id"]
    return correction_id


def _record(record_id: int) -> ServiceRecord:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record


def _hours(record_id: int) -> list[tuple[int, LedgerKind]]:
    rows = db.session.execute(
        select(HoursEntry.amount, HoursEntry.kind)
        .where(HoursEntry.record_id == record_id)
        .order_by(HoursEntry.seq)
    )
    return [(a, k) for a, k in rows]


# Asking --------------------------------------------------------------------------------------


def test_member_asks_for_a_correction_of_a_confirmed_record(scene: Scene) -> None:
    record_id = _confirmed(scene)

    response = _ask(scene, record_id, 180)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["proposed_minutes"], body["member_id"]) == (
        "open",
        180,
        scene.member_id,
    )
    assert body["record"]["id"] == record_id and body["record"]["credited_minutes"] == 120


def test_a_second_open_correction_on_the_same_record_is_409(scene: Scene) -> None:
    record_id = _confirmed(scene)
    _asked(scene, record_id, 180)

    again = _ask(scene, record_id, 150)

    assert (again.status_code, again.json["code"]) == (409, "correction.open_exists")
    assert count(Correction) == 1


def test_after_a_decision_the_member_may_ask_again(scene: Scene) -> None:
    record_id = _confirmed(scene)
    first = _asked(scene, record_id, 180)
    scene.post(f"/api/v1/corrections/{first}/reject", reason="签到记录为准")
    assert _ask(scene, record_id, 150).status_code == 201


def test_correction_of_a_pending_record_is_409(scene: Scene) -> None:
    response = _ask(scene, scene.record(), 180)
    assert (response.status_code, response.json["code"]) == (409, "record.not_correctable")


def test_correction_of_a_voided_record_is_409(scene: Scene) -> None:
    record_id = _confirmed(scene)
    scene.post(f"/api/v1/service-records/{record_id}/void", reason="重复")
    response = _ask(scene, record_id, 180)
    assert (response.status_code, response.json["code"]) == (409, "record.not_correctable")


def test_correction_of_another_members_record_is_404(scene: Scene) -> None:
    other, _ = scene.new_member()
    record_id = scene.record(other)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = _ask(scene, record_id, 180)
    assert (response.status_code, response.json["code"]) == (404, "record.not_found")


def test_correction_asking_for_what_is_credited_is_422(scene: Scene) -> None:
    record_id = _confirmed(scene)
    response = _ask(scene, record_id, 120)
    assert (response.status_code, response.json["code"]) == (422, "correction.no_change")
    assert "proposed_minutes" in response.json["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"proposed_minutes": 180},
        {"reason": "多了"},
        {"proposed_minutes": -1, "reason": "少"},
        {"proposed_minutes": 1441, "reason": "多"},
        {"proposed_minutes": 90, "reason": ""},
    ],
)
def test_correction_bad_input_is_422(scene: Scene, body: dict[str, Any]) -> None:
    record_id = _confirmed(scene)
    response = scene.client.post(
        f"/api/v1/service-records/{record_id}/corrections", json=body, headers=scene.member
    )
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert count(Correction) == 0


def test_my_corrections_page_newest_first_and_filter_the_open_ones(scene: Scene) -> None:
    first, second, third = _confirmed(scene), _confirmed(scene), _rejected(scene)
    decided = _asked(scene, first, 60)
    scene.post(f"/api/v1/corrections/{decided}/reject", reason="以签到为准")
    open_one = _asked(scene, second, 60)
    newer_decided = _asked(scene, third, 60)
    scene.post(f"/api/v1/corrections/{newer_decided}/reject", reason="未到岗")
    _, other_headers = scene.new_member()

    response = scene.get("/api/v1/me/corrections", scene.member)

    assert response.status_code == 200
    assert [(c["id"], c["status"]) for c in response.json["items"]] == [
        (newer_decided, "rejected"),
        (open_one, "open"),
        (decided, "rejected"),
    ]
    assert response.json["next_cursor"] is None
    waiting = scene.get("/api/v1/me/corrections?status=open", scene.member).json
    assert [c["id"] for c in waiting["items"]] == [open_one]
    first_page = scene.get("/api/v1/me/corrections?limit=2", scene.member).json
    assert [c["id"] for c in first_page["items"]] == [newer_decided, open_one]
    rest = scene.get(
        f"/api/v1/me/corrections?limit=2&cursor={first_page['next_cursor']}", scene.member
    ).json
    assert (rest["items"][0]["id"], rest["next_cursor"]) == (decided, None)
    assert scene.get("/api/v1/me/corrections", other_headers).json["items"] == []


# Accepting -----------------------------------------------------------------------------------


def test_accepting_on_a_confirmed_record_appends_the_difference(scene: Scene) -> None:
    record_id = _confirmed(scene, 120)
    correction_id = _asked(scene, record_id, 90)

    response = scene.post(f"/api/v1/corrections/{correction_id}/accept")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["decided_by_id"]) == (
        "accepted",
        scene.secretary_id,
    )
    assert _hours(record_id) == [(120, LedgerKind.CONFIRM), (-30, LedgerKind.ADJUST)]
    record = _record(record_id)
    assert (record.status, record.credited_minutes, record.minutes) == (
        RecordStatus.CONFIRMED,
        90,
        120,
    )
    assert ledger.record_sum(Ledger.POINTS, record_id) == 15
    assert ledger.total(Ledger.HOURS, scene.member_id) == 90


def test_accepting_on_a_rejected_record_confirms_it_with_the_proposed_minutes(
    scene: Scene,
) -> None:
    record_id = _rejected(scene, 120)
    correction_id = _asked(scene, record_id, 60)

    response = scene.post(
        f"/api/v1/corrections/{correction_id}/accept", reason="核实后确认到岗一小时"
    )

    assert response.status_code == 200, response.json
    record = _record(record_id)
    assert (record.status, record.credited_minutes, record.decided_by_id) == (
        RecordStatus.CONFIRMED,
        60,
        scene.secretary_id,
    )
    entry = db.session.scalars(select(HoursEntry).where(HoursEntry.record_id == record_id)).one()
    assert (entry.amount, entry.kind, entry.reason) == (
        60,
        LedgerKind.CONFIRM,
        "核实后确认到岗一小时",
    )
    points = db.session.scalars(select(PointsEntry).where(PointsEntry.record_id == record_id))
    assert [p.amount for p in points] == [10]
    assert response.json["decision_reason"] == "核实后确认到岗一小时"


def test_accepting_without_a_reason_records_the_members_reason_on_the_entry(
    scene: Scene,
) -> None:
    record_id = _confirmed(scene, 120)
    correction_id = _asked(scene, record_id, 150)
    assert scene.post(f"/api/v1/corrections/{correction_id}/accept").status_code == 200
    assert db.session.scalars(
        select(HoursEntry.reason).where(HoursEntry.kind == LedgerKind.ADJUST)
    ).one() == ("实际服务到 12 点")


def test_accepting_twice_is_409(scene: Scene) -> None:
    correction_id = _asked(scene, _confirmed(scene), 90)
    scene.post(f"/api/v1/corrections/{correction_id}/accept")
    again = scene.post(f"/api/v1/corrections/{correction_id}/accept")
    assert (again.status_code, again.json["code"]) == (409, "correction.decided")
    assert count(HoursEntry) == 2


def test_accepting_after_the_record_was_voided_is_409(scene: Scene) -> None:
    record_id = _confirmed(scene)
    correction_id = _asked(scene, record_id, 90)
    scene.post(f"/api/v1/service-records/{record_id}/void", reason="重复")

    response = scene.post(f"/api/v1/corrections/{correction_id}/accept")

    assert (response.status_code, response.json["code"]) == (409, "record.not_correctable")
    assert db.session.get(Correction, correction_id).status == CorrectionStatus.OPEN  # type: ignore[union-attr]


# Rejecting -----------------------------------------------------------------------------------


def test_rejecting_a_correction_keeps_the_record(scene: Scene) -> None:
    record_id = _confirmed(scene)
    correction_id = _asked(scene, record_id, 240)

    response = scene.post(f"/api/v1/corrections/{correction_id}/reject", reason="以签到为准")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["decision_reason"]) == (
        "rejected",
        "以签到为准",
    )
    assert _hours(record_id) == [(120, LedgerKind.CONFIRM)]


def test_rejecting_a_correction_of_a_rejected_record_keeps_it_rejected(scene: Scene) -> None:
    record_id = _rejected(scene)
    correction_id = _asked(scene, record_id, 60)
    scene.post(f"/api/v1/corrections/{correction_id}/reject", reason="确未到岗")
    assert _record(record_id).status == RecordStatus.REJECTED
    assert count(HoursEntry) == 0


def test_rejecting_without_a_reason_is_422(scene: Scene) -> None:
    correction_id = _asked(scene, _confirmed(scene), 90)
    response = scene.client.post(
        f"/api/v1/corrections/{correction_id}/reject", json={}, headers=scene.secretary
    )
    assert (response.status_code, response.json["fields"]) == (422, {"reason": ["此项必填"]})


# Who may decide and see ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_deciding_as_the_member_is_403(scene: Scene, action: str) -> None:
    correction_id = _asked(scene, _confirmed(scene), 90)
    response = scene.post(f"/api/v1/corrections/{correction_id}/{action}", scene.member, reason="x")
    assert response.status_code == 403
    assert db.session.get(Correction, correction_id).status == CorrectionStatus.OPEN  # type: ignore[union-attr]


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_deciding_as_other_community_secretary_is_404_as_if_unknown(
    scene: Scene, action: str
) -> None:
    correction_id = _asked(scene, _confirmed(scene), 90)
    other = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    response = scene.post(f"/api/v1/corrections/{correction_id}/{action}", other, reason="x")
    assert (response.status_code, response.json["code"]) == (404, "correction.not_found")


def test_deciding_ones_own_correction_as_secretary_is_403(scene: Scene) -> None:
    member_id, headers = scene.member_admin()
    record_id = scene.record(member_id)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = _ask(scene, record_id, 60, headers)
    assert response.status_code == 201
    correction_id = response.json["id"]

    decided = scene.post(f"/api/v1/corrections/{correction_id}/accept", headers)

    assert (decided.status_code, decided.json["code"]) == (403, "record.own")


def test_deciding_an_unknown_correction_is_404(scene: Scene) -> None:
    response = scene.post("/api/v1/corrections/999999/accept")
    assert (response.status_code, response.json["code"]) == (404, "correction.not_found")


def test_corrections_listing_is_scoped_and_filters_by_status(scene: Scene) -> None:
    open_one = _asked(scene, _confirmed(scene), 90)
    decided = _asked(scene, _confirmed(scene), 90)
    scene.post(f"/api/v1/corrections/{decided}/reject", reason="以签到为准")

    mine = scene.get("/api/v1/corrections?status=open")
    every = scene.get("/api/v1/corrections")
    other = scene.get(
        "/api/v1/corrections", scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    )
    org = scene.get("/api/v1/corrections", scene.admin(Role.ORG_ADMIN, scene.place.city))

    assert [c["id"] for c in mine.json["items"]] == [open_one]
    assert [c["id"] for c in every.json["items"]] == [decided, open_one]
    assert other.json["items"] == []
    assert [c["id"] for c in org.json["items"]] == [decided, open_one]
    assert scene.get("/api/v1/corrections", scene.member).status_code == 403
    assert scene.get("/api/v1/corrections?status=maybe").status_code == 422
