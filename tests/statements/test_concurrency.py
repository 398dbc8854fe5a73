"""Statements asked for at the same moment, committing for real on the module's throw-away
database (``race_app``): a member's double tap gets one statement, and two members' statements
never share a number."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.statements.models import Statement
from tests.builders import (
    add_reported_members,
    add_service_record,
    add_shifts,
    grant,
    make_account,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import race
from tests.statements.conftest import days_ago
from tests.steps import published_shift

Headers = dict[str, str]


def _members_with_confirmed_service(app: Flask, n: int) -> list[Headers]:
    """``n`` members of one community, each with a record confirmed by its secretary."""
    client: FlaskClient = app.test_client()
    place = make_city()
    account = make_account()
    grant(account, Role.COMMUNITY_ADMIN, place.community)
    db.session.commit()
    secretary = token_for(account.id)
    task_id, _ = published_shift(client, secretary, place.community)
    members = []
    for account_id in add_reported_members(place, place.community, n):
        (shift_id,) = add_shifts(task_id, 1)
        record_id = add_service_record(member_id_of(account_id), shift_id, service_date=days_ago(3))
        confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=secretary)
        assert confirmed.status_code == 200, confirmed.json
        members.append(token_for(account_id))
    return members


def _body(starts_on: date, ends_on: date) -> dict[str, str]:
    return {"from": starts_on.isoformat(), "to": ends_on.isoformat()}


def test_a_double_tap_gets_one_statement(race_app: Flask) -> None:
    (member,) = _members_with_confirmed_service(race_app, 1)
    body = _body(days_ago(7), days_ago(1))

    results = race(
        race_app,
        [("POST", "/api/v1/me/statements", body, member)] * 2,
        hold="INSERT INTO statement ",
    )

    assert sorted(status for status, _ in results) == [200, 201], results
    assert len({result["items"][0]["number"] for _, result in results}) == 1
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 1


def test_two_members_at_once_get_different_numbers(race_app: Flask) -> None:
    members = _members_with_confirmed_service(race_app, 2)
    body = _body(days_ago(7), days_ago(1))

    results = race(
        race_app,
        [("POST", "/api/v1/me/statements", body, headers) for headers in members],
        hold="UPDATE statement_counter",
    )

    assert [status for status, _ in results] == [201, 201], results
    numbers = sorted(result["items"][0]["number"] for _, result in results)
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1
