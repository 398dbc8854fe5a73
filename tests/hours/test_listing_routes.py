"""Listings of records in scope, one record with its entries, a member's own records and
year, and confirmed minutes per member — all figures of confirmed time from the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours.models import ServiceRecord
from sunshine.hours.service import confirmed_minutes_in_year
from tests.builders import make_account, token_for
from tests.hours.conftest import Scene
from tests.steps import published_shift


def _other_community_record(scene: Scene) -> int:
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    task_id, _ = published_shift(scene.client, other_secretary, scene.place.other_community)
    member_id, _ = scene.new_member(scene.place.other_community)
    return Scene(**{**scene.__dict__, "task_id": task_id}).record(member_id)


def _ids(response: object) -> list[int]:
    return [r["id"] for r in response.json["items"]]  # type: ignore[attr-defined]


# Admin listing -------------------------------------------------------------------------------


def test_secretary_lists_own_communitys_records_newest_first(scene: Scene) -> None:
    first, second = scene.record(), scene.record()
    _other_community_record(scene)

    response = scene.get("/api/v1/service-records")

    assert response.status_code == 200, response.json
    assert _ids(response) == [second, first]
    item = response.json["items"][0]
    assert item["member"]["id"] == scene.member_id
    assert item["area"]["id"] == scene.place.community.id
    assert (item["status"], item["minutes"], item["credited_minutes"]) == ("pending", 120, 0)
    assert "entries" not in item


def test_listing_masks_the_phone_for_oversight_roles(scene: Scene) -> None:
    scene.record()
    secretary_sees = scene.get("/api/v1/service-records").json["items"][0]["member"]["phone"]
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    org_sees = scene.get("/api/v1/service-records", org).json["items"][0]["member"]["phone"]
    assert "****" not in secretary_sees
    assert org_sees == secretary_sees[:3] + "****" + secretary_sees[-4:]


def test_street_and_org_admins_see_every_community_below_them(scene: Scene) -> None:
    ours, theirs = scene.record(), _other_community_record(scene)
    street = scene.admin(Role.STREET_ADMIN, scene.place.street)
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    assert _ids(scene.get("/api/v1/service-records", street)) == [theirs, ours]
    assert _ids(scene.get("/api/v1/service-records", org)) == [theirs, ours]
    narrowed = scene.get(f"/api/v1/service-records?area_id={scene.place.community.id}", org)
    assert _ids(narrowed) == [ours]


def test_listing_filters_by_status_and_shift(scene: Scene) -> None:
    pending, confirmed = scene.record(), scene.record()
    scene.post(f"/api/v1/service-records/{confirmed}/confirm")
    shift_id = db.session.get(ServiceRecord, pending).shift_id  # type: ignore[union-attr]

    by_status = scene.get("/api/v1/service-records?status=confirmed")
    by_shift = scene.get(f"/api/v1/service-records?shift_id={shift_id}")

    assert _ids(by_status) == [confirmed]
    assert _ids(by_shift) == [pending]


def test_listing_pages_by_cursor(scene: Scene) -> None:
    ids = [scene.record() for _ in range(5)]
    first = scene.get("/api/v1/service-records?limit=2").json
    second = scene.get(f"/api/v1/service-records?limit=2&cursor={first['next_cursor']}").json
    third = scene.get(f"/api/v1/service-records?limit=2&cursor={second['next_cursor']}").json
    seen = [r["id"] for page in (first, second, third) for r in page["items"]]
    assert seen == sorted(ids, reverse=True)
    assert third["next_cursor"] is None


def test_members_and_unit_admins_may_not_list_records(scene: Scene) -> None:
    scene.record()
    unit_admin = scene.admin(Role.UNIT_ADMIN, scene.place.unit)
    assert scene.get("/api/v1/service-records", scene.member).status_code == 403
    assert scene.get("/api/v1/service-records", unit_admin).status_code == 403


def test_other_community_secretary_sees_none_of_ours(scene: Scene) -> None:
    scene.record()
    other = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    assert scene.get("/api/v1/service-records", other).json["items"] == []


@pytest.mark.parametrize(
    "query", ["status=done", "overdue=perhaps", "area_id=0", "limit=101", "cursor=x"]
)
def test_listing_bad_query_is_422(scene: Scene, query: str) -> None:
    response = scene.get(f"/api/v1/service-records?{query}")
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")


def test_listing_an_unknown_area_is_404(scene: Scene) -> None:
    response = scene.get("/api/v1/service-records?area_id=999999")
    assert (response.status_code, response.json["code"]) == (404, "area.not_found")


# One record ------------------------------------------------------------------------------------


def test_one_record_with_its_entries_for_the_member_and_the_secretary(scene: Scene) -> None:
    record_id = scene.record(minutes=90)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    scene.post(f"/api/v1/service-records/{record_id}/adjustments", minutes=-30, reason="早退")

    as_member = scene.get(f"/api/v1/service-records/{record_id}", scene.member)
    as_secretary = scene.get(f"/api/v1/service-records/{record_id}")

    assert as_member.status_code == as_secretary.status_code == 200
    entries = as_member.json["entries"]
    assert [(e["ledger"], e["kind"], e["amount"]) for e in entries] == [
        ("hours", "confirm", 90),
        ("points", "confirm", 15),
        ("hours", "adjust", -30),
        ("points", "adjust", -5),
    ]
    assert all(len(e["hash"]) == 64 for e in entries)
    assert as_member.json["credited_minutes"] == 60


def test_one_record_refusals(scene: Scene) -> None:
    record_id = scene.record()
    _, other_member = scene.new_member()
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    # Someone else's record is as unknown as a missing one, to members and admins alike.
    assert scene.get(f"/api/v1/service-records/{record_id}", other_member).status_code == 404
    assert scene.get(f"/api/v1/service-records/{record_id}", other_secretary).status_code == 404
    assert scene.get("/api/v1/service-records/999999").status_code == 404


# The member's own --------------------------------------------------------------------------------


def test_my_records_are_only_mine_with_their_status(scene: Scene) -> None:
    pending, rejected = scene.record(), scene.record()
    scene.post(f"/api/v1/service-records/{rejected}/reject", reason="未到岗")
    other, _ = scene.new_member()
    scene.record(other)

    response = scene.get("/api/v1/me/service-records", scene.member)
    only_rejected = scene.get("/api/v1/me/service-records?status=rejected", scene.member)

    assert [(r["id"], r["status"]) for r in response.json["items"]] == [
        (rejected, "rejected"),
        (pending, "pending"),
    ]
    assert _ids(only_rejected) == [rejected]


def test_my_records_without_being_a_member_is_404(scene: Scene) -> None:
    response = scene.get("/api/v1/me/service-records", token_for(make_account().id))
    assert (response.status_code, response.json["code"]) == (404, "member.not_registered")


def _dated_confirmed(scene: Scene, day: date, minutes: int) -> int:
    record_id = scene.record(minutes=minutes, service_date=day)
    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 200
    return record_id


def test_my_hours_in_a_year_count_confirmed_ledger_minutes_by_service_date(scene: Scene) -> None:
    jan = _dated_confirmed(scene, date(2026, 1, 1), 120)
    _dated_confirmed(scene, date(2026, 11, 20), 90)
    _dated_confirmed(scene, date(2025, 12, 31), 600)  # last year
    scene.post(f"/api/v1/service-records/{jan}/adjustments", minutes=-30, reason="早退")
    voided = _dated_confirmed(scene, date(2026, 6, 1), 60)
    scene.post(f"/api/v1/service-records/{voided}/void", reason="重复")
    scene.record(service_date=date(2026, 3, 1))  # pending: does not count
    rejected = scene.record(service_date=date(2026, 3, 2))
    scene.post(f"/api/v1/service-records/{rejected}/reject", reason="未到岗")

    response = scene.get("/api/v1/me/hours?year=2026", scene.member)

    assert response.status_code == 200, response.json
    assert response.json == {
        "year": 2026,
        "confirmed_minutes": 180,
        "confirmed_hours": 3.0,
        "required_minutes": 24 * 60,
        "required_hours": 24.0,
        "remaining_minutes": 24 * 60 - 180,
        "remaining_hours": 21.0,
        "total_minutes": 780,
        "points_total": 130,
        "records": {"pending": 1, "confirmed": 2, "rejected": 1, "voided": 1},
        # No rule for the year: the default (YEARLY_SERVICE_HOURS), no number of services.
        "required_services": None,
        "confirmed_services": 2,
        "remaining_services": None,
        "rule": {
            "source": "default",
            "min_services": None,
            "min_minutes": 24 * 60,
            "period_id": None,
            "area_id": None,
        },
    }


def test_my_hours_never_read_the_rules_claim(scene: Scene) -> None:
    record_id = _dated_confirmed(scene, date(2026, 5, 1), 120)
    db.session.execute(
        update(ServiceRecord).where(ServiceRecord.id == record_id).values(minutes=999)
    )
    db.session.commit()
    assert scene.get("/api/v1/me/hours?year=2026", scene.member).json["confirmed_minutes"] == 120


def test_my_hours_past_the_requirement_leave_nothing_remaining(scene: Scene) -> None:
    for day in range(1, 4):
        _dated_confirmed(scene, date(2026, 2, day), 600)
    body = scene.get("/api/v1/me/hours?year=2026", scene.member).json
    assert (body["confirmed_hours"], body["remaining_minutes"]) == (30.0, 0)


def test_my_hours_default_to_this_year_and_refuse_a_bad_year(scene: Scene) -> None:
    from sunshine import clock

    body = scene.get("/api/v1/me/hours", scene.member).json
    assert body["year"] == clock.today().year and body["confirmed_minutes"] == 0
    assert scene.get("/api/v1/me/hours?year=abc", scene.member).status_code == 422


def test_confirmed_minutes_in_year_for_many_members_in_one_query(scene: Scene) -> None:
    other, _ = scene.new_member()
    idle, _ = scene.new_member()
    _dated_confirmed(scene, date(2026, 4, 1), 120)
    record_id = scene.record(other, minutes=45, service_date=date(2026, 4, 2))
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    scene.record(idle, service_date=date(2026, 4, 3))  # pending only

    assert confirmed_minutes_in_year([scene.member_id, other, idle], 2026) == {
        scene.member_id: 120,
        other: 45,
        idle: 0,
    }
    assert confirmed_minutes_in_year([scene.member_id], 2025) == {scene.member_id: 0}
    assert confirmed_minutes_in_year([], 2026) == {}


def test_confirmed_minutes_in_year_for_more_members_than_one_statement_takes(
    scene: Scene,
) -> None:
    _dated_confirmed(scene, date(2026, 4, 1), 120)
    many = [*range(10**6, 10**6 + 70_000), scene.member_id]  # PostgreSQL: ≤ 65,535 parameters

    minutes = confirmed_minutes_in_year(many, 2026)

    assert len(minutes) == 70_001 and minutes[scene.member_id] == 120
    assert sum(minutes.values()) == 120
