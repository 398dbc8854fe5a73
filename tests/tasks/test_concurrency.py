"""Capacity holds when many members sign up at once, each request on its own connection.

Like tests/reportin/test_concurrency.py these requests commit for real (``committing``) and
everything committed is deleted at the end. The flood runs from a pool of threads, one test
client per thread; the app's connection pool (5 + 10 overflow) makes the extra threads queue
for a connection (at most ``pool_timeout``, 30 s), which is fine: at most 15 transactions
run together, and every one of them contends for the same shift.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.tasks.models import Shift, Signup, SignupStatus
from tests.factories import (
    City,
    add_reported_members,
    committing,
    make_city,
    published_shift,
    race,
    rows_of,
    task_rows_of,
    token_for,
)

Headers = dict[str, str]
THREADS = 32
FLOOD_TIMEOUT = 45.0


def _secretary(place: City) -> int:
    """A community admin of ``place.community`` written straight to the tables: account id."""
    account = Account(openid=f"o-race-{secrets.token_hex(8)}")
    db.session.add(account)
    db.session.flush()
    db.session.add(
        Grant(
            account_id=account.id,
            role=Role.COMMUNITY_ADMIN,
            area_id=place.community.id,
            scope_key=f"area:{place.community.id}",
        )
    )
    db.session.commit()
    return account.id


def _flood(app: Flask, url: str, callers: list[Headers]) -> list[tuple[int, dict[str, Any]]]:
    """POST ``url`` once per caller from ``THREADS`` threads at once: (status, json) each."""
    db.session.close()  # SQLite: a read left open here would keep every request waiting
    local = threading.local()
    start = threading.Barrier(THREADS, timeout=10)

    def send(headers: Headers) -> tuple[int, dict[str, Any]]:
        client: FlaskClient | None = getattr(local, "client", None)
        if client is None:
            client = local.client = app.test_client()
            start.wait()  # the first wave leaves together
        response = client.post(url, headers=headers)
        return response.status_code, response.json

    pool = ThreadPoolExecutor(max_workers=THREADS)
    try:
        futures = [pool.submit(send, headers) for headers in callers]
        _, pending = wait(futures, timeout=FLOOD_TIMEOUT)
        assert not pending, f"{len(pending)} requests did not finish in {FLOOD_TIMEOUT} s"
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _rows(shift_id: int) -> list[tuple[int, int, SignupStatus]]:
    db.session.remove()
    rows = db.session.execute(
        select(Signup.id, Signup.member_id, Signup.status)
        .where(Signup.shift_id == shift_id)
        .order_by(Signup.id)
    )
    return [(i, member, status) for i, member, status in rows]


def test_200_parallel_signups_for_20_places_confirm_20_and_waitlist_180_in_order(
    app: Flask,
) -> None:
    with committing(app) as cleanups:
        place = make_city()
        cleanups += task_rows_of(place)  # tasks first: they point at areas and accounts
        secretary = _secretary(place)
        members = add_reported_members(place, place.community, 200)
        cleanups += rows_of(place, [secretary, *members], [])
        _, shift_id = published_shift(
            app.test_client(), token_for(secretary), place.community, capacity=20
        )
        callers = [token_for(account_id) for account_id in members]

        results = _flood(app, f"/api/v1/shifts/{shift_id}/signups", callers)

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
        cancel = app.test_client().post(
            f"/api/v1/signups/{first_id}/cancel", headers=caller_of[account_of[first_member]]
        )
        assert cancel.status_code == 200, cancel.json
        after = {i: status for i, _, status in _rows(shift_id)}
        assert (after[first_id], after[next_id]) == (SignupStatus.CANCELLED, SignupStatus.CONFIRMED)
        assert list(after.values()).count(SignupStatus.CONFIRMED) == 20
        shift = db.session.get(Shift, shift_id)
        assert shift is not None and shift.confirmed_count == 20
        db.session.close()


def test_double_tapped_signup_leaves_one_signup(app: Flask) -> None:
    with committing(app) as cleanups:
        place = make_city()
        cleanups += task_rows_of(place)
        secretary = _secretary(place)
        (member,) = add_reported_members(place, place.community, 1)
        cleanups += rows_of(place, [secretary, member], [])
        _, shift_id = published_shift(
            app.test_client(), token_for(secretary), place.community, capacity=5
        )
        headers = token_for(member)
        url = f"/api/v1/shifts/{shift_id}/signups"

        results = race(app, [("POST", url, {}, headers)] * 2, hold="INSERT INTO signup ")

        # The second waits for the shift's lock, then finds the first one's signup.
        assert sorted(status for status, _ in results) == [200, 201], results
        assert results[0][1]["id"] == results[1][1]["id"]
        rows = _rows(shift_id)
        assert [status for _, _, status in rows] == [SignupStatus.CONFIRMED]
        shift = db.session.get(Shift, shift_id)
        assert shift is not None and shift.confirmed_count == 1
        db.session.close()


def test_a_newcomer_racing_a_cancellation_cannot_jump_the_waitlist(app: Flask) -> None:
    with committing(app) as cleanups:
        place = make_city()
        cleanups += task_rows_of(place)
        secretary = _secretary(place)
        holder, waiting, newcomer = add_reported_members(place, place.community, 3)
        cleanups += rows_of(place, [secretary, holder, waiting, newcomer], [])
        _, shift_id = published_shift(
            app.test_client(), token_for(secretary), place.community, capacity=1
        )
        headers = {a: token_for(a) for a in (holder, waiting, newcomer)}
        client = app.test_client()
        url = f"/api/v1/shifts/{shift_id}/signups"
        held = client.post(url, headers=headers[holder]).json
        queued = client.post(url, headers=headers[waiting]).json
        assert (held["status"], queued["status"]) == ("confirmed", "waitlisted")

        results = race(
            app,
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
