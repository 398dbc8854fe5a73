"""Flagged and far punches made through the API as on site, found by the records detector
with the punches behind each anomaly as its evidence."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.attendance.models import Punch
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.jobs.runner import run_due
from tests.anomalies.conftest import ANOMALIES, detect
from tests.attendance.conftest import Site, open_site
from tests.builders import reported_headers
from tests.conftest import Clock
from tests.steps import login_as, own_member_id

SITE = {"latitude": 37.146, "longitude": 111.781, "system": "gcj02", "accuracy": 20}
FAR_AWAY = {**SITE, "latitude": 37.191, "accuracy": 500}  # about 5 km north, a poor fix


def _punch(client: FlaskClient, site: Site, headers: dict[str, str], direction: str, **extra):  # type: ignore[no-untyped-def]
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json
    response = client.post(
        "/api/v1/punches",
        json={"code": code["code"], "direction": direction, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def _punches(member_id: int) -> dict[str, int]:
    return {
        str(p.direction): p.id
        for p in db.session.scalars(select(Punch).where(Punch.member_id == member_id))
    }


def test_flagged_and_far_punches_are_anomalies_with_their_punches_as_evidence(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=3, allow_walk_ins=True)
    far, by_hand, forgetful = site.members
    walker = reported_headers(site.place, site.place.community)
    clock.set(site.at(-10))
    _punch(client, site, far, "in", location=FAR_AWAY)
    _punch(client, site, forgetful, "in")
    clock.set(site.at(5))
    _punch(client, site, walker, "in")
    clock.set(site.at(97))
    far_record = _punch(client, site, far, "out", location=SITE)["record"]
    walk_record = _punch(client, site, walker, "out")["record"]
    clock.set(site.at(150))
    hand_member = own_member_id(client, by_hand)
    hand = client.post(
        f"/api/v1/shifts/{site.shift_id}/attendance",
        json={
            "member_id": hand_member,
            "checked_in_at": site.at(0).isoformat(),
            "checked_out_at": site.at(60).isoformat(),
            "reason": "老党员没有智能手机",
        },
        headers=site.admin,
    )
    assert hand.status_code == 201, hand.json
    run_due(now=site.at(181), only="attendance.close_forgotten_checkouts")
    forgot_member = own_member_id(client, forgetful)

    result = detect("scan_records")

    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, site.place.city)
    items = client.get(ANOMALIES, headers=org_admin).json["items"]
    found = {(i["kind"], i["member"]["id"]): i for i in items}
    far_member, walk_member = own_member_id(client, far), own_member_id(client, walker)
    assert result == {"read": 4, "found": 5}
    assert set(found) == {
        ("low_accuracy", far_member),
        ("far_punch", far_member),
        ("walk_in", walk_member),
        ("hand_recorded", hand_member),
        ("forgot_checkout", forgot_member),
    }

    def evidence(kind: str, member_id: int) -> set[tuple[str, int]]:
        return {(e["kind"], e["id"]) for e in found[(kind, member_id)]["evidence"]}

    far_in = _punches(far_member)["in"]
    assert evidence("low_accuracy", far_member) == {("record", far_record["id"]), ("punch", far_in)}
    assert evidence("far_punch", far_member) == {("record", far_record["id"]), ("punch", far_in)}
    detail = found[("far_punch", far_member)]["detail"]
    assert detail["radius_m"] == 200 and 4500 < detail["distance_m"] < 5500
    assert evidence("walk_in", walk_member) == {
        ("record", walk_record["id"]),
        ("punch", _punches(walk_member)["in"]),
    }
    hand_punches = _punches(hand_member)
    assert evidence("hand_recorded", hand_member) == {
        ("record", hand.json["id"]),
        ("punch", hand_punches["in"]),
        ("punch", hand_punches["out"]),
    }
    forgot = found[("forgot_checkout", forgot_member)]
    assert ("punch", _punches(forgot_member)["in"]) in {
        (e["kind"], e["id"]) for e in forgot["evidence"]
    }
    assert forgot["summary"] == "未签退，班次结束时由系统自动结束"
