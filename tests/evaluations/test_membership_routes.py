"""Which community grades a member for a period: the community of their last report-in that
was active at some moment of it, even if it has ended since (or during) the period."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sunshine import clock
from sunshine.evaluations.models import Evaluation
from sunshine.extensions import db
from sunshine.reportin.models import ReportIn
from tests.builders import count
from tests.evaluations.conftest import Grading, report_in, unreported_member

LAST = clock.today().year - 1


@pytest.fixture
def quarters(grading: Grading) -> dict[str, int]:
    """Last year's quarters and the year itself (all over)."""
    made = {
        "q1": grading.make_period("quarter", f"{LAST}-01-01", f"{LAST}-03-31"),
        "q2": grading.make_period("quarter", f"{LAST}-04-01", f"{LAST}-06-30"),
        "q3": grading.make_period("quarter", f"{LAST}-07-01", f"{LAST}-09-30"),
        "year": grading.make_period("year", f"{LAST}-01-01", f"{LAST}-12-31"),
    }
    return made


def _answer(grading: Grading, member: int, period: int, *, other: bool = False) -> object:
    if other:
        response = grading.grade(
            member,
            headers=grading.other_secretary,
            period=period,
            community=grading.place.other_community,
        )
    else:
        response = grading.grade(member, period=period)
    return response.status_code if response.status_code == 200 else response.json["code"]


def test_a_report_in_ended_during_a_period_is_graded_for_it(
    grading: Grading, quarters: dict[str, int]
) -> None:
    member = unreported_member(grading.place)
    report_in(member, grading.place.community, began=f"{LAST}-02-10", ended=f"{LAST}-05-15")

    assert [_answer(grading, member, quarters[q]) for q in ("q1", "q2", "q3", "year")] == [
        200,
        200,
        "evaluation.not_in_community",  # ended before Q3 began
        200,
    ]
    # This year it is over before the period: nothing to grade.
    assert _answer(grading, member, grading.period) == "evaluation.not_in_community"


def test_a_member_who_moved_is_graded_by_the_last_community_of_the_period(
    grading: Grading, quarters: dict[str, int]
) -> None:
    member = unreported_member(grading.place)
    report_in(member, grading.place.community, began=f"{LAST}-01-05", ended=f"{LAST}-05-20")
    report_in(member, grading.place.other_community, began=f"{LAST}-05-20")

    answers = {
        (q, community): _answer(grading, member, quarters[q], other=community == "other")
        for q in ("q1", "q2", "year")
        for community in ("first", "other")
    }

    assert answers == {
        ("q1", "first"): 200,
        ("q1", "other"): "evaluation.not_in_community",
        ("q2", "first"): "evaluation.not_in_community",
        ("q2", "other"): 200,
        ("year", "first"): "evaluation.not_in_community",
        ("year", "other"): 200,
    }
    assert count(Evaluation) == 3


def test_a_report_in_begun_after_the_period_is_not_graded_for_it(
    grading: Grading, quarters: dict[str, int]
) -> None:
    member = unreported_member(grading.place)
    report_in(member, grading.place.community, began=f"{LAST}-07-01")
    assert _answer(grading, member, quarters["q2"]) == "evaluation.not_in_community"
    assert _answer(grading, member, quarters["q3"]) == 200


def test_a_report_in_ended_today_still_counts_this_year(grading: Grading) -> None:
    member = grading.members[0]
    report_in_id = db.session.scalar(select(ReportIn.id).where(ReportIn.member_id == member))
    ended = grading.client.post(
        f"/api/v1/report-ins/{report_in_id}/end",
        json={"reason": "迁出本市"},
        headers=grading.secretary,
    )
    assert ended.status_code == 200, ended.json

    assert grading.grade(member, "fair").status_code == 200
    sheet = grading.get(grading.url()).json["items"]
    [row] = [r for r in sheet if r["member_id"] == member]
    assert row["status"] == "ended" and row["ended_at"] is not None
    assert row["evaluation"]["grade"] == "fair"


def test_the_sheet_lists_who_the_community_grades_for_the_period(
    grading: Grading, quarters: dict[str, int]
) -> None:
    stayed = unreported_member(grading.place)
    report_in(stayed, grading.place.community, began=f"{LAST}-02-01", ended=f"{LAST}-05-01")
    moved = unreported_member(grading.place)
    report_in(moved, grading.place.community, began=f"{LAST}-01-05", ended=f"{LAST}-05-20")
    report_in(moved, grading.place.other_community, began=f"{LAST}-05-20")
    url = grading.url(quarters["q2"])

    first = grading.get(url)
    other = grading.get(
        grading.url(quarters["q2"], grading.place.other_community), grading.street_admin
    )

    assert first.status_code == 200, first.json
    assert [r["member_id"] for r in first.json["items"]] == [stayed]
    # The other community's own member reported in only this year.
    assert [r["member_id"] for r in other.json["items"]] == [moved]
    assert [r["status"] for r in other.json["items"]] == ["active"]
