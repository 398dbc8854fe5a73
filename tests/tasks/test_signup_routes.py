"""Signing up: who may, when, overlaps and repeats; the waitlist; cancelling (late or not)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import Shift, Signup, SignupStatus
from tests.builders import (
    City,
    add_area,
    make_account,
    make_city,
    reported_headers,
    set_shift_times,
    token_for,
)
from tests.steps import login_as, post_shift, post_task, published_shift

Headers = dict[str, str]


def _sign_up(client: FlaskClient, shift_id: int, member: Headers) -> Any:
    return client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member)


def _signed_up(client: FlaskClient, shift_id: int, member: Headers) -> dict[str, Any]:
    response = _sign_up(client, shift_id, member)
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _cancel(client: FlaskClient, signup_id: int, member: Headers) -> Any:
    return client.post(f"/api/v1/signups/{signup_id}/cancel", headers=member)


def _signups(shift_id: int) -> list[tuple[int, SignupStatus]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Signup.id, Signup.status).where(Signup.shift_id == shift_id).order_by(Signup.id)
    )
    return [(i, status) for i, status in rows]


def _confirmed_count(shift_id: int) -> int:
    db.session.expire_all()
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    return shift.confirmed_count


# Who may sign up -----------------------------------------------------------------------------


def test_member_reported_to_the_community_gets_a_place(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=2)

    response = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["confirmed_at"] is not None) == (
        "confirmed",
        True,
    )
    assert _signups(shift_id) == [(response.json["id"], SignupStatus.CONFIRMED)]
    assert _confirmed_count(shift_id) == 1


def test_unverified_member_cannot_sign_up_is_403(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)

    response = _sign_up(client, shift_id, reported_headers(place, place.community, verified=False))

    assert (response.status_code, response.json["code"]) == (403, "member.not_verified")
    assert _signups(shift_id) == []


def test_account_that_never_registered_cannot_sign_up_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)

    response = _sign_up(client, shift_id, token_for(make_account().id))

    assert (response.status_code, response.json["code"]) == (404, "member.not_registered")
    assert _signups(shift_id) == []


@pytest.mark.parametrize("report_in", [None, "pending", "ended", "rejected"])
def test_member_without_an_active_report_in_is_not_eligible(
    client: FlaskClient, secretary: tuple[City, Headers], report_in: str | None
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    member = reported_headers(place, place.community, report_in=report_in)

    response = _sign_up(client, shift_id, member)

    assert (response.status_code, response.json["code"]) == (409, "signup.not_eligible")
    assert _signups(shift_id) == []


@pytest.mark.parametrize(
    ("visibility", "reported_to", "status"),
    [
        ("community", "community", 201),
        ("community", "other_community", 409),
        ("street", "other_community", 201),
        ("street", "community_of_another_street", 409),
        ("city", "community_of_another_street", 201),
        ("city", "community_of_another_city", 409),
    ],
)
def test_visibility_admits_the_members_reported_inside_it(
    client: FlaskClient,
    secretary: tuple[City, Headers],
    visibility: str,
    reported_to: str,
    status: int,
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, visibility=visibility)
    if reported_to == "community_of_another_street":
        community = add_area(add_area(place.city, AreaLevel.STREET), AreaLevel.COMMUNITY)
    elif reported_to == "community_of_another_city":
        community = make_city().community
    else:
        community = getattr(place, reported_to)

    response = _sign_up(client, shift_id, reported_headers(place, community))

    assert response.status_code == status, response.json
    if status == 409:
        assert response.json["code"] == "signup.not_eligible"
    assert len(_signups(shift_id)) == (1 if status == 201 else 0)


def test_street_wide_task_admits_every_community_of_the_street_only(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    _, shift_id = published_shift(client, street_admin, place.street)
    elsewhere = add_area(add_area(place.city, AreaLevel.STREET), AreaLevel.COMMUNITY)

    results = [
        _sign_up(client, shift_id, reported_headers(place, c)).status_code
        for c in (place.community, place.other_community, elsewhere)
    ]

    assert results == [201, 201, 409]


# When ----------------------------------------------------------------------------------------


def test_signing_up_after_the_deadline_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, deadline_before=timedelta(1))
    set_shift_times(shift_id, signup_deadline=utcnow() - timedelta(minutes=1))

    response = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (409, "shift.signup_closed")
    assert _signups(shift_id) == []


def test_signing_up_for_a_shift_that_has_started_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    started = utcnow() - timedelta(minutes=10)
    set_shift_times(shift_id, starts_at=started, signup_deadline=started)

    response = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (409, "shift.signup_closed")


def test_signing_up_for_a_finished_shift_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    start = utcnow() - timedelta(hours=3)
    set_shift_times(
        shift_id, starts_at=start, ends_at=start + timedelta(hours=2), signup_deadline=start
    )

    response = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (409, "shift.signup_closed")


@pytest.mark.parametrize("state", ["draft_task", "cancelled_task", "cancelled_shift"])
def test_signing_up_for_what_is_not_open_is_409(
    client: FlaskClient, secretary: tuple[City, Headers], state: str
) -> None:
    place, headers = secretary
    if state == "draft_task":
        shift_id = post_shift(client, headers, post_task(client, headers, place.community))
    else:
        task_id, shift_id = published_shift(client, headers, place.community)
        url = f"/api/v1/tasks/{task_id}/cancel"
        if state == "cancelled_shift":
            url = f"/api/v1/shifts/{shift_id}/cancel"
        assert client.post(url, json={"reason": "取消"}, headers=headers).status_code == 200

    response = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (409, "shift.not_open")
    assert _signups(shift_id) == []


def test_signing_up_for_an_unknown_shift_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, _ = secretary

    response = _sign_up(client, 10**8, reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (404, "shift.not_found")


# Overlaps and repeats ------------------------------------------------------------------------


@pytest.fixture
def two_shifts(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> tuple[City, Headers, int, int]:
    """A published task with one 2-hour shift of 1 place: (place, secretary, shift, task)."""
    place, headers = secretary
    task_id, first = published_shift(client, headers, place.community, capacity=1, hours=2)
    return place, headers, first, task_id


def _second_shift(
    client: FlaskClient,
    headers: Headers,
    task_id: int,
    first: int,
    *,
    starts_in: timedelta,
    hours: float,
) -> int:
    """Another shift of the task starting ``starts_in`` after the ``first`` one starts."""
    shift = db.session.get(Shift, first)
    assert shift is not None
    start = shift.starts_at + starts_in
    body = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "capacity": 5,
    }
    response = client.post(f"/api/v1/tasks/{task_id}/shifts", json=body, headers=headers)
    assert response.status_code == 201, response.json
    shift_id: int = response.json["id"]
    return shift_id


@pytest.mark.parametrize(
    ("starts_in", "hours", "status"),
    [
        pytest.param(timedelta(hours=1), 2, 409, id="starts-inside"),
        pytest.param(timedelta(minutes=-30), 1, 409, id="ends-inside"),
        pytest.param(timedelta(minutes=-30), 4, 409, id="covers"),
        pytest.param(timedelta(0), 2, 409, id="same-times"),
        pytest.param(timedelta(hours=2), 1, 201, id="adjacent-after"),
        pytest.param(timedelta(hours=-1), 1, 201, id="adjacent-before"),
    ],
)
def test_overlapping_another_live_signup_is_409_adjacent_is_fine(
    client: FlaskClient,
    two_shifts: tuple[City, Headers, int, int],
    starts_in: timedelta,
    hours: float,
    status: int,
) -> None:
    place, headers, first, task_id = two_shifts
    second = _second_shift(client, headers, task_id, first, starts_in=starts_in, hours=hours)
    member = reported_headers(place, place.community)
    _signed_up(client, first, member)

    response = _sign_up(client, second, member)

    assert response.status_code == status, response.json
    if status == 409:
        assert response.json["code"] == "signup.overlap"
        assert _signups(second) == []


def test_a_waitlist_place_also_counts_as_an_overlap(
    client: FlaskClient, two_shifts: tuple[City, Headers, int, int]
) -> None:
    place, headers, first, task_id = two_shifts
    second = _second_shift(client, headers, task_id, first, starts_in=timedelta(hours=1), hours=2)
    _signed_up(client, first, reported_headers(place, place.community))
    member = reported_headers(place, place.community)
    assert _signed_up(client, first, member)["status"] == "waitlisted"

    response = _sign_up(client, second, member)

    assert (response.status_code, response.json["code"]) == (409, "signup.overlap")


@pytest.mark.parametrize("ended_by", ["member", "shift_cancelled"])
def test_a_cancelled_signup_does_not_block_an_overlapping_shift(
    client: FlaskClient, two_shifts: tuple[City, Headers, int, int], ended_by: str
) -> None:
    place, headers, first, task_id = two_shifts
    second = _second_shift(client, headers, task_id, first, starts_in=timedelta(hours=1), hours=2)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, first, member)
    if ended_by == "member":
        assert _cancel(client, signup["id"], member).status_code == 200
    else:
        cancel = client.post(
            f"/api/v1/shifts/{first}/cancel", json={"reason": "改期"}, headers=headers
        )
        assert cancel.status_code == 200

    response = _sign_up(client, second, member)

    assert response.status_code == 201, response.json


def test_signing_up_again_returns_the_same_signup(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    member = reported_headers(place, place.community)
    first = _signed_up(client, shift_id, member)

    again = _sign_up(client, shift_id, member)

    assert (again.status_code, again.json) == (200, first)
    assert _signups(shift_id) == [(first["id"], SignupStatus.CONFIRMED)]
    assert _confirmed_count(shift_id) == 1


def test_signing_up_again_after_the_deadline_still_returns_the_signup(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, deadline_before=timedelta(1))
    member = reported_headers(place, place.community)
    first = _signed_up(client, shift_id, member)
    set_shift_times(shift_id, signup_deadline=utcnow() - timedelta(minutes=1))

    again = _sign_up(client, shift_id, member)

    assert (again.status_code, again.json["id"]) == (200, first["id"])


def test_member_who_cancelled_may_sign_up_again_at_the_back_of_the_line(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    member = reported_headers(place, place.community)
    first = _signed_up(client, shift_id, member)
    other = _signed_up(client, shift_id, reported_headers(place, place.community))
    _cancel(client, first["id"], member)

    again = _sign_up(client, shift_id, member)

    assert (again.status_code, again.json["status"]) == (201, "waitlisted")
    assert again.json["id"] != first["id"]
    assert _signups(shift_id) == [
        (first["id"], SignupStatus.CANCELLED),
        (other["id"], SignupStatus.CONFIRMED),
        (again.json["id"], SignupStatus.WAITLISTED),
    ]


# The waitlist --------------------------------------------------------------------------------


def test_full_shift_waitlists_in_order_and_cancellations_promote_in_order(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    members = [reported_headers(place, place.community) for _ in range(4)]
    signups = [_signed_up(client, shift_id, m) for m in members]
    assert [s["status"] for s in signups] == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    ids = [s["id"] for s in signups]

    assert _cancel(client, ids[0], members[0]).status_code == 200
    assert _signups(shift_id)[1:] == [
        (ids[1], SignupStatus.CONFIRMED),
        (ids[2], SignupStatus.WAITLISTED),
        (ids[3], SignupStatus.WAITLISTED),
    ]
    assert _cancel(client, ids[1], members[1]).status_code == 200

    assert _signups(shift_id) == [
        (ids[0], SignupStatus.CANCELLED),
        (ids[1], SignupStatus.CANCELLED),
        (ids[2], SignupStatus.CONFIRMED),
        (ids[3], SignupStatus.WAITLISTED),
    ]
    assert _confirmed_count(shift_id) == 1
    promoted = client.get("/api/v1/me/signups", headers=members[2]).json["items"][0]
    assert (promoted["status"], promoted["promoted_at"] is not None) == ("confirmed", True)


def test_leaving_the_waitlist_promotes_no_one(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    members = [reported_headers(place, place.community) for _ in range(3)]
    ids = [_signed_up(client, shift_id, m)["id"] for m in members]

    response = _cancel(client, ids[1], members[1])

    assert (response.status_code, response.json["late_cancel"]) == (200, False)
    assert _signups(shift_id) == [
        (ids[0], SignupStatus.CONFIRMED),
        (ids[1], SignupStatus.CANCELLED),
        (ids[2], SignupStatus.WAITLISTED),
    ]
    assert _confirmed_count(shift_id) == 1


def test_cancelling_with_no_one_waiting_frees_the_place(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, shift_id, member)

    _cancel(client, signup["id"], member)
    newcomer = _sign_up(client, shift_id, reported_headers(place, place.community))

    assert (newcomer.status_code, newcomer.json["status"]) == (201, "confirmed")
    assert _confirmed_count(shift_id) == 1


# Cancelling ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cutoff_minutes", "starts_in", "late"),
    [
        pytest.param(120, timedelta(hours=3), False, id="before-cutoff"),
        pytest.param(120, timedelta(minutes=90), True, id="within-cutoff"),
        pytest.param(240, timedelta(hours=3), True, id="longer-configured-cutoff"),
        pytest.param(0, timedelta(minutes=5), False, id="no-cutoff"),
    ],
)
def test_cancelling_within_the_cutoff_is_recorded_as_late(
    app: Flask,
    client: FlaskClient,
    secretary: tuple[City, Headers],
    monkeypatch: pytest.MonkeyPatch,
    cutoff_minutes: int,
    starts_in: timedelta,
    late: bool,
) -> None:
    monkeypatch.setitem(app.config, "SIGNUP_CANCEL_CUTOFF_MINUTES", cutoff_minutes)
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, shift_id, member)
    start = utcnow() + starts_in
    set_shift_times(shift_id, starts_at=start, ends_at=start + timedelta(hours=1))

    response = _cancel(client, signup["id"], member)

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["late_cancel"]) == ("cancelled", late)
    db.session.expire_all()
    row = db.session.get(Signup, signup["id"])
    assert row is not None and row.late_cancel is late


def test_cancelling_after_the_shift_started_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=1)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, shift_id, member)
    started = utcnow() - timedelta(minutes=1)
    set_shift_times(shift_id, starts_at=started, signup_deadline=started)

    response = _cancel(client, signup["id"], member)

    assert (response.status_code, response.json["code"]) == (409, "signup.shift_started")
    assert _signups(shift_id) == [(signup["id"], SignupStatus.CONFIRMED)]
    assert _confirmed_count(shift_id) == 1


def test_cancelling_someone_elses_signup_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    signup = _signed_up(client, shift_id, reported_headers(place, place.community))

    response = _cancel(client, signup["id"], reported_headers(place, place.community))

    assert (response.status_code, response.json["code"]) == (404, "signup.not_found")
    assert _signups(shift_id) == [(signup["id"], SignupStatus.CONFIRMED)]


def test_secretary_cannot_cancel_a_members_signup_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    signup = _signed_up(client, shift_id, reported_headers(place, place.community))

    response = _cancel(client, signup["id"], headers)

    assert response.status_code == 404
    assert _signups(shift_id) == [(signup["id"], SignupStatus.CONFIRMED)]


def test_cancelling_twice_is_409(client: FlaskClient, secretary: tuple[City, Headers]) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, shift_id, member)
    _cancel(client, signup["id"], member)

    response = _cancel(client, signup["id"], member)

    assert (response.status_code, response.json["code"]) == (409, "signup.cancelled")
    assert _confirmed_count(shift_id) == 0


def test_cancelling_a_signup_of_a_cancelled_shift_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community)
    member = reported_headers(place, place.community)
    signup = _signed_up(client, shift_id, member)
    client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "改期"}, headers=headers)

    response = _cancel(client, signup["id"], member)

    assert (response.status_code, response.json["code"]) == (409, "signup.cancelled")


# The member's own list -----------------------------------------------------------------------


def test_my_signups_lists_the_callers_signups_newest_first(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id, first = published_shift(client, headers, place.community)
    second = post_shift(client, headers, task_id, starts_in=timedelta(days=3))
    member = reported_headers(place, place.community)
    mine = [_signed_up(client, shift, member)["id"] for shift in (first, second)]
    _signed_up(client, first, reported_headers(place, place.community))  # someone else's

    response = client.get("/api/v1/me/signups", headers=member)

    assert response.status_code == 200
    assert [(s["id"], s["shift_id"]) for s in response.json["items"]] == [
        (mine[1], second),
        (mine[0], first),
    ]
    assert response.json["next_cursor"] is None


def test_my_signups_for_an_account_that_never_registered_is_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/me/signups", headers=token_for(make_account().id))

    assert (response.status_code, response.json["code"]) == (404, "member.not_registered")


def test_confirmed_count_matches_confirmed_rows_after_cancellations(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    _, shift_id = published_shift(client, headers, place.community, capacity=3)
    members = [reported_headers(place, place.community) for _ in range(5)]
    ids = [_signed_up(client, shift_id, m)["id"] for m in members]
    _cancel(client, ids[0], members[0])
    _cancel(client, ids[4], members[4])

    confirmed = db.session.scalar(
        select(func.count()).where(
            Signup.shift_id == shift_id, Signup.status == SignupStatus.CONFIRMED
        )
    )

    assert confirmed == _confirmed_count(shift_id) == 3
