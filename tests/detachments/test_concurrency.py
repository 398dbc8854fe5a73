"""Team signups racing for a shift's last places: the shift's row lock decides, exactly one
team gets in whole and the shift is never overbooked (requests commit for real on the
module's throw-away database: ``race_app``, tests/races.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.detachments.models import DetachmentSignup
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.tasks.models import Shift, Signup, SignupStatus
from tests.builders import grant, make_account, make_city, token_for
from tests.detachments.conftest import city_members
from tests.races import race
from tests.steps import post_shift, post_task, publish

Headers = dict[str, str]


def _headers_of(member_id: int) -> Headers:
    account_id = db.session.scalar(select(Member.account_id).where(Member.id == member_id))
    assert account_id is not None
    return token_for(account_id)


def _detachment(client: FlaskClient, org: Headers, city_id: int, name: str, ids: list[int]) -> int:
    made = client.post(
        f"/api/v1/cities/{city_id}/detachments",
        json={"name": name, "leader_member_id": ids[0], "member_ids": ids[1:]},
        headers=org,
    )
    assert made.status_code == 201, made.json
    detachment_id: int = made.json["id"]
    return detachment_id


def _confirmed(shift_id: int) -> tuple[int, int, int]:
    """(the shift's counter, its confirmed signups, those made through a detachment)."""
    db.session.remove()
    counter = db.session.scalar(select(Shift.confirmed_count).where(Shift.id == shift_id))
    signups = db.session.scalar(
        select(func.count()).where(
            Signup.shift_id == shift_id, Signup.status == SignupStatus.CONFIRMED
        )
    )
    through = db.session.scalar(
        select(func.count())
        .select_from(DetachmentSignup)
        .join(Signup, Signup.id == DetachmentSignup.signup_id)
        .where(Signup.shift_id == shift_id)
    )
    db.session.close()
    return counter or 0, signups or 0, through or 0


def test_two_teams_racing_for_the_last_places_one_gets_in_whole(race_app: Flask) -> None:
    place = make_city()
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    org = token_for(account.id)
    client = race_app.test_client()
    members = city_members(place, {"community": 3, "other_community": 2, "third": 3})
    red = _detachment(client, org, place.city.id, "红队", members[:4])
    blue = _detachment(client, org, place.city.id, "蓝队", members[4:])
    task_id = post_task(client, org, place.community, visibility="city")
    shift_id = post_shift(client, org, task_id, capacity=5)
    publish(client, org, task_id)
    early = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=_headers_of(members[3]))
    assert early.status_code == 201  # four places left: room for one team of three
    url = f"/api/v1/shifts/{shift_id}/team-signups"
    teams = [
        ("POST", url, {"detachment_id": red, "member_ids": members[:3]}, _headers_of(members[0])),
        ("POST", url, {"detachment_id": blue, "member_ids": members[4:7]}, _headers_of(members[4])),
    ]

    results = race(race_app, teams, hold="INSERT INTO signup ")

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "team_signup.too_many"
    assert refused["fields"] == {"free_places": 1, "requested": 3}
    assert _confirmed(shift_id) == (4, 4, 3)


def test_a_team_racing_a_member_for_the_last_place_never_overbooks(race_app: Flask) -> None:
    place = make_city()
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    org = token_for(account.id)
    client = race_app.test_client()
    members = city_members(place, {"community": 2, "other_community": 1})
    team = _detachment(client, org, place.city.id, "绿队", members[:2])
    task_id = post_task(client, org, place.community, visibility="city")
    shift_id = post_shift(client, org, task_id, capacity=2)
    publish(client, org, task_id)
    url = f"/api/v1/shifts/{shift_id}/signups"
    requests = [
        (
            "POST",
            f"/api/v1/shifts/{shift_id}/team-signups",
            {"detachment_id": team, "member_ids": members[:2]},
            _headers_of(members[0]),
        ),
        ("POST", url, None, _headers_of(members[2])),
    ]

    results = race(race_app, requests, hold="INSERT INTO signup ")

    counter, confirmed, through = _confirmed(shift_id)
    assert counter == confirmed <= 2
    if results[0][0] == 201:  # the team came first: the member is waitlisted
        assert results[1][1]["status"] == "waitlisted" and through == 2
    else:  # the member came first: the team of two no longer fits, and nobody of it is in
        assert results[0][1]["code"] == "team_signup.too_many"
        assert (results[1][1]["status"], confirmed, through) == ("confirmed", 1, 0)
