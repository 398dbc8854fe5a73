"""Approval policies: setting and reading them per community (or street), and
``apply_policy`` confirming new records automatically — never flagged ones."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours import ledger, service
from sunshine.hours.models import (
    ApprovalPolicy,
    HoursEntry,
    Ledger,
    LedgerKind,
    RecordStatus,
    ServiceRecord,
)
from sunshine.security.models import SecurityEvent
from tests.builders import count
from tests.hours.conftest import Scene


def _put(scene: Scene, area_id: int, headers: Any = None, **body: Any) -> Any:
    return scene.client.put(
        f"/api/v1/communities/{area_id}/approval-policy",
        json=body,
        headers=scene.secretary if headers is None else headers,
    )


def _apply(record_id: int) -> ServiceRecord:
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    service.apply_policy(record)
    db.session.commit()
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record


# Setting and reading ---------------------------------------------------------------------------


def test_without_a_policy_the_mode_is_manual(scene: Scene) -> None:
    response = scene.get(f"/api/v1/communities/{scene.place.community.id}/approval-policy")
    assert response.status_code == 200
    assert response.json == {
        "area_id": scene.place.community.id,
        "mode": "manual",
        "auto_below_minutes": None,
        "inherited_from": None,
        "updated_at": None,
    }


def test_secretary_sets_the_communitys_policy(scene: Scene) -> None:
    community = scene.place.community.id

    response = _put(scene, community, mode="automatic_below", auto_below_minutes=180)

    assert response.status_code == 200, response.json
    assert (response.json["mode"], response.json["auto_below_minutes"]) == ("automatic_below", 180)
    read = scene.get(f"/api/v1/communities/{community}/approval-policy").json
    assert (read["mode"], read["auto_below_minutes"], read["inherited_from"]) == (
        "automatic_below",
        180,
        None,
    )
    changed = _put(scene, community, mode="manual")
    assert (changed.json["mode"], changed.json["auto_below_minutes"]) == ("manual", None)
    assert count(ApprovalPolicy) == 1
    assert db.session.scalars(
        select(SecurityEvent.action).where(SecurityEvent.action == "hours.policy")
    ).all() == ["hours.policy", "hours.policy"]


def test_a_streets_policy_applies_to_its_communities_without_their_own(scene: Scene) -> None:
    street = scene.admin(Role.STREET_ADMIN, scene.place.street)
    assert _put(scene, scene.place.street.id, street, mode="automatic").status_code == 200
    _put(scene, scene.place.other_community.id, street, mode="manual")

    inherited = scene.get(f"/api/v1/communities/{scene.place.community.id}/approval-policy")
    own = scene.get(f"/api/v1/communities/{scene.place.other_community.id}/approval-policy", street)

    assert (inherited.json["mode"], inherited.json["inherited_from"]) == (
        "automatic",
        scene.place.street.id,
    )
    assert (own.json["mode"], own.json["inherited_from"]) == ("manual", None)


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "automatic_below"},
        {"mode": "automatic_below", "auto_below_minutes": None},
        {"mode": "automatic", "auto_below_minutes": 60},
        {"mode": "manual", "auto_below_minutes": 60},
    ],
)
def test_threshold_only_and_always_with_automatic_below(scene: Scene, body: dict[str, Any]) -> None:
    response = _put(scene, scene.place.community.id, **body)
    assert (response.status_code, response.json["code"]) == (422, "policy.bad_threshold")
    assert count(ApprovalPolicy) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"mode": "sometimes"},
        {"mode": "automatic_below", "auto_below_minutes": 0},
        {"mode": "automatic_below", "auto_below_minutes": 1441},
        {"mode": "manual", "extra": True},
    ],
)
def test_bad_policy_input_is_422(scene: Scene, body: dict[str, Any]) -> None:
    response = _put(scene, scene.place.community.id, **body)
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")


def test_policy_on_a_city_is_422_and_on_an_unknown_area_404(scene: Scene) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    city = scene.get(f"/api/v1/communities/{scene.place.city.id}/approval-policy", org)
    unknown = _put(scene, 999999, mode="manual")
    assert (city.status_code, city.json["code"]) == (422, "area.wrong_level")
    assert (unknown.status_code, unknown.json["code"]) == (404, "area.not_found")


def test_policy_of_another_community_is_403(scene: Scene) -> None:
    other = scene.place.other_community.id
    assert _put(scene, other, mode="automatic").status_code == 403
    assert scene.get(f"/api/v1/communities/{other}/approval-policy").status_code == 403


def test_member_cannot_read_or_set_a_policy(scene: Scene) -> None:
    community = scene.place.community.id
    assert _put(scene, community, scene.member, mode="automatic").status_code == 403
    url = f"/api/v1/communities/{community}/approval-policy"
    assert scene.get(url, scene.member).status_code == 403


def test_org_admin_reads_but_does_not_set_policies(scene: Scene) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    community = scene.place.community.id
    assert scene.get(f"/api/v1/communities/{community}/approval-policy", org).status_code == 200
    assert _put(scene, community, org, mode="automatic").status_code == 403


# apply_policy --------------------------------------------------------------------------------


def test_manual_policy_leaves_records_pending(scene: Scene) -> None:
    record = _apply(scene.record())
    assert record.status == RecordStatus.PENDING
    assert count(HoursEntry) == 0


def test_automatic_policy_confirms_as_the_system(scene: Scene) -> None:
    _put(scene, scene.place.community.id, mode="automatic")

    record = _apply(scene.record(minutes=90))

    assert (record.status, record.credited_minutes, record.decided_by_id) == (
        RecordStatus.CONFIRMED,
        90,
        None,
    )
    assert record.decided_at is not None
    entry = db.session.scalars(select(HoursEntry)).one()
    assert (entry.amount, entry.kind, entry.actor_id) == (90, LedgerKind.CONFIRM, None)
    assert ledger.total(Ledger.POINTS, scene.member_id) == 15
    event = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "hours.confirm")
    ).one()
    assert (event.account_id, event.object_id) == (None, str(record.id))


@pytest.mark.parametrize(("minutes", "confirmed"), [(119, True), (120, False), (121, False)])
def test_automatic_below_confirms_only_under_the_threshold(
    scene: Scene, minutes: int, confirmed: bool
) -> None:
    _put(scene, scene.place.community.id, mode="automatic_below", auto_below_minutes=120)
    record = _apply(scene.record(minutes=minutes))
    expected = RecordStatus.CONFIRMED if confirmed else RecordStatus.PENDING
    assert record.status == expected


@pytest.mark.parametrize("flag", ["forgot_checkout", "low_accuracy", "hand_recorded", "walk_in"])
def test_flagged_records_wait_for_a_person_whatever_the_policy(scene: Scene, flag: str) -> None:
    _put(scene, scene.place.community.id, mode="automatic")
    record = _apply(scene.record(minutes=30, flags=(flag,)))
    assert record.status == RecordStatus.PENDING
    assert count(HoursEntry) == 0


def test_an_inherited_street_policy_applies(scene: Scene) -> None:
    street = scene.admin(Role.STREET_ADMIN, scene.place.street)
    _put(scene, scene.place.street.id, street, mode="automatic")
    assert _apply(scene.record()).status == RecordStatus.CONFIRMED


def test_apply_policy_twice_confirms_once(scene: Scene) -> None:
    _put(scene, scene.place.community.id, mode="automatic")
    record_id = scene.record()
    _apply(record_id)
    _apply(record_id)
    assert count(HoursEntry) == 1
