"""The member's own pages: "我的报名", "我的邀请" and "我的服务记录" embed what a page shows,
and a task or a shift is read by its managers and by the members who may see it (404 for
everyone else: ids do not leak)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from sunshine.access.models import Role
from sunshine.attendance.models import Direction, Punch, PunchMethod
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.models import Shift
from tests.builders import (
    City,
    add_reported_members,
    add_service_record,
    make_city,
    member_id_of,
    token_for,
)
from tests.steps import login_as, post_shift, post_task, published_shift

Headers = dict[str, str]


@pytest.fixture
def place() -> City:
    return make_city()


@pytest.fixture
def secretary(client: FlaskClient, fake_wechat: FakeWeChat, place: City) -> Headers:
    return login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)[1]


def _member(place: City, community: Any) -> tuple[int, Headers]:
    (account_id,) = add_reported_members(place, community, 1)
    return member_id_of(account_id), token_for(account_id)


def _punch(member_id: int, shift_id: int, direction: Direction) -> None:
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    db.session.add(
        Punch(
            shift_id=shift_id,
            member_id=member_id,
            direction=direction,
            method=PunchMethod.HAND,
            punched_at=shift.starts_at,
        )
    )
    db.session.commit()


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):  # not the tests' savepoints
            seen.append(args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _my_signups(client: FlaskClient, headers: Headers, **query: Any) -> dict[str, Any]:
    response = client.get("/api/v1/me/signups", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json
    return body


# 我的报名 ------------------------------------------------------------------------------------


def test_my_signups_show_the_task_the_shift_and_the_check_in_state(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, first = published_shift(client, secretary, place.community)
    second = post_shift(client, secretary, task_id, starts_in=timedelta(days=3))
    third = post_shift(client, secretary, task_id, starts_in=timedelta(days=5))
    member_id, member = _member(place, place.community)
    for shift_id in (first, second, third):
        assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member).status_code == 201
    _punch(member_id, first, Direction.IN)
    _punch(member_id, first, Direction.OUT)
    _punch(member_id, second, Direction.IN)

    items = _my_signups(client, member)["items"]

    assert [(s["shift_id"], s["checkin"]) for s in items] == [
        (third, "none"),
        (second, "checked_in"),
        (first, "checked_out"),
    ]
    shown = items[2]
    assert shown["status"] == "confirmed"
    assert shown["task"]["id"] == task_id
    assert shown["task"]["title"] and shown["task"]["kind"] and shown["task"]["address"]
    assert (shown["task"]["community"]["id"], shown["task"]["community"]["name"]) == (
        place.community.id,
        place.community.name,
    )
    assert shown["shift"]["id"] == first
    assert shown["shift"]["starts_at"] < shown["shift"]["ends_at"]


def test_my_signups_page_by_cursor_in_the_same_few_queries_whatever_the_page(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, first = published_shift(client, secretary, place.community)
    shifts = [first] + [
        post_shift(client, secretary, task_id, starts_in=timedelta(days=3 + i)) for i in range(5)
    ]
    member_id, member = _member(place, place.community)
    for shift_id in shifts:
        signed = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member)
        assert signed.status_code == 201, signed.json
        _punch(member_id, shift_id, Direction.IN)

    with statements() as small:
        one = _my_signups(client, member, limit=1)
    with statements() as large:
        page = _my_signups(client, member, limit=4)
    rest = _my_signups(client, member, limit=4, cursor=page["next_cursor"])

    assert len(one["items"]) == 1 and len(page["items"]) == 4 and page["next_cursor"]
    assert len(large) == len(small)  # batched: no query per row
    assert [s["shift_id"] for s in page["items"] + rest["items"]] == shifts[::-1]
    assert rest["next_cursor"] is None


# 我的邀请 ------------------------------------------------------------------------------------


def test_my_invitations_show_the_task_the_shift_and_the_members_signup(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, shift_id = published_shift(client, secretary, place.community)
    member_id, member = _member(place, place.community)
    sent = client.post(
        f"/api/v1/shifts/{shift_id}/invitations",
        headers=secretary,
        json={"member_ids": [member_id]},
    )
    assert sent.status_code == 201, sent.json

    pending = client.get("/api/v1/me/invitations", headers=member).json
    client.post(f"/api/v1/invitations/{pending['items'][0]['id']}/accept", headers=member)
    _punch(member_id, shift_id, Direction.IN)
    accepted = client.get("/api/v1/me/invitations?status=accepted", headers=member).json

    (shown,) = pending["items"]
    assert (shown["status"], shown["signup_status"], shown["checkin"]) == ("pending", None, "none")
    assert shown["task"]["id"] == task_id
    assert shown["task"]["community"]["id"] == place.community.id
    assert shown["shift"]["id"] == shift_id and pending["next_cursor"] is None
    (answered,) = accepted["items"]
    assert (answered["status"], answered["signup_status"], answered["checkin"]) == (
        "accepted",
        "confirmed",
        "checked_in",
    )
    assert client.get("/api/v1/me/invitations", headers=member).json["items"] == []


# 我的服务记录 ---------------------------------------------------------------------------------


def test_my_service_records_show_the_activity(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, shift_id = published_shift(client, secretary, place.community)
    member_id, member = _member(place, place.community)
    add_service_record(member_id, shift_id)

    response = client.get("/api/v1/me/service-records", headers=member)

    assert response.status_code == 200, response.json
    activity = response.json["items"][0]["activity"]
    shift = client.get(f"/api/v1/shifts/{shift_id}", headers=secretary).json
    assert (activity["shift_id"], activity["task_id"]) == (shift_id, task_id)
    assert activity["title"] == shift["task"]["title"]
    assert activity["kind"] == shift["task"]["kind"]
    assert activity["community"]["id"] == place.community.id
    assert (activity["starts_at"], activity["ends_at"]) == (shift["starts_at"], shift["ends_at"])


# Reading one shift or task -------------------------------------------------------------------


def test_a_member_reads_a_shift_visible_where_they_are_reported_in(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, shift_id = published_shift(client, secretary, place.community, visibility="street")
    _, neighbour = _member(place, place.other_community)  # same street

    response = client.get(f"/api/v1/shifts/{shift_id}", headers=neighbour)

    assert response.status_code == 200, response.json
    assert (response.json["id"], response.json["task"]["id"]) == (shift_id, task_id)
    assert client.get(f"/api/v1/tasks/{task_id}", headers=neighbour).status_code == 200


def test_a_member_outside_the_tasks_visibility_gets_404_for_its_shift_and_task(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, shift_id = published_shift(client, secretary, place.community)  # community only
    _, neighbour = _member(place, place.other_community)
    _, elsewhere = _member(make_city("汾阳市"), make_city("介休市").community)

    for headers in (neighbour, elsewhere):
        shift = client.get(f"/api/v1/shifts/{shift_id}", headers=headers)
        task = client.get(f"/api/v1/tasks/{task_id}", headers=headers)
        assert (shift.status_code, shift.json["code"]) == (404, "shift.not_found")
        assert (task.status_code, task.json["code"]) == (404, "task.not_found")
    missing = client.get("/api/v1/shifts/999999", headers=neighbour)
    assert (missing.status_code, missing.json["code"]) == (404, "shift.not_found")


def test_a_member_keeps_reading_a_shift_they_hold_a_place_on_after_moving_away(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    task_id, shift_id = published_shift(client, secretary, place.community)
    member_id, member = _member(place, place.community)
    assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member).status_code == 201
    report_in = db.session.query(ReportIn).filter_by(member_id=member_id).one()
    report_in.status = ReportInStatus.ENDED
    db.session.add(
        ReportIn(
            member_id=member_id,
            community_id=place.other_community.id,
            status=ReportInStatus.ACTIVE,
        )
    )
    db.session.commit()

    assert client.get(f"/api/v1/shifts/{shift_id}", headers=member).status_code == 200
    assert client.get(f"/api/v1/tasks/{task_id}", headers=member).status_code == 200


def test_a_draft_shift_is_read_by_the_tasks_managers_only(
    client: FlaskClient, fake_wechat: FakeWeChat, place: City, secretary: Headers
) -> None:
    task_id = post_task(client, secretary, place.community)
    shift_id = post_shift(client, secretary, task_id)
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    _, member = _member(place, place.community)

    for headers, status in ((secretary, 200), (street, 200), (neighbour, 404), (member, 404)):
        assert client.get(f"/api/v1/shifts/{shift_id}", headers=headers).status_code == status
    shown = client.get(f"/api/v1/shifts/{shift_id}", headers=secretary).json
    assert (shown["task_id"], shown["task"]["id"], shown["status"]) == (task_id, task_id, "open")


def test_reading_a_shift_needs_a_login(
    client: FlaskClient, place: City, secretary: Headers
) -> None:
    _, shift_id = published_shift(client, secretary, place.community)

    response = client.get(f"/api/v1/shifts/{shift_id}")

    assert (response.status_code, response.json["code"]) == (401, "auth.unauthenticated")
