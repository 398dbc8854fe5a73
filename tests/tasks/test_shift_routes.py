"""Shifts: adding, moving (an event past 5 minutes), resizing, cancelling, and the roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import (
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from tests.builders import City, add_area, count, make_city, reported_headers, set_shift_times
from tests.steps import login_as, post_task, published_shift, shift_body

Headers = dict[str, str]
BEIJING = timezone(timedelta(hours=8))


def _shift(shift_id: int) -> Shift:
    db.session.expire_all()
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    return shift


def _events(shift_id: int) -> list[tuple[ShiftEventKind, dict[str, Any]]]:
    rows = db.session.execute(
        select(ShiftEvent.kind, ShiftEvent.detail)
        .where(ShiftEvent.shift_id == shift_id)
        .order_by(ShiftEvent.id)
    )
    return [(kind, detail) for kind, detail in rows]


def _sign_up(client: FlaskClient, place: City, shift_id: int) -> dict[str, Any]:
    """A new eligible member signs up for the shift: the signup."""
    response = client.post(
        f"/api/v1/shifts/{shift_id}/signups", headers=reported_headers(place, place.community)
    )
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _statuses(signup_ids: list[int]) -> list[SignupStatus]:
    db.session.expire_all()
    by_id = dict(
        db.session.execute(select(Signup.id, Signup.status).where(Signup.id.in_(signup_ids))).all()
    )
    return [by_id[i] for i in signup_ids]


# Adding --------------------------------------------------------------------------------------


def test_shift_without_a_deadline_closes_signups_at_its_start(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    body = shift_body(capacity=20)

    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=body, headers=headers)

    assert response.status_code == 201, response.json
    shift = _shift(response.json["id"])
    assert (shift.capacity, shift.confirmed_count, shift.status) == (20, 0, ShiftStatus.OPEN)
    assert shift.signup_deadline == shift.starts_at == datetime.fromisoformat(body["starts_at"])


def _at(delta: timedelta) -> str:
    return (utcnow() + delta).isoformat()


HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("starts", "ends", "deadline", "code", "field"),
    [
        pytest.param(DAY, DAY - HOUR, None, "shift.ends_before_start", "ends_at", id="end<start"),
        pytest.param(DAY, DAY, None, "shift.ends_before_start", "ends_at", id="end=start"),
        pytest.param(-HOUR, HOUR, None, "shift.in_past", "starts_at", id="start-in-past"),
        pytest.param(
            DAY, 2 * DAY + timedelta(minutes=1), None, "shift.too_long", "ends_at", id="over-24h"
        ),
        pytest.param(
            DAY, DAY + HOUR, DAY + HOUR, "shift.bad_deadline", "signup_deadline", id="dl>start"
        ),
        pytest.param(
            DAY, DAY + HOUR, -HOUR, "shift.bad_deadline", "signup_deadline", id="dl-in-past"
        ),
    ],
)
def test_shift_with_bad_times_is_422_and_not_written(
    client: FlaskClient,
    secretary: tuple[City, Headers],
    starts: timedelta,
    ends: timedelta,
    deadline: timedelta | None,
    code: str,
    field: str,
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    now = utcnow()
    body = {
        "starts_at": (now + starts).isoformat(),
        "ends_at": (now + ends).isoformat(),
        "capacity": 5,
    }
    if deadline is not None:
        body["signup_deadline"] = (now + deadline).isoformat()

    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=body, headers=headers)

    assert (response.status_code, response.json["code"]) == (422, code)
    assert list(response.json["fields"]) == [field]
    assert count(Shift) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 1001}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"starts_at": "2030-01-01T09:00:00"}, "starts_at"),  # no time zone: ambiguous
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"room": "101"}, "room"),
    ],
)
def test_shift_with_bad_input_is_422_naming_the_field(
    client: FlaskClient, secretary: tuple[City, Headers], change: dict[str, Any], field: str
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)

    response = client.post(
        f"/api/v1/tasks/{task_id}/shifts", json={**shift_body(), **change}, headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert list(response.json["fields"]) == [field]
    assert count(Shift) == 0


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "capacity"])
def test_shift_missing_a_required_field_is_422(
    client: FlaskClient, secretary: tuple[City, Headers], field: str
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    body = shift_body()
    del body[field]

    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=body, headers=headers)

    assert (response.status_code, response.json["fields"]) == (422, {field: ["此项必填"]})


def test_adding_a_shift_to_a_cancelled_task_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    client.post(f"/api/v1/tasks/{task_id}/cancel", json={"reason": "取消"}, headers=headers)

    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=shift_body(), headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "task.cancelled")
    assert count(Shift) == 0


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (Role.COMMUNITY_ADMIN, "other_community", 404),  # another scope's task: as unknown
        (Role.UNIT_ADMIN, "unit", 403),
        (None, None, 403),
        (Role.STREET_ADMIN, "street", 201),
        (Role.ORG_ADMIN, "city", 201),
    ],
)
def test_adding_a_shift_is_for_the_tasks_managers(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    role: Role | None,
    scope: str | None,
    status: int,
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    _, other = login_as(client, fake_wechat, role, getattr(place, scope) if scope else None)

    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=shift_body(), headers=other)

    assert response.status_code == status
    assert count(Shift) == (1 if status == 201 else 0)


# Moving and resizing -------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def test_moving_a_shift_by_10_minutes_records_a_moved_event(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    before = _shift(shift_id)
    old_start, old_end = before.starts_at, before.ends_at
    new_start = (old_start + timedelta(minutes=10)).astimezone(BEIJING)
    new_end = (old_end + timedelta(minutes=10)).astimezone(BEIJING)

    response = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"starts_at": new_start.isoformat(), "ends_at": new_end.isoformat()},
        headers=headers,
    )

    assert response.status_code == 200, response.json
    shift = _shift(shift_id)
    assert (shift.starts_at, shift.ends_at) == (new_start, new_end)
    assert _events(shift_id) == [
        (
            ShiftEventKind.MOVED,
            {
                "from": [_utc(old_start), _utc(old_end)],
                "to": [_utc(new_start), _utc(new_end)],
            },
        )
    ]


def test_moving_only_the_end_by_10_minutes_is_an_event(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    new_end = _shift(shift_id).ends_at + timedelta(minutes=10)

    response = client.patch(
        f"/api/v1/shifts/{shift_id}", json={"ends_at": new_end.isoformat()}, headers=headers
    )

    assert response.status_code == 200, response.json
    assert [kind for kind, _ in _events(shift_id)] == [ShiftEventKind.MOVED]


def test_moving_a_shift_by_3_minutes_records_no_event(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    before = _shift(shift_id)
    new_start = before.starts_at + timedelta(minutes=3)
    new_end = before.ends_at - timedelta(minutes=3)

    response = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"starts_at": new_start.isoformat(), "ends_at": new_end.isoformat()},
        headers=headers,
    )

    assert response.status_code == 200, response.json
    assert (_shift(shift_id).starts_at, _shift(shift_id).ends_at) == (new_start, new_end)
    assert _events(shift_id) == []


def test_moving_a_shift_after_its_signup_deadline_keeps_signups_closed(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, deadline_before=DAY)
    signup = _sign_up(client, place, shift_id)
    closed = utcnow() - timedelta(minutes=1)
    set_shift_times(shift_id, signup_deadline=closed)
    new_start = _shift(shift_id).starts_at + HOUR

    response = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"starts_at": new_start.isoformat(), "ends_at": (new_start + HOUR).isoformat()},
        headers=headers,
    )

    assert response.status_code == 200, response.json
    shift = _shift(shift_id)
    assert (shift.starts_at, shift.signup_deadline) == (new_start, closed)
    assert [kind for kind, _ in _events(shift_id)] == [ShiftEventKind.MOVED]
    assert _statuses([signup["id"]]) == [SignupStatus.CONFIRMED]


def test_moving_a_shift_earlier_pulls_its_deadline_to_the_new_start(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    new_start = utcnow() + HOUR

    response = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"starts_at": new_start.isoformat(), "ends_at": (new_start + HOUR).isoformat()},
        headers=headers,
    )

    assert response.status_code == 200, response.json
    assert _shift(shift_id).signup_deadline == new_start


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"starts_at": _at(-HOUR)}, "shift.in_past"),
        ({"ends_at": _at(HOUR)}, "shift.ends_before_start"),
        ({"ends_at": _at(5 * DAY)}, "shift.too_long"),
        ({"signup_deadline": _at(-HOUR)}, "shift.bad_deadline"),
        ({"signup_deadline": _at(4 * DAY)}, "shift.bad_deadline"),
    ],
)
def test_moving_a_shift_to_bad_times_is_422_and_changes_nothing(
    client: FlaskClient, secretary: tuple[City, Headers], change: dict[str, Any], code: str
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    before = _shift(shift_id)
    times = (before.starts_at, before.ends_at, before.signup_deadline)

    response = client.patch(f"/api/v1/shifts/{shift_id}", json=change, headers=headers)

    assert (response.status_code, response.json["code"]) == (422, code)
    after = _shift(shift_id)
    assert (after.starts_at, after.ends_at, after.signup_deadline) == times
    assert _events(shift_id) == []


def test_raising_capacity_promotes_the_waitlist_in_order(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    signups = [_sign_up(client, place, shift_id) for _ in range(4)]
    assert [s["status"] for s in signups] == ["confirmed"] + ["waitlisted"] * 3

    response = client.patch(f"/api/v1/shifts/{shift_id}", json={"capacity": 3}, headers=headers)

    assert response.status_code == 200, response.json
    assert (response.json["capacity"], response.json["confirmed_count"]) == (3, 3)
    assert _statuses([s["id"] for s in signups]) == [
        SignupStatus.CONFIRMED,
        SignupStatus.CONFIRMED,
        SignupStatus.CONFIRMED,
        SignupStatus.WAITLISTED,
    ]
    assert _events(shift_id) == []  # a bigger shift is no change of plan for anyone


def test_lowering_capacity_to_the_confirmed_count_is_allowed(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=5)
    for _ in range(2):
        _sign_up(client, place, shift_id)

    response = client.patch(f"/api/v1/shifts/{shift_id}", json={"capacity": 2}, headers=headers)

    assert (response.status_code, response.json["capacity"]) == (200, 2)


def test_lowering_capacity_below_the_confirmed_count_is_409_and_changes_nothing(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=5)
    for _ in range(3):
        _sign_up(client, place, shift_id)
    old_start = _shift(shift_id).starts_at
    moved = old_start + timedelta(minutes=30)

    response = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"capacity": 2, "starts_at": moved.isoformat()},
        headers=headers,
    )

    assert (response.status_code, response.json["code"]) == (
        409,
        "shift.capacity_below_confirmed",
    )
    shift = _shift(shift_id)
    assert (shift.capacity, shift.confirmed_count, shift.starts_at) == (5, 3, old_start)
    assert _events(shift_id) == []  # the move in the same request was not written either


@pytest.mark.parametrize("capacity", [0, 1001])
def test_resizing_a_shift_out_of_range_is_422(
    client: FlaskClient, secretary: tuple[City, Headers], capacity: int
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=5)

    response = client.patch(
        f"/api/v1/shifts/{shift_id}", json={"capacity": capacity}, headers=headers
    )

    assert (response.status_code, list(response.json["fields"])) == (422, ["capacity"])
    assert _shift(shift_id).capacity == 5


def test_changing_a_cancelled_shift_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=5)
    client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "改期"}, headers=headers)

    response = client.patch(f"/api/v1/shifts/{shift_id}", json={"capacity": 8}, headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "shift.cancelled")
    assert _shift(shift_id).capacity == 5


def test_changing_another_communitys_shift_is_404_as_if_unknown(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=5)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)

    response = client.patch(f"/api/v1/shifts/{shift_id}", json={"capacity": 8}, headers=neighbour)

    assert (response.status_code, response.json["code"]) == (404, "shift.not_found")
    assert _shift(shift_id).capacity == 5


def test_changing_an_unknown_shift_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    _, headers = secretary

    response = client.patch(f"/api/v1/shifts/{10**8}", json={"capacity": 8}, headers=headers)

    assert (response.status_code, response.json["code"]) == (404, "shift.not_found")


# Cancelling ----------------------------------------------------------------------------------


def test_cancelling_a_shift_records_an_event_and_cancels_every_live_signup(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=2)
    signups = [_sign_up(client, place, shift_id)["id"] for _ in range(3)]

    response = client.post(
        f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "暴雨预警"}, headers=headers
    )

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["cancel_reason"]) == ("cancelled", "暴雨预警")
    assert _shift(shift_id).confirmed_count == 0
    assert _statuses(signups) == [SignupStatus.CANCELLED] * 3
    assert _events(shift_id) == [(ShiftEventKind.CANCELLED, {"reason": "暴雨预警"})]


def test_cancelling_a_shift_twice_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    url = f"/api/v1/shifts/{shift_id}/cancel"
    client.post(url, json={"reason": "暴雨预警"}, headers=headers)

    response = client.post(url, json={"reason": "再取消"}, headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "shift.cancelled")
    assert len(_events(shift_id)) == 1


def test_cancelling_a_shift_as_a_plain_member_is_403(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    signup = _sign_up(client, place, shift_id)

    response = client.post(
        f"/api/v1/shifts/{shift_id}/cancel",
        json={"reason": "不想去"},
        headers=reported_headers(place, place.community),
    )

    assert response.status_code == 403
    assert _statuses([signup["id"]]) == [SignupStatus.CONFIRMED]
    assert _events(shift_id) == []


# Roster --------------------------------------------------------------------------------------


def test_roster_shows_signed_up_waitlisted_and_late_cancellations(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=2)
    members = [reported_headers(place, place.community) for _ in range(4)]
    signups = [
        client.post(f"/api/v1/shifts/{shift_id}/signups", headers=m).json["id"] for m in members
    ]
    set_shift_times(shift_id, starts_at=utcnow() + timedelta(minutes=30))
    late = client.post(f"/api/v1/signups/{signups[0]}/cancel", headers=members[0])
    assert late.status_code == 200, late.json

    response = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=headers)

    assert response.status_code == 200
    assert [(s["id"], s["status"], s["late_cancel"]) for s in response.json] == [
        (signups[0], "cancelled", True),
        (signups[1], "confirmed", False),
        (signups[2], "confirmed", False),  # promoted when the first one cancelled
        (signups[3], "waitlisted", False),
    ]


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("secretary", 200),
        ("street_admin", 200),
        ("org_admin", 200),
        ("neighbour_secretary", 404),
        ("other_street_admin", 404),
        ("unit_admin", 403),
        ("signed_up_member", 403),
    ],
)
def test_roster_is_for_the_tasks_managers_only(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    viewer: str,
    status: int,
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    member = reported_headers(place, place.community)
    client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member)

    def as_role(role: Role, scope: Any) -> Headers:
        return login_as(client, fake_wechat, role, scope)[1]

    viewers = {
        "secretary": lambda: headers,
        "street_admin": lambda: as_role(Role.STREET_ADMIN, place.street),
        "org_admin": lambda: as_role(Role.ORG_ADMIN, place.city),
        "neighbour_secretary": lambda: as_role(Role.COMMUNITY_ADMIN, place.other_community),
        "other_street_admin": lambda: as_role(
            Role.STREET_ADMIN, add_area(place.city, AreaLevel.STREET)
        ),
        "unit_admin": lambda: as_role(Role.UNIT_ADMIN, place.unit),
        "signed_up_member": lambda: member,
    }

    response = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=viewers[viewer]())

    assert response.status_code == status
    if status == 200:
        assert len(response.json) == 1


def test_weekly_schedule_generates_weeks_ahead_in_shanghai_time_and_extends_idempotently(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from zoneinfo import ZoneInfo

    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_id = post_task(client, secretary, place.community, kind="post")
    body = {
        "weekdays": [6, 7],
        "start_time": "08:00:00",
        "end_time": "10:00:00",
        "capacity": 4,
        "weeks": 2,
    }

    first = client.post(f"/api/v1/tasks/{task_id}/weekly-schedule", json=body, headers=secretary)
    again = client.post(f"/api/v1/tasks/{task_id}/weekly-schedule", json=body, headers=secretary)
    longer = client.post(
        f"/api/v1/tasks/{task_id}/weekly-schedule", json={**body, "weeks": 3}, headers=secretary
    )

    assert first.status_code == 201 and len(first.json) == 4  # 2 weekends, Sat and Sun
    shanghai = ZoneInfo("Asia/Shanghai")
    for shift in first.json:
        start = datetime.fromisoformat(shift["starts_at"]).astimezone(shanghai)
        assert (start.isoweekday() in (6, 7), start.hour, shift["capacity"]) == (True, 8, 4)
    assert again.status_code == 201 and again.json == []
    assert len(longer.json) == 2
    refused = client.post(
        f"/api/v1/tasks/{task_id}/weekly-schedule",
        json={**body, "end_time": "07:00:00"},
        headers=secretary,
    )
    assert refused.status_code == 422 and refused.json["code"] == "shift.ends_before_start"
    outsider = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)[1]
    denied = client.post(f"/api/v1/tasks/{task_id}/weekly-schedule", json=body, headers=outsider)
    assert (denied.status_code, denied.json["code"]) == (404, "task.not_found")
