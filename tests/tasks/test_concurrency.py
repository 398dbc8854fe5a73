"""Capacity holds when many members sign up at once, each request on its own connection.

Like tests/reportin/test_concurrency.py these requests commit for real on the module's
throw-away database (``race_app``). The flood runs from a pool of ``THREADS`` threads, one
test client per thread (``flood``): at most 15 transactions run together (the app's pool),
and every one of them contends for the same shift.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.tasks.models import Shift, Signup, SignupStatus
from tests.builders import add_reported_members, add_secretary, make_city, token_for
from tests.races import flood, race
from tests.steps import published_shift

THREADS = 32


def _rows(shift_id: int) -> list[tuple[int, int, SignupStatus]]:
    db.session.remove()
    rows = db.session.execute(
        select(Signup.id, Signup.member_id, Signup.status)
        .where(Signup.shift_id == shift_id)
        .order_by(Signup.id)
    )
    return [(i, member, status) for i, member, status in rows]


def test_200_parallel_signups_for_20_places_confirm_20_and_waitlist_180_in_order(
    race_app: Flask,
) -> None:
    place = make_city()
    secretary = add_secretary(place)
    members = add_reported_members(place, place.community, 200)
    _, shift_id = published_shift(
        race_app.test_client(), token_for(secretary), place.community, capacity=20
    )
    callers = [token_for(account_id) for account_id in members]
    url = f"/api/v1/shifts/{shift_id}/signups"

    results = flood(race_app, [("POST", url, None, h) for h in callers], threads=THREADS)

    assert {status for status, _ in results} == {201}, [r for r in results if r[0] != 201]
    answered = [body["status"] for _, body in results]
    assert (answered.count("confirmed"), answered.count("waitlisted")) == (20, 180)
    rows = _rows(shift_id)
    assert len(rows) == len({member for _, member, _ in rows}) == 200
    # Places went to the first 20 to reach the shift, the rest queued behind them.
    assert [status for _, _, status in rows] == [SignupStatus.CONFIRMED] * 20 + [
        SignupStatus.WAITLISTED
    ] * 180
    shift = db.session.get(Shift, shift_id)
    assert shift is not None and shift.confirmed_count == 20

    # A cancellation promotes the next in line.
    first_id, first_member, _ = rows[0]
    next_id = rows[20][0]
    account_of = {
        member_id: account_id
        for member_id, account_id in db.session.execute(
            select(Member.id, Member.account_id).where(Member.account_id.in_(members))
        )
    }
    caller_of = dict(zip(members, callers, strict=True))
    db.session.close()
    cancel = race_app.test_client().post(
        f"/api/v1/signups/{first_id}/cancel", headers=caller_of[account_of[first_member]]
    )
    assert cancel.status_code == 200, cancel.json
    after = {i: status for i, _, status in _rows(shift_id)}
    assert (after[first_id], after[next_id]) == (SignupStatus.CANCELLED, SignupStatus.CONFIRMED)
    assert list(after.values()).count(SignupStatus.CONFIRMED) == 20
    shift = db.session.get(Shift, shift_id)
    assert shift is not None and shift.confirmed_count == 20
    db.session.close()


def test_double_tapped_signup_leaves_one_signup(race_app: Flask) -> None:
    place = make_city()
    secretary = add_secretary(place)
    (member,) = add_reported_members(place, place.community, 1)
    _, shift_id = published_shift(
        race_app.test_client(), token_for(secretary), place.community, capacity=5
    )
    headers = token_for(member)
    url = f"/api/v1/shifts/{shift_id}/signups"

    results = race(race_app, [("POST", url, {}, headers)] * 2, hold="INSERT INTO signup ")

    # The second waits for the shift's lock, then finds the first one's signup.
    assert sorted(status for status, _ in results) == [200, 201], results
    assert results[0][1]["id"] == results[1][1]["id"]
    rows = _rows(shift_id)
    assert [status for _, _, status in rows] == [SignupStatus.CONFIRMED]
    shift = db.session.get(Shift, shift_id)
    assert shift is not None and shift.confirmed_count == 1
    db.session.close()


def test_a_newcomer_racing_a_cancellation_cannot_jump_the_waitlist(race_app: Flask) -> None:
    place = make_city()
    secretary = add_secretary(place)
    holder, waiting, newcomer = add_reported_members(place, place.community, 3)
    _, shift_id = published_shift(
        race_app.test_client(), token_for(secretary), place.community, capacity=1
    )
    headers = {a: token_for(a) for a in (holder, waiting, newcomer)}
    client = race_app.test_client()
    url = f"/api/v1/shifts/{shift_id}/signups"
    held = client.post(url, headers=headers[holder]).json
    queued = client.post(url, headers=headers[waiting]).json
    assert (held["status"], queued["status"]) == ("confirmed", "waitlisted")

    results = race(
        race_app,
        [
            ("POST", f"/api/v1/signups/{held['id']}/cancel", {}, headers[holder]),
            ("POST", url, {}, headers[newcomer]),
        ],
        hold="UPDATE signup ",
    )

    assert [status for status, _ in results] == [200, 201], results
    assert results[1][1]["status"] == "waitlisted"
    rows = _rows(shift_id)
    assert [(i, status) for i, _, status in rows] == [
        (held["id"], SignupStatus.CANCELLED),
        (queued["id"], SignupStatus.CONFIRMED),
        (results[1][1]["id"], SignupStatus.WAITLISTED),
    ]
    confirmed = db.session.scalar(
        select(func.count()).where(
            Signup.shift_id == shift_id, Signup.status == SignupStatus.CONFIRMED
        )
    )
    shift = db.session.get(Shift, shift_id)
    assert shift is not None and shift.confirmed_count == confirmed == 1
    db.session.close()
