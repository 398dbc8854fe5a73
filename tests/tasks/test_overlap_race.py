"""One member's signups to overlapping shifts racing each other: the member's row lock
(``tasks.lock_members``, taken before any shift's) judges them one after the other, so the
clash check holds (requests commit for real on the module's throw-away database:
``race_app``, tests/races.py)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.tasks.models import Signup, SignupStatus
from tests.builders import City, grant, make_account, make_city, token_for
from tests.detachments.conftest import city_members
from tests.races import race
from tests.steps import post_shift, post_task, publish

Headers = dict[str, str]


def _headers_of(member_id: int) -> Headers:
    account_id = db.session.scalar(select(Member.account_id).where(Member.id == member_id))
    assert account_id is not None
    return token_for(account_id)


def _shift(client: FlaskClient, org: Headers, community: Area, starts_in: timedelta) -> int:
    """A shift of a task of its own (city-wide), published: its id."""
    task_id = post_task(client, org, community, visibility="city")
    shift_id = post_shift(client, org, task_id, starts_in=starts_in, hours=2)
    publish(client, org, task_id)
    return shift_id


def _live_shifts(member_id: int) -> list[int]:
    db.session.remove()
    shifts = db.session.scalars(
        select(Signup.shift_id).where(
            Signup.member_id == member_id,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
        )
    ).all()
    db.session.close()
    return list(shifts)


def _org(place: City) -> Headers:
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    return token_for(account.id)


def test_one_member_signing_up_to_two_overlapping_shifts_at_once_gets_one(
    race_app: Flask,
) -> None:
    place = make_city()
    org = _org(place)
    client = race_app.test_client()
    (member,) = city_members(place, {"community": 1})
    first = _shift(client, org, place.community, timedelta(days=2))
    second = _shift(client, org, place.community, timedelta(days=2, hours=1))
    me = _headers_of(member)
    requests = [("POST", f"/api/v1/shifts/{s}/signups", None, me) for s in (first, second)]

    results = race(race_app, requests, hold="INSERT INTO signup ")

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "signup.overlap"
    (won,) = [i for i, (status, _) in enumerate(results) if status == 201]
    assert _live_shifts(member) == [(first, second)[won]]


def test_a_team_signup_racing_its_members_own_overlapping_signup_places_them_once(
    race_app: Flask,
) -> None:
    place = make_city()
    org = _org(place)
    client = race_app.test_client()
    leader, member = city_members(place, {"community": 2})
    made = client.post(
        f"/api/v1/cities/{place.city.id}/detachments",
        json={"name": "橙队", "leader_member_id": leader, "member_ids": [member]},
        headers=org,
    )
    assert made.status_code == 201, made.json
    team_shift = _shift(client, org, place.community, timedelta(days=2))
    own_shift = _shift(client, org, place.community, timedelta(days=2, hours=1))
    requests = [
        (
            "POST",
            f"/api/v1/shifts/{team_shift}/team-signups",
            {"detachment_id": made.json["id"], "member_ids": [leader, member]},
            _headers_of(leader),
        ),
        ("POST", f"/api/v1/shifts/{own_shift}/signups", None, _headers_of(member)),
    ]

    results = race(race_app, requests, hold="INSERT INTO signup ")

    (team, own) = results
    assert sorted([team[0], own[0]]) == [201, 409], results  # no deadlock, no 500
    if team[0] == 201:  # the team came first: the member's own signup clashes with it
        assert own[1]["code"] == "signup.overlap"
        assert _live_shifts(member) == [team_shift]
        assert _live_shifts(leader) == [team_shift]
    else:  # the member came first: the whole team is refused, naming the clash
        assert team[1]["code"] == "team_signup.members_refused"
        assert [(f["member_id"], f["code"]) for f in team[1]["fields"]["members"]] == [
            (member, "signup.overlap")
        ]
        assert _live_shifts(member) == [own_shift]
        assert _live_shifts(leader) == []
