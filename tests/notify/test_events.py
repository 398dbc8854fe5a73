"""Every event the issue lists writes its message, in the transaction of the change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.notify import reminders
from sunshine.reportin.models import ReportIn
from sunshine.tasks.models import Shift
from tests.builders import (
    City,
    add_reported_members,
    add_service_record,
    member_id_of,
    publish_notice,
    shanghai_day,
    token_for,
)
from tests.bulk import MemberSpec, add_members_in_bulk
from tests.notify.conftest import Scene
from tests.steps import day_shift, login_as, onboard, own_member_id, post_shift


def _events(scene: Scene, headers: dict[str, str]) -> list[tuple[str, str]]:
    return [(m["event"], m["body"]) for m in reversed(scene.inbox(headers))]


def test_promotion_from_the_waitlist(scene: Scene) -> None:
    shift_id = post_shift(scene.client, scene.secretary, scene.task_id, capacity=1)
    _, _, first = scene.member()
    _, _, second = scene.member()
    signup = scene.sign_up(first, shift_id)
    assert scene.sign_up(second, shift_id)["status"] == "waitlisted"

    cancelled = scene.client.post(f"/api/v1/signups/{signup['id']}/cancel", headers=first)

    assert cancelled.status_code == 200, cancelled.json
    assert [e for e, _ in _events(scene, second)] == ["promoted"]


def test_invitation_by_hand(scene: Scene) -> None:
    member_id, _, member = scene.member()
    invited = scene.client.post(
        f"/api/v1/shifts/{scene.shift_id}/invitations",
        json={"member_ids": [member_id]},
        headers=scene.secretary,
    )
    assert invited.status_code == 201, invited.json
    assert [e for e, _ in _events(scene, member)] == ["invited"]


def test_reminders_once_per_offset_and_not_before_the_signup(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)
    starts = db.session.get(Shift, scene.shift_id).starts_at  # type: ignore[union-attr]

    assert reminders.produce(starts - timedelta(hours=25)) == 0
    assert reminders.produce(starts - timedelta(hours=23)) == 1
    assert reminders.produce(starts - timedelta(hours=22)) == 0  # written once
    assert reminders.produce(starts - timedelta(hours=1)) == 1  # the 2-hour one
    assert reminders.produce(starts + timedelta(minutes=1)) == 0

    assert [e for e, _ in _events(scene, member)] == [
        "signup_confirmed",
        "shift_reminder",
        "shift_reminder",
    ]


def test_no_reminder_for_a_cancelled_signup(scene: Scene) -> None:
    _, _, member = scene.member()
    signup = scene.sign_up(member)
    scene.client.post(f"/api/v1/signups/{signup['id']}/cancel", headers=member)
    starts = db.session.get(Shift, scene.shift_id).starts_at  # type: ignore[union-attr]
    assert reminders.produce(starts - timedelta(hours=1)) == 0


def test_a_move_of_more_than_5_minutes_is_told_and_a_smaller_one_not(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)
    shift = db.session.get(Shift, scene.shift_id)
    assert shift is not None
    starts, ends = shift.starts_at, shift.ends_at

    def move(minutes: int) -> None:
        delta = timedelta(minutes=minutes)
        response = scene.client.patch(
            f"/api/v1/shifts/{scene.shift_id}",
            json={"starts_at": (starts + delta).isoformat(), "ends_at": (ends + delta).isoformat()},
            headers=scene.secretary,
        )
        assert response.status_code == 200, response.json

    move(4)
    move(64)

    told = _events(scene, member)
    assert [e for e, _ in told] == ["signup_confirmed", "shift_moved"]
    assert "原" in told[1][1]


def test_shift_cancelled(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)
    scene.client.post(
        f"/api/v1/shifts/{scene.shift_id}/cancel", json={"reason": "暴雨"}, headers=scene.secretary
    )
    told = _events(scene, member)
    assert told[-1][0] == "shift_cancelled" and "暴雨" in told[-1][1]


def test_report_in_approved_and_rejected(scene: Scene) -> None:
    accounts = add_reported_members(scene.place, scene.place.community, 2, report_in="pending")
    ids = [
        db.session.scalar(select(ReportIn.id).where(ReportIn.member_id == member_id_of(a)))
        for a in accounts
    ]
    approved = scene.client.post(f"/api/v1/report-ins/{ids[0]}/approve", headers=scene.secretary)
    rejected = scene.client.post(
        f"/api/v1/report-ins/{ids[1]}/reject",
        json={"reason": "不在本社区居住"},
        headers=scene.secretary,
    )
    assert (approved.status_code, rejected.status_code) == (200, 200), rejected.json

    (yes,) = _events(scene, token_for(accounts[0]))
    (no,) = _events(scene, token_for(accounts[1]))
    assert yes[0] == no[0] == "report_in_decided"
    assert "已通过" in yes[1] and "未通过" in no[1] and "不在本社区居住" in no[1]


def test_registration_reviewed(scene: Scene) -> None:
    _, unit_admin = login_as(scene.client, scene.fake, Role.UNIT_ADMIN, scene.place.unit)
    headers = onboard(
        scene.client,
        scene.fake,
        name="李四",
        phone="13800000002",
        unit=scene.place.unit,
        residence=scene.place.community,
        notice_version=publish_notice(),
    )
    member_id = own_member_id(scene.client, headers)

    reviewed = scene.client.post(
        f"/api/v1/members/{member_id}/review",
        json={"approve": False, "reason": "本单位无此党员"},
        headers=unit_admin,
    )

    assert reviewed.status_code == 200, reviewed.json
    ((event, body),) = _events(scene, headers)
    assert event == "registration_reviewed" and "本单位无此党员" in body


def test_record_confirmed_and_rejected_and_a_correction_decided(scene: Scene) -> None:
    member_id, _, member = scene.member()
    kept = add_service_record(member_id, scene.shift_id, minutes=120)
    refused = add_service_record(
        member_id, post_shift(scene.client, scene.secretary, scene.task_id)
    )
    confirmed = scene.client.post(
        f"/api/v1/service-records/{kept}/confirm", headers=scene.secretary
    )
    rejected = scene.client.post(
        f"/api/v1/service-records/{refused}/reject",
        json={"reason": "未到岗"},
        headers=scene.secretary,
    )
    assert (confirmed.status_code, rejected.status_code) == (200, 200), rejected.json
    asked = scene.client.post(
        f"/api/v1/service-records/{kept}/corrections",
        json={"proposed_minutes": 180, "reason": "实际服务到 12 点"},
        headers=member,
    )
    assert asked.status_code == 201, asked.json
    decided = scene.client.post(
        f"/api/v1/corrections/{asked.json['id']}/reject",
        json={"reason": "以签到为准"},
        headers=scene.secretary,
    )
    assert decided.status_code == 200, decided.json

    told = _events(scene, member)
    assert [e for e, _ in told] == ["record_decided", "record_decided", "correction_decided"]
    assert "2.0 小时已通过" in told[0][1] and "未到岗" in told[1][1]
    assert "以签到为准" in told[2][1]


def test_a_confirmed_call_up_tells_each_member_placed(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    org_admin: tuple[City, dict[str, str]],
    templates: dict[str, Any],
) -> None:
    place, org = org_admin
    day = shanghai_day(3)
    shift_id = day_shift(client, org, place.community, day, capacity=5)
    members = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 2)
    body = client.post(
        "/api/v1/call-ups",
        headers=org,
        json={
            "area_id": place.street.id,
            "title": "文明城市迎检",
            "day": day.isoformat(),
            "posts": [{"shift_id": shift_id, "places": 2}],
        },
    ).json
    assert client.post(f"/api/v1/call-ups/{body['id']}/proposal", headers=org).status_code == 200

    confirmed = client.post(f"/api/v1/call-ups/{body['id']}/confirm", headers=org)

    assert confirmed.status_code == 200, confirmed.json
    for member_id in members:
        account_id = db.session.scalar(select(Member.account_id).where(Member.id == member_id))
        assert account_id is not None
        inbox = client.get("/api/v1/me/messages", headers=token_for(account_id)).json["items"]
        assert [m["event"] for m in inbox] == ["invited"]
