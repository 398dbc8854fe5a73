"""The city's cap on 优秀 (floor of the share of the members a community grades) and a locked
period (only the organization department changes it, with a reason, logged)."""

from __future__ import annotations

import pytest

from sunshine.access.models import Role
from sunshine.evaluations.models import Evaluation, EvaluationVersion, Grade
from tests.builders import add_reported_members, count, make_city
from tests.evaluations.conftest import Grading, lock

SETTINGS = "/api/v1/periods/{}/evaluation-settings"


def _excellent() -> int:
    from sqlalchemy import func, select

    from sunshine.extensions import db

    return (
        db.session.scalar(
            select(func.count()).select_from(Evaluation).where(Evaluation.grade == Grade.EXCELLENT)
        )
        or 0
    )


def test_a_grade_beyond_the_cap_is_refused(grading: Grading) -> None:
    grading.set_cap(50)  # 3 members: floor(1.5) = 1
    first, second, third = grading.members
    assert grading.grade(first, "excellent").status_code == 200

    refused = grading.grade(second, "excellent")

    assert (refused.status_code, refused.json["code"]) == (409, "evaluation.excellent_cap")
    assert "最多 1 人" in refused.json["message"]
    assert _excellent() == 1 and count(EvaluationVersion) == 1
    # Other grades are not capped; the 优秀 already given may change its comment.
    assert grading.grade(second, "good").status_code == 200
    assert grading.grade(first, "excellent", comment="表现突出").status_code == 200
    # A place freed is a place to give.
    assert grading.grade(first, "good").status_code == 200
    assert grading.grade(third, "excellent").status_code == 200
    summary = grading.get(
        f"/api/v1/periods/{grading.period}/communities/{grading.place.community.id}"
        "/evaluation-summary"
    ).json
    assert summary == {
        "period_id": grading.period,
        "community_id": grading.place.community.id,
        "members": 3,
        "ungraded": 0,
        "excellent": 1,
        "good": 2,
        "fair": 0,
        "poor": 0,
        "excellent_cap_percent": 50,
        "excellent_allowed": 1,
        "locked": False,
    }


@pytest.mark.parametrize(("cap", "allowed"), [(0, 0), (33, 0), (34, 1), (67, 2), (100, 3)])
def test_the_cap_rounds_down_over_the_members_of_the_community(
    grading: Grading, cap: int, allowed: int
) -> None:
    grading.set_cap(cap)
    answers = [grading.grade(m, "excellent").status_code for m in grading.members]
    assert answers == [200] * allowed + [409] * (3 - allowed)
    assert _excellent() == allowed


def test_without_a_cap_any_number_may_be_excellent(grading: Grading) -> None:
    grading.set_cap(0)
    grading.set_cap(None)
    assert [grading.grade(m, "excellent").status_code for m in grading.members] == [200] * 3


def test_the_cap_counts_each_community_on_its_own(grading: Grading) -> None:
    add_reported_members(grading.place, grading.place.other_community, 1)  # two members there
    grading.set_cap(50)
    assert grading.grade(grading.members[0], "excellent").status_code == 200
    response = grading.grade(
        grading.outsider,
        "excellent",
        grading.other_secretary,
        community=grading.place.other_community,
    )
    assert response.status_code == 200, response.json


def test_a_lower_cap_keeps_the_grades_already_given(grading: Grading) -> None:
    grading.set_cap(100)
    for member in grading.members[:2]:
        assert grading.grade(member, "excellent").status_code == 200
    grading.set_cap(0)
    assert _excellent() == 2
    assert grading.grade(grading.members[2], "excellent").status_code == 409


