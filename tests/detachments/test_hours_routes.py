"""A detachment's hours (GET /detachments/{id}/hours): the members' own confirmed records,
those of shifts signed up through the detachment apart, between two service dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_service_record
from tests.detachments.conftest import Team
from tests.steps import login_as

JULY = date(2026, 7, 1)


def _hours(team: Team, headers: dict[str, str] | None = None, **query: str) -> Any:
    response = team.client.get(
        f"{team.url}/hours", query_string=query, headers=headers or team.leader
    )
    assert response.status_code == 200, response.json
    return response.json


def _confirm(client: FlaskClient, secretary: dict[str, str], *record_ids: int) -> None:
    confirmed = client.post(
        "/api/v1/service-records/confirm", json={"ids": list(record_ids)}, headers=secretary
    )
    assert confirmed.status_code == 200, confirmed.json


def test_team_hours_count_confirmed_records_of_shifts_signed_up_through_the_team(
    team: Team, fake_wechat: FakeWeChat
) -> None:
    client = team.client
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    first, second = team.member_ids[1], team.member_ids[2]
    via_team = team.shift(starts_in=timedelta(days=3))
    alone = team.shift(starts_in=timedelta(days=5))
    assert team.sign_up(via_team, [first, second]).status_code == 201
    assert (
        client.post(f"/api/v1/shifts/{alone}/signups", headers=team.headers[first]).status_code
        == 201
    )
    team_record = add_service_record(first, via_team, minutes=120, service_date=JULY)
    own_record = add_service_record(first, alone, minutes=60, service_date=JULY)
    pending = add_service_record(second, via_team, minutes=90, service_date=JULY)
    _confirm(client, secretary, team_record, own_record)

    shown = _hours(team)
    by_member = {m["member_id"]: m for m in shown["members"]}

    assert (shown["team_records"], shown["team_minutes"], shown["team_hours"]) == (1, 120, 2.0)
    assert by_member[first]["team_minutes"] == 120
    assert (by_member[first]["all_records"], by_member[first]["all_minutes"]) == (2, 180)
    assert by_member[first]["all_hours"] == 3.0
    assert by_member[second]["team_minutes"] == 0  # still pending: not counted yet
    assert len(shown["members"]) == 8 and all(m["current"] for m in shown["members"])
    _confirm(client, secretary, pending)
    assert _hours(team, team.org_admin)["team_minutes"] == 210


def test_the_span_of_service_dates_and_a_former_member(team: Team, fake_wechat: FakeWeChat) -> None:
    client = team.client
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    leaving = team.member_ids[4]
    shift_id = team.shift(starts_in=timedelta(days=3))
    assert team.sign_up(shift_id, [leaving]).status_code == 201
    record = add_service_record(leaving, shift_id, minutes=45, service_date=JULY)
    _confirm(client, secretary, record)
    removed = client.delete(f"{team.url}/members/{leaving}", headers=team.org_admin)
    assert removed.status_code == 200

    july = _hours(team, **{"from": "2026-07-01", "to": "2026-07-31"})
    august = _hours(team, **{"from": "2026-08-01"})
    reversed_span = client.get(
        f"{team.url}/hours",
        query_string={"from": "2026-08-01", "to": "2026-07-01"},
        headers=team.leader,
    )

    former = [m for m in july["members"] if m["member_id"] == leaving]
    assert former and former[0]["current"] is False and former[0]["team_minutes"] == 45
    assert (july["from"], july["to"], july["team_minutes"]) == ("2026-07-01", "2026-07-31", 45)
    assert august["team_minutes"] == 0
    assert leaving not in {m["member_id"] for m in august["members"]}  # no hours, not current
    assert reversed_span.status_code == 422 and "to" in reversed_span.json["fields"]


def test_a_cancelled_team_signup_counts_for_the_team_no_more(
    team: Team, fake_wechat: FakeWeChat
) -> None:
    """The member left the team's place and took one alone: the record is their own."""
    _, secretary = login_as(team.client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    member = team.member_ids[5]
    shift_id = team.shift(starts_in=timedelta(days=3))
    signed = team.sign_up(shift_id, [member])
    signup_id = signed.json["signups"][0]["id"]
    headers = team.headers[member]
    cancelled = team.client.post(f"/api/v1/signups/{signup_id}/cancel", headers=headers)
    again = team.client.post(f"/api/v1/shifts/{shift_id}/signups", headers=headers)
    assert (cancelled.status_code, again.status_code) == (200, 201)
    _confirm(team.client, secretary, add_service_record(member, shift_id, minutes=30))

    shown = _hours(team)

    (line,) = [m for m in shown["members"] if m["member_id"] == member]
    assert (shown["team_records"], line["all_minutes"]) == (0, 30)
