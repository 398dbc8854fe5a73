"""Grading over HTTP: the community admin grades, changes keep every version and are logged;
each refusal is one clear error with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sunshine import clock
from sunshine.access.models import Role
from sunshine.evaluations.models import Evaluation, EvaluationVersion
from sunshine.extensions import db
from tests.builders import count, make_city
from tests.evaluations.conftest import Grading, unreported_member


def _nothing_written() -> bool:
    return count(Evaluation) == 0 and count(EvaluationVersion) == 0


def test_a_community_admin_grades_a_member(grading: Grading) -> None:
    member = grading.members[0]

    response = grading.grade(member, "excellent", comment="带头参与疫情防控志愿服务")

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["member_id"], body["period_id"]) == (member, grading.period)
    assert body["community_id"] == grading.place.community.id
    assert (body["grade"], body["grade_label"]) == ("excellent", "优秀")
    assert body["comment"] == "带头参与疫情防控志愿服务"
    assert body["reason"] is None and body["versions"] == 1
    assert body["member_name"].startswith("党员")


def test_a_change_keeps_every_version_and_is_logged(grading: Grading) -> None:
    member = grading.members[0]
    first = grading.grade(member, "good").json
    second = grading.grade(member, "poor", reason="全年未参加任何服务").json

    assert second["id"] == first["id"] and second["versions"] == 2
    assert (second["grade"], second["reason"]) == ("poor", "全年未参加任何服务")
    assert count(Evaluation) == 1
    versions = grading.get(f"/api/v1/evaluations/{first['id']}/versions").json["items"]
    assert [(v["grade"], v["reason"], v["period_locked"]) for v in versions] == [
        ("poor", "全年未参加任何服务", False),
        ("good", None, False),
    ]
    assert {v["created_by_id"] for v in versions} == {grading.secretary_id}

    log = grading.get(
        "/api/v1/security-events?action=evaluation.grade", grading.admin(Role.SYS_ADMIN)
    ).json["items"]
    mine = [e for e in log if e["object_id"] == str(first["id"])]
    assert [(e["detail"]["grade"], e["detail"]["previous_grade"]) for e in mine] == [
        ("poor", "good"),
        ("good", None),
    ]
    assert all(e["account_id"] == grading.secretary_id for e in mine)


def test_the_same_grade_again_writes_no_version(grading: Grading) -> None:
    member = grading.members[0]
    grading.grade(member, "good", comment="积极")
    again = grading.grade(member, "good", comment="积极")
    assert again.status_code == 200 and again.json["versions"] == 1
    assert count(EvaluationVersion) == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"grade": "poor"}, "evaluation.reason_required", "reason"),
        ({"grade": "poor", "reason": "   "}, "request.invalid", "reason"),
        ({"grade": "good", "reason": "不该有"}, "request.invalid", "reason"),
        ({"grade": "outstanding"}, "request.invalid", "grade"),
        ({"grade": "good", "comment": "很" * 201}, "request.invalid", "comment"),
        ({}, "request.invalid", "grade"),
        ({"grade": "good", "score": 90}, "request.invalid", "score"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(
    grading: Grading, body: dict[str, object], code: str, field: str
) -> None:
    response = grading.client.put(
        f"{grading.url()}/{grading.members[0]}", json=body, headers=grading.secretary
    )
    assert (response.status_code, response.json["code"]) == (422, code), response.json
    assert field in response.json["fields"]
    assert _nothing_written()


def test_members_the_community_does_not_grade_are_409(grading: Grading) -> None:
    refused = [
        grading.grade(grading.outsider),  # reported in to the other community
        grading.grade(unreported_member(grading.place)),  # reported in nowhere
    ]
    assert [(r.status_code, r.json["code"]) for r in refused] == [
        (409, "evaluation.not_in_community")
    ] * 2
    assert _nothing_written()


def test_unknown_period_member_or_community(grading: Grading) -> None:
    other = make_city()
    answers = [
        grading.grade(999_999),
        grading.grade(grading.members[0], period=999_999),
        grading.grade(grading.members[0], community=other.community),  # another city's
        grading.client.put(
            f"/api/v1/periods/{grading.period}/communities/999999/evaluations/{grading.members[0]}",
            json={"grade": "good"},
            headers=grading.secretary,
        ),
        grading.grade(grading.members[0], community=grading.place.street),
    ]
    assert [(r.status_code, r.json["code"]) for r in answers] == [
        (404, "member.not_found"),
        (404, "period.not_found"),
        (404, "period.not_found"),
        (404, "area.not_found"),
        (422, "area.wrong_level"),
    ]
    assert _nothing_written()


def test_who_may_not_grade(grading: Grading) -> None:
    other = make_city()
    callers = [
        grading.other_secretary,  # another community of the street
        grading.street_admin,
        grading.org_admin,  # grades only once the period is locked
        grading.admin(Role.COMMUNITY_ADMIN, other.community),
        grading.admin(Role.ORG_ADMIN, other.city),
        grading.admin(Role.UNIT_ADMIN, grading.place.unit),
        grading.member,
    ]
    refused = [grading.grade(grading.members[0], "good", headers) for headers in callers]
    assert [(r.status_code, r.json["code"]) for r in refused] == [(403, "auth.forbidden")] * len(
        callers
    )
    assert _nothing_written()


def test_a_period_not_yet_begun_cannot_be_graded(grading: Grading) -> None:
    year = clock.today().year + 1
    period = grading.make_period("year", f"{year}-01-01", f"{year}-12-31")
    response = grading.grade(grading.members[0], period=period)
    assert (response.status_code, response.json["code"]) == (409, "evaluation.period_not_started")
    assert _nothing_written()


def test_a_quarter_counts_as_a_period_of_its_own(grading: Grading) -> None:
    today = clock.today()
    start = today.replace(day=1)
    quarter = grading.make_period("quarter", start.isoformat(), today.isoformat())
    grading.grade(grading.members[0], "excellent")
    response = grading.grade(grading.members[0], "fair", period=quarter)
    assert response.status_code == 200, response.json
    mine = grading.get("/api/v1/me/evaluations", grading.member).json["items"]
    assert [(e["period"]["id"], e["grade"]) for e in mine] == [
        (quarter, "fair"),
        (grading.period, "excellent"),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evaluation_version SET grade = 'excellent' WHERE evaluation_id = :id",
        "DELETE FROM evaluation_version WHERE evaluation_id = :id",
    ],
)
def test_the_database_refuses_to_rewrite_a_version(grading: Grading, statement: str) -> None:
    given = grading.grade(grading.members[0], "poor", reason="全年零服务").json

    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text(statement), {"id": given["id"]})

    versions = grading.get(f"/api/v1/evaluations/{given['id']}/versions").json["items"]
    assert [v["grade"] for v in versions] == ["poor"]
