"""The one change a lock allows: the city's org_admin adjusts a confirmed record of the locked
period, with a reason — an entry written now that the record's date puts in the period,
logged as such. Every refusal writes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import HoursEntry, Ledger, LedgerKind, PointsEntry, ServiceRecord
from sunshine.security.models import SecurityEvent
from tests.audit.locking import IN_LAST_YEAR, LAST_YEAR, THIS_YEAR, define_period, locked_year
from tests.builders import (
    add_reported_members,
    count,
    grant,
    make_city,
    member_id_of,
    token_for,
)
from tests.hours.conftest import Scene
from tests.steps import login_as, published_shift

Headers = dict[str, str]


@pytest.fixture
def org(scene: Scene) -> tuple[int, Headers]:
    """The org_admin of the scene's city: (account id, headers)."""
    account, headers = login_as(scene.client, scene.fake, Role.ORG_ADMIN, scene.place.city)
    return account.id, headers


def _confirmed(scene: Scene, day: date = IN_LAST_YEAR, member_id: int | None = None) -> int:
    record_id = scene.record(member_id, service_date=day, minutes=120)
    response = scene.post(f"/api/v1/service-records/{record_id}/confirm")
    assert response.status_code == 200, response.json
    return record_id


def _adjust(scene: Scene, headers: Headers, period_id: int, **body: Any) -> Any:
    body = {"minutes": 30, "reason": "组织部核查：漏记半小时", **body}
    return scene.post(f"/api/v1/periods/{period_id}/adjustments", headers, **body)


def _written() -> tuple[int, int, int]:
    """The ledgers, and the adjustments logged as made (a refusal is logged as refused)."""
    events = db.session.scalars(
        select(SecurityEvent.id).where(
            SecurityEvent.action.like("hours.adjust%"), SecurityEvent.outcome == "success"
        )
    ).all()
    return count(HoursEntry), count(PointsEntry), len(events)


def test_org_admin_adjusts_a_record_of_the_locked_period_now_and_it_is_logged(
    scene: Scene, org: tuple[int, Headers]
) -> None:
    org_id, headers = org
    record_id = _confirmed(scene)
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    before = clock.now()

    response = _adjust(scene, headers, period_id, record_id=record_id, minutes=30)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["id"], body["status"], body["credited_minutes"]) == (record_id, "confirmed", 150)
    assert [(e["ledger"], e["kind"], e["amount"]) for e in body["entries"]] == [
        ("hours", "confirm", 120),
        ("points", "confirm", 20),
        ("hours", "adjust", 30),
        ("points", "adjust", 5),
    ]
    entry = db.session.scalars(
        select(HoursEntry).where(HoursEntry.record_id == record_id).order_by(HoursEntry.seq)
    ).all()[-1]
    assert (entry.kind, entry.actor_id, entry.reason) == (
        LedgerKind.ADJUST,
        org_id,
        "组织部核查：漏记半小时",
    )
    assert before <= entry.created_at <= clock.now()  # dated now, not in the period
    assert ledger.total(Ledger.HOURS, scene.member_id) == 150
    (event,) = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "hours.adjust_locked")
    ).all()
    assert (event.account_id, event.object_id) == (org_id, str(record_id))
    assert event.detail == {
        "member_id": scene.member_id,
        "minutes": 30,
        "credited": 150,
        "period_id": period_id,
        "reason": "组织部核查：漏记半小时",
    }
    # The record's service date puts the adjustment in the locked year.
    year = scene.get(f"/api/v1/me/hours?year={LAST_YEAR}", scene.member).json
    assert year["confirmed_minutes"] == 150
    this_year = scene.get(f"/api/v1/me/hours?year={THIS_YEAR.year}", scene.member).json
    assert this_year["confirmed_minutes"] == 0
    # The community still may not change it.
    refused = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=-30, reason="再改回去"
    )
    assert (refused.status_code, refused.json["code"]) == (409, "period.locked")


def test_a_reason_is_required(scene: Scene, org: tuple[int, Headers]) -> None:
    _, headers = org
    record_id = _confirmed(scene)
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    before = _written()

    for body in (
        {"record_id": record_id, "minutes": 30},
        {"record_id": record_id, "minutes": 30, "reason": " "},
        {"record_id": record_id, "minutes": 0, "reason": "无"},
    ):
        response = scene.post(f"/api/v1/periods/{period_id}/adjustments", headers, **body)
        assert response.status_code == 422, response.json
    assert _written() == before


def test_an_open_period_is_adjusted_by_the_community_not_here(
    scene: Scene, org: tuple[int, Headers]
) -> None:
    _, headers = org
    record_id = _confirmed(scene)
    period_id = define_period(scene.client, headers, scene.place.city.id)  # ended, not locked
    before = _written()

    response = _adjust(scene, headers, period_id, record_id=record_id)

    assert (response.status_code, response.json["code"]) == (409, "period.not_locked")
    assert _written() == before


