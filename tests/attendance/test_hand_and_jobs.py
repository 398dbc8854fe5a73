"""Hand-recorded attendance, the jobs that close forgotten check-outs and mark no-shows."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import ServiceRecord
from sunshine.jobs.runner import run_due
from sunshine.tasks.models import Signup
from tests.attendance.conftest import open_site
from tests.builders import reported_headers
from tests.conftest import Clock
from tests.steps import own_member_id


def _hand(client: FlaskClient, site, member_id: int, start: float, end: float, **extra):  # type: ignore[no-untyped-def]
    body = {
        "member_id": member_id,
        "checked_in_at": site.at(start).isoformat(),
        "checked_out_at": site.at(end).isoformat(),
        "reason": "老党员没有智能手机",
        **extra,
    }
    return client.post(f"/api/v1/shifts/{site.shift_id}/attendance", json=body, headers=site.admin)


def test_the_community_records_attendance_by_hand_marked_as_such(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    clock.set(site.at(150))
    member_id = own_member_id(client, site.members[0])

    response = _hand(client, site, member_id, -5, 61)
    twice = _hand(client, site, member_id, 0, 60)
    by_member = client.post(
        f"/api/v1/shifts/{site.shift_id}/attendance",
        json={"member_id": member_id},
        headers=site.members[1],
    )

    assert response.status_code == 201, response.json
    assert response.json["minutes"] == 60 and response.json["flags"] == ["hand_recorded"]
    record = db.session.get(ServiceRecord, response.json["id"])
    assert record is not None and record.source == "hand"
    assert (twice.status_code, twice.json["code"]) == (409, "attendance.already_punched")
    assert by_member.status_code in (403, 422)


def test_hand_records_need_a_signup_sane_times_and_a_reason(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=1)
    clock.set(site.at(30))
    member_id = own_member_id(client, site.members[0])
    stranger = own_member_id(client, reported_headers(site.place, site.place.community))

    not_signed_up = _hand(client, site, stranger, 0, 20)
    in_the_future = _hand(client, site, member_id, 0, 60)
    backwards = _hand(client, site, member_id, 20, 10)
    no_reason = _hand(client, site, member_id, 0, 20, reason=" ")

    assert (not_signed_up.status_code, not_signed_up.json["code"]) == (409, "attendance.no_signup")
    assert (in_the_future.status_code, in_the_future.json["code"]) == (422, "attendance.bad_times")
    assert (backwards.status_code, backwards.json["code"]) == (422, "attendance.bad_times")
    assert no_reason.status_code == 422
    assert (
        db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.shift_id == site.shift_id))
        is None
    )


def test_a_forgotten_check_out_is_closed_at_the_end_and_flagged_once(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    clock.set(site.at(15))
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json
    for member in site.members[:1]:
        client.post(
            "/api/v1/punches", json={"code": code["code"], "direction": "in"}, headers=member
        )

    too_soon = run_due(now=site.at(179), only="attendance.close_forgotten_checkouts")
    closed = run_due(now=site.at(181), only="attendance.close_forgotten_checkouts")
    again = run_due(now=site.at(200), only="attendance.close_forgotten_checkouts")
    no_shows = run_due(now=site.at(181), only="attendance.mark_no_shows")

    assert too_soon["attendance.close_forgotten_checkouts"] == {"closed": 0}
    assert closed["attendance.close_forgotten_checkouts"] == {"closed": 1}
    assert again["attendance.close_forgotten_checkouts"] == {"closed": 0}
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.shift_id == site.shift_id))
    assert record is not None
    assert (record.source, record.minutes, record.flags) == (
        "auto_closed",
        105,
        ["forgot_checkout"],
    )
    assert record.check_out_at is None
    assert no_shows["attendance.mark_no_shows"] == {"no_shows": 1}
    outcomes = sorted(
        str(a)
        for a in db.session.scalars(
            select(Signup.attendance).where(Signup.shift_id == site.shift_id)
        )
    )
    assert outcomes == ["attended", "no_show"]


def test_an_absence_can_be_excused_but_not_an_attendance(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=2)
    clock.set(site.at(0))
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json
    client.post(
        "/api/v1/punches", json={"code": code["code"], "direction": "in"}, headers=site.members[0]
    )
    run_due(now=site.at(181), only="attendance.mark_no_shows")
    signups = {
        s.member_id: s
        for s in db.session.scalars(select(Signup).where(Signup.shift_id == site.shift_id))
    }
    came = signups[own_member_id(client, site.members[0])].id
    absent = signups[own_member_id(client, site.members[1])].id

    excused = client.post(
        f"/api/v1/signups/{absent}/excuse", json={"reason": "临时出差"}, headers=site.admin
    )
    not_absent = client.post(
        f"/api/v1/signups/{came}/excuse", json={"reason": "x"}, headers=site.admin
    )
    by_member = client.post(
        f"/api/v1/signups/{absent}/excuse", json={"reason": "x"}, headers=site.members[1]
    )

    assert excused.status_code == 200
    assert (excused.json["attendance"], excused.json["attendance_note"]) == ("excused", "临时出差")
    assert (not_absent.status_code, not_absent.json["code"]) == (409, "attendance.not_absent")
    assert by_member.status_code == 403


def test_the_jobs_command_runs_every_due_job_once(app: Flask) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(args=["jobs", "run"])
    second = runner.invoke(args=["jobs", "run"])
    unknown = runner.invoke(args=["jobs", "run", "--only", "nope"])

    assert first.exit_code == 0, first.output
    assert 'attendance.close_forgotten_checkouts: {"closed": 0}' in first.output
    assert "attendance.mark_no_shows: " in first.output
    assert "not due" in second.output
    assert unknown.exit_code != 0 and "no job named" in unknown.output


def test_a_late_check_out_credits_only_up_to_the_end(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=1)
    member = site.members[0]
    clock.set(site.at(44))
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json[
        "code"
    ]
    client.post("/api/v1/punches", json={"code": code, "direction": "in"}, headers=member)
    clock.set(site.at(170))
    code = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=site.admin).json[
        "code"
    ]

    out = client.post("/api/v1/punches", json={"code": code, "direction": "out"}, headers=member)

    assert out.status_code == 201
    assert out.json["record"]["minutes"] == 75  # 44 → 120 is 76 minutes: five quarter hours
