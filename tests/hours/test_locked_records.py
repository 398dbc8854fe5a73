"""Records dated in a locked period no longer change: every decision is refused (one by one,
in bulk, through corrections), approval by policy leaves them pending, the overdue job still
runs, and unlocking lets decisions through again. Nothing is written by a refusal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours import service
from sunshine.hours.models import (
    ApprovalMode,
    ApprovalPolicy,
    Correction,
    CorrectionStatus,
    HoursEntry,
    PointsEntry,
    RecordStatus,
    ServiceRecord,
)
from sunshine.jobs.runner import run_due
from sunshine.security.models import SecurityEvent
from tests.audit.locking import (
    IN_LAST_YEAR,
    LAST_YEAR,
    THIS_YEAR,
    define_period,
    last_quarter,
    lock,
    locked_year,
)
from tests.builders import count, make_city
from tests.hours.conftest import Scene
from tests.steps import published_shift

Headers = dict[str, str]


@pytest.fixture
def org(scene: Scene) -> Headers:
    """The org_admin of the scene's city."""
    return scene.admin(Role.ORG_ADMIN, scene.place.city)


def _record(record_id: int) -> ServiceRecord:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record


def _confirmed(scene: Scene, day: date, minutes: int = 120) -> int:
    record_id = scene.record(service_date=day, minutes=minutes)
    response = scene.post(f"/api/v1/service-records/{record_id}/confirm")
    assert response.status_code == 200, response.json
    return record_id


def _written() -> tuple[int, int, int, int]:
    """Ledger entries, security events of decisions and corrections, as the database has them."""
    decisions = db.session.scalars(
        select(SecurityEvent.id).where(SecurityEvent.action.like("hours.%"))
    ).all()
    return count(HoursEntry), count(PointsEntry), len(decisions), count(Correction)


DECISIONS: dict[str, tuple[RecordStatus, str, dict[str, Any]]] = {
    "confirm": (RecordStatus.PENDING, "confirm", {}),
    "reject": (RecordStatus.PENDING, "reject", {"reason": "未到场"}),
    "void": (RecordStatus.CONFIRMED, "void", {"reason": "重复记录"}),
    "adjust": (RecordStatus.CONFIRMED, "adjustments", {"minutes": -30, "reason": "早退"}),
}


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_every_decision_on_a_record_of_a_locked_period_is_409(
    scene: Scene, org: Headers, decision: str
) -> None:
    status, path, body = DECISIONS[decision]
    record_id = (
        _confirmed(scene, IN_LAST_YEAR)
        if status == RecordStatus.CONFIRMED
        else scene.record(service_date=IN_LAST_YEAR)
    )
    period_id = locked_year(scene.client, org, scene.place.city.id)
    before = _written()

    response = scene.post(f"/api/v1/service-records/{record_id}/{path}", **body)

    assert response.status_code == 409, response.json
    assert response.json["code"] == "period.locked"
    assert f"周期 {period_id}" in response.json["message"]
    assert f"周期 {period_id}" in response.json["fields"]["service_date"][0]
    assert _written() == before
    record = _record(record_id)
    assert (record.status, record.credited_minutes) == (
        status,
        120 if status == RecordStatus.CONFIRMED else 0,
    )


def test_a_locked_quarter_refuses_its_records_though_its_year_is_open(
    scene: Scene, org: Headers
) -> None:
    define_period(scene.client, org, scene.place.city.id)  # the year, not locked
    quarter = last_quarter(scene.client, org, scene.place.city.id)
    lock(scene.client, org, quarter)
    in_quarter = scene.record(service_date=IN_LAST_YEAR)
    before_quarter = scene.record(service_date=date(LAST_YEAR, 9, 30))

    refused = scene.post(f"/api/v1/service-records/{in_quarter}/confirm")
    allowed = scene.post(f"/api/v1/service-records/{before_quarter}/confirm")

    assert (refused.status_code, refused.json["code"]) == (409, "period.locked")
    assert f"周期 {quarter}" in refused.json["message"]
    assert allowed.status_code == 200, allowed.json


def test_records_of_another_city_or_of_an_open_day_are_not_held(scene: Scene, org: Headers) -> None:
    locked_year(scene.client, org, scene.place.city.id)
    this_year = scene.record(service_date=THIS_YEAR)
    elsewhere = make_city("介休市")
    secretary = scene.admin(Role.COMMUNITY_ADMIN, elsewhere.community)
    task_id, _ = published_shift(scene.client, secretary, elsewhere.community)
    member_id, _ = scene.new_member()
    other_city = Scene(**{**scene.__dict__, "task_id": task_id}).record(
        member_id, service_date=IN_LAST_YEAR
    )

    ours = scene.post(f"/api/v1/service-records/{this_year}/confirm")
    theirs = scene.post(f"/api/v1/service-records/{other_city}/confirm", secretary)

    assert (ours.status_code, theirs.status_code) == (200, 200), (ours.json, theirs.json)


def test_unlocking_lets_the_period_s_records_be_decided_again(scene: Scene, org: Headers) -> None:
    record_id = scene.record(service_date=IN_LAST_YEAR)
    period_id = locked_year(scene.client, org, scene.place.city.id)
    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 409

    unlocked = scene.post(f"/api/v1/periods/{period_id}/unlock", org, reason="补录")
    confirmed = scene.post(f"/api/v1/service-records/{record_id}/confirm")

    assert unlocked.status_code == 200, unlocked.json
    assert confirmed.status_code == 200, confirmed.json
    assert _record(record_id).status == RecordStatus.CONFIRMED


