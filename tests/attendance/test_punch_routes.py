"""Check-in and check-out with the rotating code, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from sunshine.attendance import codes
from sunshine.attendance.models import Punch
from sunshine.database import AppendOnlyError
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import ServiceRecord
from sunshine.members.models import Member, MemberStatus
from tests.attendance.conftest import open_site
from tests.builders import add_reported_members, count, reported_headers, token_for
from tests.conftest import Clock
from tests.steps import login_as, own_member_id

PUNCHES = "/api/v1/punches"


def _code(client: FlaskClient, site_admin: dict[str, str], shift_id: int) -> str:
    response = client.get(f"/api/v1/shifts/{shift_id}/checkin-code", headers=site_admin)
    assert response.status_code == 200, response.json
    code: str = response.json["code"]
    return code


def _punch(
    client: FlaskClient, headers: dict[str, str], code: str, direction: str = "in", **extra: object
) -> tuple[int, dict]:
    response = client.post(
        PUNCHES, json={"code": code, "direction": direction, **extra}, headers=headers
    )
    return response.status_code, response.json


def test_check_in_and_out_with_the_rotating_code_computes_the_record(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    member = site.members[0]

    clock.set(site.at(-10))
    status_in, punched_in = _punch(client, member, _code(client, site.admin, site.shift_id))
    again, repeated = _punch(client, member, _code(client, site.admin, site.shift_id))
    clock.set(site.at(97))
    status_out, punched_out = _punch(
        client, member, _code(client, site.admin, site.shift_id), "out"
    )

    assert (status_in, again, status_out) == (201, 200, 201)
    assert repeated["id"] == punched_in["id"]
    assert punched_in["method"] == "rotating" and punched_in["record"] is None
    record = punched_out["record"]
    # From the start (check-in was 10 minutes early) to 97 minutes, rounded down to 15.
    assert record["minutes"] == 90 and record["status"] == "pending" and record["flags"] == []
    stored = db.session.get(ServiceRecord, record["id"])
    assert stored is not None
    assert (stored.rule, stored.source, stored.activity_name) == (
        "clamped_quarter_hours",
        "punches",
        "文明劝导",
    )
    assert stored.member_id == own_member_id(client, member)


def test_a_code_from_the_previous_step_works_and_one_captured_two_minutes_ago_does_not(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    clock.set(site.at(0))
    with app.app_context():
        old = codes.rotating_code(site.shift_id, clock.now - timedelta(minutes=2)).code
        previous = codes.rotating_code(site.shift_id, clock.now - timedelta(seconds=30)).code

    stale_status, stale = _punch(client, site.members[0], old)
    fresh_status, _ = _punch(client, site.members[1], previous)

    assert stale_status == 422 and stale["code"] == "punch.code_expired"
    assert fresh_status == 201
    assert db.session.scalar(select(Punch).where(Punch.shift_id == site.shift_id)) is not None
    assert len(db.session.scalars(select(Punch).where(Punch.shift_id == site.shift_id)).all()) == 1


@pytest.mark.parametrize("tamper", ["mac", "shift", "garbage"])
def test_forged_codes_are_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock, tamper: str
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(5))
    code = _code(client, site.admin, site.shift_id)
    shift, step, mac = code[1:].split(".")
    forged = {
        "mac": f"r{shift}.{step}.{'A' * 16}",
        "shift": f"r{int(shift) + 1}.{step}.{mac}",
        "garbage": "not-a-code",
    }[tamper]

    status, body = _punch(client, site.members[0], forged)

    assert status == 422 and body["code"] == "punch.bad_code"
    assert db.session.scalar(select(Punch.id).where(Punch.shift_id == site.shift_id)) is None


def test_a_genuine_code_of_a_shift_the_member_did_not_sign_up_for_is_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    other = open_site(client, fake_wechat)
    clock.set(site.at(5))

    status, body = _punch(client, site.members[0], _code(client, other.admin, other.shift_id))

    assert status == 409 and body["code"] == "punch.no_signup"


def test_punches_outside_the_window_are_refused(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    member = site.members[0]
    with app.app_context():
        clock.set(site.at(-31))
        early = _punch(client, member, codes.rotating_code(site.shift_id, clock.now).code)
        clock.set(site.at(121))  # the shift ended: check-in is closed
        late = _punch(client, member, codes.rotating_code(site.shift_id, clock.now).code)
        clock.set(site.at(30))
        _punch(client, member, codes.rotating_code(site.shift_id, clock.now).code)
        clock.set(site.at(181))  # 61 minutes after the end: check-out is closed too
        late_out = _punch(client, member, codes.rotating_code(site.shift_id, clock.now).code, "out")

    assert (early[0], early[1]["code"]) == (409, "punch.too_early")
    assert (late[0], late[1]["code"]) == (409, "punch.too_late")
    assert (late_out[0], late_out[1]["code"]) == (409, "punch.too_late")


def test_check_out_without_check_in_is_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(60))

    status, body = _punch(client, site.members[0], _code(client, site.admin, site.shift_id), "out")

    assert status == 409 and body["code"] == "punch.no_checkin"


def test_check_out_before_the_shift_starts_is_refused_and_leaves_the_check_in_open(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    member = site.members[0]
    clock.set(site.at(-20))
    checked_in = _punch(client, member, _code(client, site.admin, site.shift_id))
    clock.set(site.at(-1))

    status, body = _punch(client, member, _code(client, site.admin, site.shift_id), "out")

    assert checked_in[0] == 201
    assert status == 409 and body["code"] == "punch.checkout_before_start"
    assert body["message"] == "服务尚未开始，开始后才能签退"
    member_id = own_member_id(client, member)
    punches = db.session.scalars(select(Punch.direction).where(Punch.member_id == member_id))
    assert list(punches) == ["in"]
    assert (
        db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.shift_id == site.shift_id))
        is None
    )

    clock.set(site.at(0))  # from the start on, the same member checks out as usual
    at_start = _punch(client, member, _code(client, site.admin, site.shift_id), "out")

    assert at_start[0] == 201 and at_start[1]["record"]["minutes"] == 0


def test_check_out_before_the_shift_without_a_check_in_says_it_is_too_early(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(-10))

    status, body = _punch(client, site.members[0], _code(client, site.admin, site.shift_id), "out")

    assert status == 409 and body["code"] == "punch.checkout_before_start"


def test_punches_on_a_cancelled_shift_are_refused(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    cancelled = client.post(
        f"/api/v1/shifts/{site.shift_id}/cancel", json={"reason": "暴雨"}, headers=site.admin
    )
    clock.set(site.at(0))
    with app.app_context():
        code = codes.rotating_code(site.shift_id, clock.now).code

    shown = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin)
    status, body = _punch(client, site.members[0], code)

    assert cancelled.status_code == 200
    assert shown.status_code == 409 and shown.json["code"] == "shift.cancelled"
    assert status == 409 and body["code"] == "shift.cancelled"


def test_only_the_person_in_charge_sees_the_code(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    other = open_site(client, fake_wechat)
    clock.set(site.at(-5))
    url = f"/api/v1/shifts/{site.shift_id}/checkin-code"
    holder, bystander = site.members
    holder_id = own_member_id(client, holder)

    by_member = client.get(url, headers=bystander)
    by_other_admin = client.get(url, headers=other.admin)
    stranger_id = own_member_id(client, reported_headers(site.place, site.place.community))
    not_signed_up = client.put(
        f"/api/v1/shifts/{site.shift_id}/code-holder",
        json={"member_id": stranger_id},
        headers=site.admin,
    )
    designated = client.put(
        f"/api/v1/shifts/{site.shift_id}/code-holder",
        json={"member_id": holder_id},
        headers=site.admin,
    )
    by_holder = client.get(url, headers=holder)
    by_bystander = client.get(url, headers=bystander)
    checked_in = _punch(client, bystander, by_holder.json["code"])

    # Neither may see the shift's code: it is as unknown to them as a missing shift.
    assert by_member.status_code == 404 and by_other_admin.status_code == 404
    assert not_signed_up.status_code == 422
    assert designated.status_code == 200
    assert by_holder.status_code == 200 and by_holder.json["step_seconds"] == 30
    assert by_bystander.status_code == 404
    assert checked_in[0] == 201


def test_the_code_is_not_shown_long_before_the_shift(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(-60))

    response = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin)

    assert response.status_code == 409 and response.json["code"] == "punch.window_closed"


def test_walk_ins_take_free_places_only_when_the_task_allows_them(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    open_task = open_site(client, fake_wechat, members=1, capacity=2, allow_walk_ins=True)
    closed_task = open_site(client, fake_wechat, members=0)
    clock.set(open_task.at(0))
    first = reported_headers(open_task.place, open_task.place.community)
    second = reported_headers(open_task.place, open_task.place.community)
    outsider = reported_headers(closed_task.place, closed_task.place.community)
    code = _code(client, open_task.admin, open_task.shift_id)

    walked_in = _punch(client, first, code)
    full = _punch(client, second, code)
    refused = _punch(client, outsider, _code(client, closed_task.admin, closed_task.shift_id))

    assert walked_in[0] == 201 and walked_in[1]["flags"] == ["walk_in"]
    assert (full[0], full[1]["code"]) == (409, "shift.full")
    assert (refused[0], refused[1]["code"]) == (409, "punch.no_signup")
    signups = client.get("/api/v1/me/signups", headers=first).json["items"]
    assert [(s["status"], s["attendance"]) for s in signups] == [("confirmed", "attended")]


def test_members_need_a_verified_registration_to_punch(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(0))
    _, nobody = login_as(client, fake_wechat, None)

    status, body = _punch(client, nobody, _code(client, site.admin, site.shift_id))
    anonymous = client.post(PUNCHES, json={"code": "r1.1.AAAAAAAAAAAAAAAA", "direction": "in"})

    assert status == 404 and body["code"] == "member.not_registered"
    assert anonymous.status_code == 401


def test_pending_and_deactivated_members_are_refused_before_anything_is_written(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(0))
    pending = reported_headers(site.place, site.place.community, verified=False)
    (leaver_account,) = add_reported_members(site.place, site.place.community, 1)
    db.session.execute(
        update(Member)
        .where(Member.account_id == leaver_account)
        .values(status=MemberStatus.DEACTIVATED)
    )
    db.session.commit()
    code = _code(client, site.admin, site.shift_id)

    unverified = _punch(client, pending, code)
    gone = _punch(client, token_for(leaver_account), code)

    assert (unverified[0], unverified[1]["code"]) == (403, "member.not_verified")
    assert (gone[0], gone[1]["code"]) == (404, "member.not_registered")
    assert count(Punch) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "", "direction": "in"},
        {"code": "r1.1.x", "direction": "sideways"},
        {"code": "r1.1.x", "direction": "in", "location": {"latitude": 37}},
    ],
)
def test_malformed_punches_get_field_errors(
    client: FlaskClient, fake_wechat: FakeWeChat, body: dict
) -> None:
    site = open_site(client, fake_wechat, members=1)

    response = client.post(PUNCHES, json=body, headers=site.members[0])

    assert response.status_code == 422 and response.json["code"] == "request.invalid"
    assert response.json["fields"]


def test_punches_cannot_be_changed_through_the_orm(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat)
    clock.set(site.at(0))
    _, body = _punch(client, site.members[0], _code(client, site.admin, site.shift_id))
    punch = db.session.get(Punch, body["id"])
    assert punch is not None

    punch.distance_m = 1
    with pytest.raises(AppendOnlyError), db.session.begin_nested():
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyError), db.session.begin_nested():
        db.session.delete(db.session.get(Punch, body["id"]))
        db.session.flush()


def test_a_community_on_automatic_approval_gets_clean_records_confirmed_at_check_out(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    policy = client.put(
        f"/api/v1/communities/{site.place.community.id}/approval-policy",
        json={"mode": "automatic"},
        headers=site.admin,
    )
    clean, shaky = site.members
    clock.set(site.at(0))
    code = _code(client, site.admin, site.shift_id)
    _punch(client, clean, code)
    _punch(
        client,
        shaky,
        code,
        location={"latitude": 37.146, "longitude": 111.781, "system": "gcj02", "accuracy": 500},
    )
    clock.set(site.at(60))
    code = _code(client, site.admin, site.shift_id)

    _, clean_out = _punch(client, clean, code, "out")
    _, shaky_out = _punch(client, shaky, code, "out")

    assert policy.status_code == 200, policy.json
    assert (clean_out["record"]["status"], clean_out["record"]["minutes"]) == ("confirmed", 60)
    assert shaky_out["record"]["status"] == "pending"  # flagged low_accuracy: a person decides
    assert shaky_out["record"]["flags"] == ["low_accuracy"]
    assert client.get("/api/v1/me/hours", headers=clean).json["confirmed_minutes"] == 60
    assert client.get("/api/v1/me/hours", headers=shaky).json["confirmed_minutes"] == 0