def test_settings_are_the_city_org_admins_and_logged(grading: Grading) -> None:
    url = SETTINGS.format(grading.period)
    assert grading.get(url).json == {
        "period_id": grading.period,
        "excellent_cap_percent": None,
        "updated_at": None,
        "updated_by_id": None,
    }
    other = make_city()
    refused = [
        grading.client.put(url, json={"excellent_cap_percent": 20}, headers=headers)
        for headers in (
            grading.secretary,
            grading.street_admin,
            grading.admin(Role.ORG_ADMIN, other.city),
            grading.member,
        )
    ]
    assert [(r.status_code, r.json["code"]) for r in refused] == [(403, "auth.forbidden")] * 4
    for bad in (-1, 101, "many", 2.5):
        response = grading.client.put(
            url, json={"excellent_cap_percent": bad}, headers=grading.org_admin
        )
        assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    missing = grading.client.put(url, json={}, headers=grading.org_admin)
    assert missing.status_code == 422
    assert grading.get(url).json["excellent_cap_percent"] is None

    grading.set_cap(20)
    shown = grading.get(url, grading.street_admin).json
    assert (shown["excellent_cap_percent"], shown["updated_by_id"]) == (20, grading.org_admin_id)
    unknown = grading.client.put(
        SETTINGS.format(999_999), json={"excellent_cap_percent": 20}, headers=grading.org_admin
    )
    assert (unknown.status_code, unknown.json["code"]) == (404, "period.not_found")
    log = grading.get(
        "/api/v1/security-events?action=evaluation.settings", grading.admin(Role.SYS_ADMIN)
    ).json["items"]
    [event] = [e for e in log if e["object_id"] == str(grading.period)]
    assert event["detail"] == {"excellent_cap_percent": 20, "previous": None}
    assert grading.get(url, grading.admin(Role.ORG_ADMIN, other.city)).status_code == 403


def test_a_locked_period_is_changed_only_by_the_org_admin_with_a_reason(grading: Grading) -> None:
    member = grading.members[0]
    given = grading.grade(member, "good").json
    lock(grading.period)

    by_secretary = grading.grade(member, "excellent")
    first_grade = grading.grade(grading.members[1], "good")
    without_reason = grading.grade(member, "excellent", grading.org_admin)
    by_street = grading.grade(member, "excellent", grading.street_admin, change_reason="复核")

    assert (by_secretary.status_code, by_secretary.json["code"]) == (409, "period.locked")
    assert (first_grade.status_code, first_grade.json["code"]) == (409, "period.locked")
    assert (without_reason.status_code, without_reason.json["code"]) == (
        422,
        "evaluation.change_reason_required",
    )
    assert (by_street.status_code, by_street.json["code"]) == (403, "auth.forbidden")
    assert count(EvaluationVersion) == 1

    changed = grading.grade(member, "excellent", grading.org_admin, change_reason="复核后改为优秀")
    assert changed.status_code == 200, changed.json
    assert (changed.json["grade"], changed.json["updated_by_id"]) == (
        "excellent",
        grading.org_admin_id,
    )
    latest = grading.get(f"/api/v1/evaluations/{given['id']}/versions", grading.org_admin).json
    assert [(v["grade"], v["period_locked"], v["change_reason"]) for v in latest["items"]] == [
        ("excellent", True, "复核后改为优秀"),
        ("good", False, None),
    ]
    log = grading.get(
        "/api/v1/security-events?action=evaluation.grade", grading.admin(Role.SYS_ADMIN)
    ).json["items"]
    latest_event = next(e for e in log if e["object_id"] == str(given["id"]))  # newest first
    assert (
        latest_event["detail"]["period_locked"],
        latest_event["detail"]["change_reason"],
        latest_event["account_id"],
    ) == (True, "复核后改为优秀", grading.org_admin_id)
    summary = grading.get(
        f"/api/v1/periods/{grading.period}/communities/{grading.place.community.id}"
        "/evaluation-summary"
    ).json
    assert summary["locked"] is True


def test_the_cap_binds_the_org_admin_too(grading: Grading) -> None:
    grading.set_cap(34)
    assert grading.grade(grading.members[0], "excellent").status_code == 200
    lock(grading.period)
    refused = grading.grade(
        grading.members[1], "excellent", grading.org_admin, change_reason="补评"
    )
    assert (refused.status_code, refused.json["code"]) == (409, "evaluation.excellent_cap")
    assert _excellent() == 1
