"""Two secretaries of one community grading at the same moment: the community's row lock
keeps the 优秀 cap and one evaluation per member.

The requests commit for real on the module's throw-away database (``race_app``); the first
to reach its INSERT of an evaluation waits there until the other is stuck behind the lock.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.evaluations.models import Evaluation, EvaluationVersion, Grade
from sunshine.extensions import db
from tests.builders import (
    add_reported_members,
    grant,
    make_account,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import race


def _setup(app: Flask, cap: int | None) -> tuple[str, list[int], list[dict[str, str]]]:
    """A community of two members, two secretaries and this year's period (with the cap):
    the community's evaluations URL, the member ids and the secretaries' headers."""
    place = make_city()
    secretaries = []
    for _ in range(2):
        account = make_account()
        grant(account, Role.COMMUNITY_ADMIN, place.community)
        secretaries.append(token_for(account.id))
    org = make_account()
    grant(org, Role.ORG_ADMIN, place.city)
    org_headers = token_for(org.id)
    members = [member_id_of(a) for a in add_reported_members(place, place.community, 2)]
    city_id, community_id = place.city.id, place.community.id
    db.session.close()  # SQLite: the requests below write
    client = app.test_client()
    year = clock.today().year
    period = client.post(
        f"/api/v1/cities/{city_id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org_headers,
    )
    assert period.status_code == 201, period.json
    if cap is not None:
        response = client.put(
            f"/api/v1/periods/{period.json['id']}/evaluation-settings",
            json={"excellent_cap_percent": cap},
            headers=org_headers,
        )
        assert response.status_code == 200, response.json
    return (
        f"/api/v1/periods/{period.json['id']}/communities/{community_id}/evaluations",
        members,
        secretaries,
    )


def test_two_excellent_grades_at_once_cannot_both_pass_the_cap(race_app: Flask) -> None:
    url, members, secretaries = _setup(race_app, cap=50)  # two members: one 优秀

    results = race(
        race_app,
        [
            ("PUT", f"{url}/{member}", {"grade": "excellent"}, headers)
            for member, headers in zip(members, secretaries, strict=True)
        ],
        hold="INSERT INTO evaluation (",
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "evaluation.excellent_cap"
    db.session.remove()
    excellent = (
        select(func.count())
        .select_from(Evaluation)
        .where(Evaluation.grade == Grade.EXCELLENT, Evaluation.member_id.in_(members))
    )
    assert db.session.scalar(excellent) == 1


def test_one_member_graded_twice_at_once_has_one_evaluation(race_app: Flask) -> None:
    url, members, secretaries = _setup(race_app, cap=None)

    results = race(
        race_app,
        [
            ("PUT", f"{url}/{members[0]}", {"grade": grade}, headers)
            for grade, headers in zip(("good", "fair"), secretaries, strict=True)
        ],
        hold="INSERT INTO evaluation (",
    )

    assert [status for status, _ in results] == [200, 200], results
    db.session.remove()
    [evaluation] = db.session.scalars(
        select(Evaluation).where(Evaluation.member_id == members[0])
    ).all()
    assert evaluation.versions == 2
    versions = db.session.scalars(
        select(EvaluationVersion.grade)
        .where(EvaluationVersion.evaluation_id == evaluation.id)
        .order_by(EvaluationVersion.id)
    ).all()
    assert sorted(versions) == sorted([Grade.GOOD, Grade.FAIR])
    assert evaluation.grade == versions[-1]
