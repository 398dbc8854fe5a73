"""Confirming (one and in bulk), rejecting, voiding and adjusting records over HTTP: the
ledger entries each writes, points following hours, and every refusal writing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    HoursEntry,
    Ledger,
    LedgerHead,
    LedgerKind,
    PointsEntry,
    RecordStatus,
    ServiceRecord,
)
from sunshine.security.models import SecurityEvent
from tests.builders import count
from tests.hours.conftest import Scene


def _record(record_id: int) -> ServiceRecord:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record


def _entries(model: Any, record_id: int) -> list[tuple[int, LedgerKind, int | None]]:
    rows = db.session.execute(
        select(model.amount, model.kind, model.actor_id)
        .where(model.record_id == record_id)
        .order_by(model.seq)
    )
    return [(amount, kind, actor) for amount, kind, actor in rows]


def _totals(member_id: int) -> tuple[int, int]:
    return ledger.total(Ledger.HOURS, member_id), ledger.total(Ledger.POINTS, member_id)


def _nothing_written() -> tuple[int, int, int]:
    return count(HoursEntry), count(PointsEntry), count(LedgerHead)


# Confirming one ---------------------------------------------------------------------------------


def test_confirm_credits_minutes_and_points_and_logs_it(scene: Scene) -> None:
    record_id = scene.record(minutes=120)

    response = scene.post(f"/api/v1/service-records/{record_id}/confirm")

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["credited_minutes"], body["decided_by_id"]) == (
        "confirmed",
        120,
        scene.secretary_id,
    )
    assert [(e["ledger"], e["amount"], e["kind"], e["seq"]) for e in body["entries"]] == [
        ("hours", 120, "confirm", 1),
        ("points", 20, "confirm", 1),
    ]
    assert _entries(HoursEntry, record_id) == [(120, LedgerKind.CONFIRM, scene.secretary_id)]
    assert _entries(PointsEntry, record_id) == [(20, LedgerKind.CONFIRM, scene.secretary_id)]
    assert _totals(scene.member_id) == (120, 20)
    event = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "hours.confirm")
    ).one()
    assert (event.account_id, event.object_id, event.outcome) == (
        scene.secretary_id,
        str(record_id),
        "success",
    )
    assert event.detail == {"member_id": scene.member_id, "minutes": 120}
    assert event.request_id == response.headers["X-Request-ID"]


@pytest.mark.parametrize(("minutes", "points"), [(50, 8), (60, 10), (5, None), (0, None)])
def test_points_are_floor_of_minutes_times_rate_and_zero_points_write_no_entry(
    scene: Scene, minutes: int, points: int | None
) -> None:
    record_id = scene.record(minutes=minutes)

    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 200

    assert _entries(HoursEntry, record_id) == [(minutes, LedgerKind.CONFIRM, scene.secretary_id)]
    expected = [] if points is None else [(points, LedgerKind.CONFIRM, scene.secretary_id)]
    assert _entries(PointsEntry, record_id) == expected


def test_confirming_twice_is_409_and_credits_once(scene: Scene) -> None:
    record_id = scene.record()
    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 200

    again = scene.post(f"/api/v1/service-records/{record_id}/confirm")

    assert (again.status_code, again.json["code"]) == (409, "record.not_pending")
    assert _totals(scene.member_id) == (120, 20)


def test_confirm_own_record_as_member_and_secretary_is_403(scene: Scene) -> None:
    member_id, headers = scene.member_admin()
    record_id = scene.record(member_id)

    response = scene.post(f"/api/v1/service-records/{record_id}/confirm", headers)

    assert (response.status_code, response.json["code"]) == (403, "record.own")
    assert _record(record_id).status == RecordStatus.PENDING
    assert _nothing_written() == (0, 0, 0)


def test_confirm_as_member_is_403(scene: Scene) -> None:
    record_id = scene.record()
    response = scene.post(f"/api/v1/service-records/{record_id}/confirm", scene.member)
    assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")
    assert _nothing_written() == (0, 0, 0)


def test_confirm_record_as_other_community_secretary_is_404_as_if_unknown(scene: Scene) -> None:
    record_id = scene.record()
    other = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)

    response = scene.post(f"/api/v1/service-records/{record_id}/confirm", other)
    unknown = scene.post("/api/v1/service-records/999999/confirm", other)

    assert (response.status_code, response.json["code"]) == (404, "record.not_found")
    assert {**response.json, "request_id": ""} == {**unknown.json, "request_id": ""}
    assert _nothing_written() == (0, 0, 0)
    (event,) = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.reason == "auth.out_of_scope")
    ).all()
    assert (event.action, event.object_type, event.object_id) == (
        "hours.confirm",
        "service_record",
        str(record_id),
    )


def test_confirm_as_org_admin_who_may_only_read_is_403(scene: Scene) -> None:
    record_id = scene.record()
    org_admin = scene.admin(Role.ORG_ADMIN, scene.place.city)
    response = scene.post(f"/api/v1/service-records/{record_id}/confirm", org_admin)
    assert response.status_code == 403


def test_confirm_as_street_admin_above_the_community_works(scene: Scene) -> None:
    record_id = scene.record()
    street = scene.admin(Role.STREET_ADMIN, scene.place.street)
    response = scene.post(f"/api/v1/service-records/{record_id}/confirm", street)
    assert response.status_code == 200, response.json


def test_confirm_unknown_record_is_404(scene: Scene) -> None:
    response = scene.post("/api/v1/service-records/999999/confirm")
    assert (response.status_code, response.json["code"]) == (404, "record.not_found")


def test_confirm_without_login_is_401(scene: Scene) -> None:
    record_id = scene.record()
    response = scene.client.post(f"/api/v1/service-records/{record_id}/confirm")
    assert response.status_code == 401


# Confirming in bulk --------------------------------------------------------------------------


def test_bulk_confirm_credits_every_record(scene: Scene) -> None:
    other_member, _ = scene.new_member()
    ids = [scene.record(minutes=60), scene.record(minutes=90), scene.record(other_member)]

    response = scene.post("/api/v1/service-records/confirm", ids=ids)

    assert response.status_code == 200, response.json
    assert sorted(r["id"] for r in response.json) == sorted(ids)
    assert {r["status"] for r in response.json} == {"confirmed"}
    assert _totals(scene.member_id) == (150, 10 + 15)
    assert _totals(other_member) == (120, 20)
    assert ledger.verify(Ledger.HOURS) is None and ledger.verify(Ledger.POINTS) is None


def test_bulk_confirm_with_one_out_of_scope_id_confirms_nothing(scene: Scene) -> None:
    ours = [scene.record(), scene.record()]
    elsewhere_member, _ = scene.new_member(scene.place.other_community)
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    from tests.steps import published_shift

    task_id, _ = published_shift(scene.client, other_secretary, scene.place.other_community)
    theirs = Scene(**{**scene.__dict__, "task_id": task_id}).record(elsewhere_member)

    response = scene.post("/api/v1/service-records/confirm", ids=[*ours, theirs])

    # Another community's record is named among the unknown ones: the caller cannot tell.
    assert (response.status_code, response.json["code"]) == (404, "record.not_found")
    assert response.json["fields"] == {"ids": {str(theirs): ["不存在"]}}
    assert str(theirs) in response.json["message"]
    assert {_record(i).status for i in [*ours, theirs]} == {RecordStatus.PENDING}
    assert _nothing_written() == (0, 0, 0)


def test_bulk_confirm_with_unknown_ids_is_404_naming_them(scene: Scene) -> None:
    ours = scene.record()

    response = scene.post("/api/v1/service-records/confirm", ids=[ours, 999998, 999999])

    assert (response.status_code, response.json["code"]) == (404, "record.not_found")
    assert set(response.json["fields"]["ids"]) == {"999998", "999999"}
    assert _record(ours).status == RecordStatus.PENDING
    assert _nothing_written() == (0, 0, 0)


def test_bulk_confirm_with_a_decided_record_is_409_naming_it(scene: Scene) -> None:
    pending, decided = scene.record(), scene.record()
    scene.post(f"/api/v1/service-records/{decided}/reject", reason="未到岗")

    response = scene.post("/api/v1/service-records/confirm", ids=[pending, decided])

    assert (response.status_code, response.json["code"]) == (409, "record.not_pending")
    assert response.json["fields"] == {"ids": {str(decided): ["不是待确认状态"]}}
    assert _record(pending).status == RecordStatus.PENDING
    assert _nothing_written() == (0, 0, 0)


def test_bulk_confirm_including_own_record_is_403(scene: Scene) -> None:
    member_id, headers = scene.member_admin()
    ids = [scene.record(), scene.record(member_id)]

    response = scene.post("/api/v1/service-records/confirm", headers, ids=ids)

    assert (response.status_code, response.json["code"]) == (403, "record.own")
    assert _nothing_written() == (0, 0, 0)


def test_bulk_confirm_as_member_is_403(scene: Scene) -> None:
    response = scene.post("/api/v1/service-records/confirm", scene.member, ids=[scene.record()])
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": ["a"]}, {"ids": [0]}, {"ids": list(range(1, 202))}, {"ids": 5}],
)
def test_bulk_confirm_bad_input_is_422(scene: Scene, body: dict[str, Any]) -> None:
    response = scene.client.post(
        "/api/v1/service-records/confirm", json=body, headers=scene.secretary
    )
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert "ids" in response.json["fields"]


# Rejecting -----------------------------------------------------------------------------------


def test_reject_with_a_reason_credits_nothing(scene: Scene) -> None:
    record_id = scene.record()

    response = scene.post(f"/api/v1/service-records/{record_id}/reject", reason="当天未到岗")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["reject_reason"]) == ("rejected", "当天未到岗")
    assert response.json["entries"] == []
    assert _nothing_written() == (0, 0, 0)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}])
def test_reject_without_a_reason_is_422(scene: Scene, body: dict[str, Any]) -> None:
    record_id = scene.record()
    response = scene.client.post(
        f"/api/v1/service-records/{record_id}/reject", json=body, headers=scene.secretary
    )
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert _record(record_id).status == RecordStatus.PENDING


def test_reject_a_confirmed_record_is_409(scene: Scene) -> None:
    record_id = scene.record()
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = scene.post(f"/api/v1/service-records/{record_id}/reject", reason="错了")
    assert (response.status_code, response.json["code"]) == (409, "record.not_pending")


def test_reject_as_other_community_secretary_is_404_as_if_unknown(scene: Scene) -> None:
    record_id = scene.record()
    other = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    response = scene.post(f"/api/v1/service-records/{record_id}/reject", other, reason="不认")
    assert (response.status_code, response.json["code"]) == (404, "record.not_found")
    assert _record(record_id).status == RecordStatus.PENDING


# Voiding -------------------------------------------------------------------------------------


def test_void_takes_back_the_credit_and_the_points(scene: Scene) -> None:
    record_id = scene.record(minutes=120)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    scene.post(f"/api/v1/service-records/{record_id}/adjustments", minutes=30, reason="补记")

    response = scene.post(f"/api/v1/service-records/{record_id}/void", reason="重复记录")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["credited_minutes"]) == ("voided", 0)
    assert _entries(HoursEntry, record_id) == [
        (120, LedgerKind.CONFIRM, scene.secretary_id),
        (30, LedgerKind.ADJUST, scene.secretary_id),
        (-150, LedgerKind.VOID, scene.secretary_id),
    ]
    assert _entries(PointsEntry, record_id) == [
        (20, LedgerKind.CONFIRM, scene.secretary_id),
        (5, LedgerKind.ADJUST, scene.secretary_id),
        (-25, LedgerKind.VOID, scene.secretary_id),
    ]
    assert _totals(scene.member_id) == (0, 0)
    assert db.session.scalars(
        select(SecurityEvent.action)
        .where(
            SecurityEvent.object_type == "service_record",
            SecurityEvent.object_id == str(record_id),
        )
        .order_by(SecurityEvent.id)
    ).all() == ["hours.confirm", "hours.adjust", "hours.void"]


def test_void_a_pending_record_is_409(scene: Scene) -> None:
    record_id = scene.record()
    response = scene.post(f"/api/v1/service-records/{record_id}/void", reason="作废")
    assert (response.status_code, response.json["code"]) == (409, "record.not_confirmed")
    assert _nothing_written() == (0, 0, 0)


def test_void_without_a_reason_is_422(scene: Scene) -> None:
    record_id = scene.record()
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = scene.client.post(
        f"/api/v1/service-records/{record_id}/void", json={}, headers=scene.secretary
    )
    assert response.status_code == 422
    assert _record(record_id).status == RecordStatus.CONFIRMED


def test_void_own_record_is_403(scene: Scene) -> None:
    member_id, headers = scene.member_admin()
    record_id = scene.record(member_id)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")  # by the other secretary

    response = scene.post(f"/api/v1/service-records/{record_id}/void", headers, reason="作废")

    assert (response.status_code, response.json["code"]) == (403, "record.own")
    assert _record(record_id).status == RecordStatus.CONFIRMED


# Adjusting -----------------------------------------------------------------------------------


def test_adjustments_move_credit_and_points_stay_floor_of_credit(scene: Scene) -> None:
    record_id = scene.record(minutes=120)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")

    up = scene.post(f"/api/v1/service-records/{record_id}/adjustments", minutes=5, reason="补")
    down = scene.post(f"/api/v1/service-records/{record_id}/adjustments", minutes=-11, reason="扣")

    assert (up.status_code, down.status_code) == (201, 201), (up.json, down.json)
    assert down.json["credited_minutes"] == 114
    # 125 min → 20 points (no entry); 114 min → 19 points.
    assert _entries(PointsEntry, record_id) == [
        (20, LedgerKind.CONFIRM, scene.secretary_id),
        (-1, LedgerKind.ADJUST, scene.secretary_id),
    ]
    assert _totals(scene.member_id) == (114, 19)
    record = _record(record_id)
    assert record.minutes == 120  # the rule's claim is never rewritten
    assert ledger.record_sum(Ledger.HOURS, record_id) == record.credited_minutes


def test_adjustment_below_zero_on_the_record_is_409(scene: Scene) -> None:
    record_id = scene.record(minutes=60)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")

    response = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=-61, reason="扣多了"
    )

    assert (response.status_code, response.json["code"]) == (409, "record.below_zero")
    assert _record(record_id).credited_minutes == 60
    assert count(HoursEntry) == 1


def test_adjustment_down_to_exactly_zero_is_allowed(scene: Scene) -> None:
    record_id = scene.record(minutes=60)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=-60, reason="未实际服务"
    )
    assert (response.status_code, response.json["credited_minutes"]) == (201, 0)
    assert _totals(scene.member_id) == (0, 0)


def test_adjustment_past_a_day_is_409(scene: Scene) -> None:
    record_id = scene.record(minutes=600)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    response = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=841, reason="补"
    )
    assert (response.status_code, response.json["code"]) == (409, "record.too_long")


def test_adjusting_a_pending_record_is_409(scene: Scene) -> None:
    record_id = scene.record()
    response = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=10, reason="补"
    )
    assert (response.status_code, response.json["code"]) == (409, "record.not_confirmed")


@pytest.mark.parametrize(
    "body",
    [
        {"minutes": 10},
        {"minutes": 10, "reason": " "},
        {"minutes": 0, "reason": "零"},
        {"minutes": 1441, "reason": "多"},
        {"minutes": "ten", "reason": "字"},
        {"reason": "无"},
        {"minutes": 10, "reason": "多字段", "extra": 1},
    ],
)
def test_adjustment_bad_input_is_422_in_the_one_shape(scene: Scene, body: dict[str, Any]) -> None:
    record_id = scene.record()
    scene.post(f"/api/v1/service-records/{record_id}/confirm")

    response = scene.client.post(
        f"/api/v1/service-records/{record_id}/adjustments", json=body, headers=scene.secretary
    )

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert set(response.json) == {"status", "code", "message", "fields", "request_id"}
    assert count(HoursEntry) == 1


def test_adjustment_as_member_is_403_and_unknown_record_is_404(scene: Scene) -> None:
    record_id = scene.record()
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    as_member = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", scene.member, minutes=60, reason="多"
    )
    unknown = scene.post("/api/v1/service-records/999999/adjustments", minutes=60, reason="多")
    assert (as_member.status_code, unknown.status_code) == (403, 404)
    assert count(HoursEntry) == 1


# Ids no column can hold ----------------------------------------------------------------------

HUGE = 10**20  # more than BIGINT holds: PostgreSQL would raise, so it must never reach it


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", f"/api/v1/service-records/{HUGE}", None, 404),
        ("POST", f"/api/v1/service-records/{HUGE}/confirm", {}, 404),
        ("POST", f"/api/v1/service-records/{HUGE}/void", {"reason": "作废"}, 404),
        ("POST", f"/api/v1/corrections/{HUGE}/accept", {}, 404),
        ("GET", f"/api/v1/communities/{2**31}/approval-policy", None, 404),
        ("POST", "/api/v1/service-records/confirm", {"ids": [HUGE]}, 422),
        ("GET", f"/api/v1/service-records?shift_id={2**31}", None, 422),
        ("GET", f"/api/v1/service-records?cursor={HUGE}", None, 422),
    ],
)
def test_ids_beyond_the_columns_are_404_or_422_never_500(
    scene: Scene, method: str, url: str, body: dict[str, Any] | None, status: int
) -> None:
    response = scene.client.open(url, method=method, json=body, headers=scene.secretary)
    assert response.status_code == status, response.json