def test_a_record_outside_the_period_or_the_city_is_422(
    scene: Scene, org: tuple[int, Headers]
) -> None:
    _, headers = org
    this_year = _confirmed(scene, THIS_YEAR)
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    elsewhere = make_city("介休市")
    (account_id,) = add_reported_members(elsewhere, elsewhere.community, 1)
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, elsewhere.community)
    task_id, _ = published_shift(scene.client, other_secretary, elsewhere.community)
    other = Scene(**{**scene.__dict__, "task_id": task_id, "secretary": other_secretary})
    other_city = _confirmed(other, IN_LAST_YEAR, member_id_of(account_id))
    before = _written()

    for record_id in (this_year, other_city):
        response = _adjust(scene, headers, period_id, record_id=record_id)
        assert response.status_code == 422, response.json
        assert response.json["code"] == "record.outside_period"
        assert "record_id" in response.json["fields"]
    assert _written() == before


@pytest.mark.parametrize(
    ("status", "minutes", "code"),
    [
        ("pending", 30, "record.not_confirmed"),
        ("confirmed", -150, "record.below_zero"),
        ("confirmed", 1400, "record.too_long"),
    ],
)
def test_the_adjustments_own_limits_hold(
    scene: Scene, org: tuple[int, Headers], status: str, minutes: int, code: str
) -> None:
    _, headers = org
    record_id = (
        _confirmed(scene) if status == "confirmed" else scene.record(service_date=IN_LAST_YEAR)
    )
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    before = _written()

    response = _adjust(scene, headers, period_id, record_id=record_id, minutes=minutes)

    assert (response.status_code, response.json["code"]) == (409, code)
    assert _written() == before


@pytest.mark.parametrize(
    "who", ["secretary", "street_admin", "other_city_org_admin", "member", "sys_admin"]
)
def test_only_the_citys_org_admin_adjusts_a_locked_record(
    scene: Scene, org: tuple[int, Headers], who: str
) -> None:
    _, headers = org
    record_id = _confirmed(scene)
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    caller = {
        "secretary": scene.secretary,
        "street_admin": scene.admin(Role.STREET_ADMIN, scene.place.street),
        "other_city_org_admin": scene.admin(Role.ORG_ADMIN, make_city("介休市").city),
        "member": scene.member,
        "sys_admin": scene.admin(Role.SYS_ADMIN),
    }[who]
    before = _written()

    response = _adjust(scene, caller, period_id, record_id=record_id)

    assert response.status_code == 403, response.json
    assert _written() == before


def test_an_org_admin_may_not_adjust_their_own_record(scene: Scene) -> None:
    (account_id,) = add_reported_members(scene.place, scene.place.community, 1)
    account = db.session.get(Account, account_id)
    assert account is not None
    grant(account, Role.ORG_ADMIN, scene.place.city)
    headers = token_for(account_id)
    record_id = _confirmed(scene, member_id=member_id_of(account_id))
    period_id = locked_year(scene.client, headers, scene.place.city.id)
    before = _written()

    response = _adjust(scene, headers, period_id, record_id=record_id)

    assert (response.status_code, response.json["code"]) == (403, "record.own")
    assert _written() == before


def test_unknown_period_or_record_is_404(scene: Scene, org: tuple[int, Headers]) -> None:
    _, headers = org
    record_id = _confirmed(scene)
    period_id = locked_year(scene.client, headers, scene.place.city.id)

    no_period = _adjust(scene, headers, 999_999, record_id=record_id)
    no_record = _adjust(scene, headers, period_id, record_id=999_999_999)

    assert (no_period.status_code, no_period.json["code"]) == (404, "period.not_found")
    assert (no_record.status_code, no_record.json["code"]) == (404, "record.not_found")


def test_the_entry_is_dated_after_the_lock(scene: Scene, org: tuple[int, Headers]) -> None:
    """What the anomaly review looks for: an adjustment written after its period's lock."""
    _, headers = org
    record_id = _confirmed(scene)
    period_id = locked_year(scene.client, headers, scene.place.city.id)

    assert _adjust(scene, headers, period_id, record_id=record_id).status_code == 201

    locked_at = scene.get(f"/api/v1/cities/{scene.place.city.id}/periods", headers).json["items"][
        0
    ]["locked_at"]
    last = db.session.scalars(
        select(HoursEntry.created_at)
        .where(HoursEntry.record_id == record_id)
        .order_by(HoursEntry.seq.desc())
    ).first()
    assert last is not None and last > datetime.fromisoformat(locked_at)
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None and record.service_date == IN_LAST_YEAR
