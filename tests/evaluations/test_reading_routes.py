"""Who reads evaluations: the community its sheet, the street and the organization department
within their scope, the member their own; each listing pages by cursor."""

from __future__ import annotations

from sunshine.access.models import Role
from tests.builders import make_city
from tests.evaluations.conftest import Grading


def _ids(response: object) -> list[int]:
    return [row["member_id"] for row in response.json["items"]]  # type: ignore[attr-defined]


def test_the_sheet_lists_graded_and_ungraded_members(grading: Grading) -> None:
    first, second, third = grading.members
    grading.grade(first, "excellent")
    grading.grade(second, "poor", reason="长期不参加活动")
    url = grading.url()

    everyone = grading.get(url)
    page = grading.get(f"{url}?limit=2")
    rest = grading.get(f"{url}?limit=2&cursor={page.json['next_cursor']}")

    assert everyone.status_code == 200, everyone.json
    assert _ids(everyone) == [third, second, first]  # newest report-in first
    assert _ids(page) + _ids(rest) == [third, second, first]
    assert rest.json["next_cursor"] is None
    rows = {r["member_id"]: r for r in everyone.json["items"]}
    assert rows[third]["evaluation"] is None
    assert rows[second]["evaluation"]["reason"] == "长期不参加活动"
    assert rows[first]["status"] == "active" and rows[first]["ended_at"] is None
    assert _ids(grading.get(f"{url}?graded=false")) == [third]
    assert _ids(grading.get(f"{url}?graded=true")) == [second, first]
    assert _ids(grading.get(f"{url}?grade=excellent")) == [first]
    assert _ids(grading.get(f"{url}?grade=good")) == []
    assert grading.get(f"{url}?grade=best").status_code == 422


def test_who_reads_a_community_sheet(grading: Grading) -> None:
    url = grading.url()
    other = make_city()
    for headers in (grading.secretary, grading.street_admin, grading.org_admin):
        assert grading.get(url, headers).status_code == 200
    refused = [
        grading.get(url, headers)
        for headers in (
            grading.other_secretary,
            grading.admin(Role.STREET_ADMIN, make_city().street),
            grading.admin(Role.ORG_ADMIN, other.city),
            grading.admin(Role.UNIT_ADMIN, grading.place.unit),
            grading.member,
        )
    ]
    assert [(r.status_code, r.json["code"]) for r in refused] == [(403, "auth.forbidden")] * 5
    summary = f"/api/v1/periods/{grading.period}/communities/{grading.place.community.id}"
    assert grading.get(f"{summary}/evaluation-summary", grading.other_secretary).status_code == 403
    assert grading.get(grading.url(999_999)).json["code"] == "period.not_found"


def test_evaluations_in_force_within_each_scope(grading: Grading) -> None:
    first = grading.grade(grading.members[0], "good").json
    second = grading.grade(grading.members[1], "excellent").json
    theirs = grading.grade(
        grading.outsider,
        "fair",
        grading.other_secretary,
        community=grading.place.other_community,
    ).json
    url = f"/api/v1/periods/{grading.period}/evaluations"

    def ids(headers: dict[str, str], query: str = "") -> list[int]:
        response = grading.get(f"{url}{query}", headers)
        assert response.status_code == 200, response.json
        return [e["id"] for e in response.json["items"]]

    assert ids(grading.secretary) == [second["id"], first["id"]]
    assert ids(grading.other_secretary) == [theirs["id"]]
    assert ids(grading.street_admin) == [theirs["id"], second["id"], first["id"]]
    assert ids(grading.org_admin, "?grade=excellent") == [second["id"]]
    assert ids(grading.org_admin, f"?area_id={grading.place.other_community.id}") == [theirs["id"]]
    assert ids(grading.org_admin, "?limit=1") == [theirs["id"]]
    other = make_city()
    refused = grading.get(url, grading.admin(Role.ORG_ADMIN, other.city))
    assert (refused.status_code, refused.json["code"]) == (403, "auth.forbidden")
    assert grading.get(url, grading.member).status_code == 403
    assert grading.get(f"{url}?area_id=999999", grading.org_admin).status_code == 404


def test_versions_are_read_within_scope(grading: Grading) -> None:
    given = grading.grade(grading.members[0], "good").json
    url = f"/api/v1/evaluations/{given['id']}/versions"
    assert grading.get(url, grading.street_admin).status_code == 200
    assert grading.get(url, grading.other_secretary).status_code == 404  # as if unknown
    assert grading.get(url, grading.member).status_code == 403
    unknown = grading.get("/api/v1/evaluations/999999/versions", grading.org_admin)
    assert (unknown.status_code, unknown.json["code"]) == (404, "evaluation.not_found")


def test_a_member_sees_only_their_own(grading: Grading) -> None:
    grading.grade(grading.members[0], "poor", reason="未完成年度服务要求", comment="望改进")
    grading.grade(grading.members[1], "excellent")

    mine = grading.get("/api/v1/me/evaluations", grading.member)

    assert mine.status_code == 200, mine.json
    [evaluation] = mine.json["items"]
    assert evaluation["period"]["id"] == grading.period
    assert evaluation["period"]["kind"] == "year"
    assert (evaluation["grade"], evaluation["grade_label"]) == ("poor", "不合格")
    assert (evaluation["comment"], evaluation["reason"]) == ("望改进", "未完成年度服务要求")
    assert mine.json["next_cursor"] is None
    nobody = grading.get("/api/v1/me/evaluations", grading.street_admin)
    assert (nobody.status_code, nobody.json["code"]) == (404, "member.not_registered")