# Bulk ------------------------------------------------------------------------------------------


def test_bulk_confirmation_with_records_of_a_locked_period_confirms_none_and_names_them(
    scene: Scene, org: Headers
) -> None:
    open_day = scene.record(service_date=THIS_YEAR)
    locked = [scene.record(service_date=IN_LAST_YEAR) for _ in range(2)]
    period_id = locked_year(scene.client, org, scene.place.city.id)
    before = _written()

    response = scene.post("/api/v1/service-records/confirm", ids=[open_day, *locked])

    assert response.status_code == 409, response.json
    assert response.json["code"] == "period.locked"
    assert set(response.json["fields"]["ids"]) == {str(i) for i in locked}
    assert all(f"周期 {period_id}" in v[0] for v in response.json["fields"]["ids"].values())
    assert _written() == before
    assert {_record(i).status for i in (open_day, *locked)} == {RecordStatus.PENDING}


def test_bulk_reports_records_not_pending_before_locked_ones(scene: Scene, org: Headers) -> None:
    decided = _confirmed(scene, THIS_YEAR)
    locked = scene.record(service_date=IN_LAST_YEAR)
    locked_year(scene.client, org, scene.place.city.id)

    response = scene.post("/api/v1/service-records/confirm", ids=[decided, locked])

    assert (response.status_code, response.json["code"]) == (409, "record.not_pending")
    assert set(response.json["fields"]["ids"]) == {str(decided)}


# Corrections -----------------------------------------------------------------------------------


def _correction(scene: Scene, record_id: int, minutes: int = 90) -> int:
    response = scene.post(
        f"/api/v1/service-records/{record_id}/corrections",
        scene.member,
        proposed_minutes=minutes,
        reason="少算了半小时" if minutes > 60 else "多算了",
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def test_a_correction_of_a_locked_record_may_not_be_asked_for(scene: Scene, org: Headers) -> None:
    record_id = _confirmed(scene, IN_LAST_YEAR)
    locked_year(scene.client, org, scene.place.city.id)
    before = _written()

    response = scene.post(
        f"/api/v1/service-records/{record_id}/corrections",
        scene.member,
        proposed_minutes=150,
        reason="少算了半小时",
    )

    assert (response.status_code, response.json["code"]) == (409, "period.locked")
    assert _written() == before


def test_a_correction_asked_before_the_lock_is_not_accepted_but_may_be_rejected(
    scene: Scene, org: Headers
) -> None:
    record_id = _confirmed(scene, IN_LAST_YEAR)
    correction_id = _correction(scene, record_id, 150)
    locked_year(scene.client, org, scene.place.city.id)
    before = _written()

    accepted = scene.post(f"/api/v1/corrections/{correction_id}/accept")
    assert (accepted.status_code, accepted.json["code"]) == (409, "period.locked")
    assert _written() == before
    assert _record(record_id).credited_minutes == 120

    rejected = scene.post(f"/api/v1/corrections/{correction_id}/reject", reason="周期已锁定")
    assert rejected.status_code == 200, rejected.json
    assert rejected.json["status"] == "rejected"
    db.session.expire_all()
    correction = db.session.get(Correction, correction_id)
    assert correction is not None and correction.status == CorrectionStatus.REJECTED
    assert _record(record_id).credited_minutes == 120
    assert count(HoursEntry) == before[0]


# Approval by policy and the overdue job -------------------------------------------------------


def test_automatic_approval_leaves_a_record_of_a_locked_day_pending(
    scene: Scene, org: Headers
) -> None:
    db.session.add(ApprovalPolicy(area_id=scene.place.community.id, mode=ApprovalMode.AUTOMATIC))
    db.session.commit()
    locked_year(scene.client, org, scene.place.city.id)
    late = scene.record(service_date=IN_LAST_YEAR)  # e.g. a shift across the period's last night
    today = scene.record(service_date=THIS_YEAR)

    for record_id in (late, today):
        service.apply_policy(_record(record_id))
        db.session.commit()

    assert (_record(late).status, _record(late).credited_minutes) == (RecordStatus.PENDING, 0)
    assert _record(today).status == RecordStatus.CONFIRMED
    assert db.session.scalars(select(HoursEntry.record_id)).all() == [today]


def test_the_overdue_job_still_flags_pending_records_of_a_locked_period(
    scene: Scene, org: Headers
) -> None:
    record_id = scene.record(service_date=IN_LAST_YEAR)
    locked_year(scene.client, org, scene.place.city.id)

    result = run_due(clock.now(), only="hours.flag_overdue")

    assert result["hours.flag_overdue"]["flagged"] >= 1
    record = _record(record_id)
    assert (record.overdue, record.status) == (True, RecordStatus.PENDING)


def test_a_lock_does_not_touch_what_was_confirmed_before_it(scene: Scene, org: Headers) -> None:
    _confirmed(scene, IN_LAST_YEAR, minutes=90)

    locked_year(scene.client, org, scene.place.city.id)

    year = scene.get(f"/api/v1/me/hours?year={LAST_YEAR}", scene.member).json
    assert (year["confirmed_minutes"], year["records"]["confirmed"]) == (90, 1)
