"""Grading a list at once: every item is written, or (one refused) none, naming the item."""

from __future__ import annotations

from typing import Any

from sunshine.evaluations.models import Evaluation, EvaluationVersion
from sunshine.security.models import SecurityEvent
from tests.builders import count
from tests.evaluations.conftest import Grading, lock


def _post(grading: Grading, items: list[dict[str, Any]], headers: Any = None, **extra: Any) -> Any:
    return grading.client.post(
        grading.url(), json={"items": items, **extra}, headers=headers or grading.secretary
    )


def test_a_list_is_graded_at_once(grading: Grading) -> None:
    first, second, third = grading.members
    events = count(SecurityEvent)

    response = _post(
        grading,
        [
            {"member_id": first, "grade": "excellent", "comment": "表率"},
            {"member_id": second, "grade": "good"},
            {"member_id": third, "grade": "poor", "reason": "全年零服务"},
        ],
    )

    assert response.status_code == 200, response.json
    assert [(e["member_id"], e["grade"]) for e in response.json["items"]] == [
        (first, "excellent"),
        (second, "good"),
        (third, "poor"),
    ]
    assert count(Evaluation) == 3 and count(EvaluationVersion) == 3
    assert count(SecurityEvent) == events + 3


def test_one_refused_item_writes_nothing(grading: Grading) -> None:
    first, second, _ = grading.members
    grading.set_cap(34)  # one 优秀 of three
    events = count(SecurityEvent)
    lists = [
        # not the community's member, third in the list
        [
            {"member_id": first, "grade": "good"},
            {"member_id": second, "grade": "good"},
            {"member_id": grading.outsider, "grade": "good"},
        ],
        # the second 优秀 goes over the cap
        [{"member_id": first, "grade": "excellent"}, {"member_id": second, "grade": "excellent"}],
        # 不合格 without its reason
        [{"member_id": first, "grade": "good"}, {"member_id": second, "grade": "poor"}],
        # an unknown member
        [{"member_id": first, "grade": "good"}, {"member_id": 999_999, "grade": "good"}],
    ]

    answers = [_post(grading, items) for items in lists]

    assert [(r.status_code, r.json["code"]) for r in answers] == [
        (409, "evaluation.not_in_community"),
        (409, "evaluation.excellent_cap"),
        (422, "evaluation.reason_required"),
        (404, "member.not_found"),
    ]
    assert [list(r.json["fields"]["items"]) for r in answers] == [["2"], ["1"], ["1"], ["1"]]
    assert answers[0].json["message"].startswith("第 3 项")
    assert count(Evaluation) == 0 and count(SecurityEvent) == events


def test_bad_lists_are_422(grading: Grading) -> None:
    first = grading.members[0]
    answers = [
        _post(grading, []),
        _post(grading, [{"member_id": first, "grade": "good"}] * 2),
        _post(grading, [{"member_id": first, "grade": "best"}]),
        _post(grading, [{"member_id": first}]),
    ]
    assert [(r.status_code, r.json["code"]) for r in answers] == [(422, "request.invalid")] * 4
    assert answers[1].json["fields"] == {"items": {"1": {"member_id": ["同一党员在列表中重复"]}}}
    assert count(Evaluation) == 0


def test_a_locked_period_takes_a_list_only_from_the_org_admin(grading: Grading) -> None:
    items = [{"member_id": m, "grade": "good"} for m in grading.members]
    lock(grading.period)

    refused = _post(grading, items)
    no_reason = _post(grading, items, grading.org_admin)
    done = _post(grading, items, grading.org_admin, change_reason="锁定后补评")

    assert (refused.status_code, refused.json["code"]) == (409, "period.locked")
    assert (no_reason.status_code, no_reason.json["code"]) == (
        422,
        "evaluation.change_reason_required",
    )
    assert done.status_code == 200, done.json
    assert count(EvaluationVersion) == 3


def test_a_list_from_outside_the_community_is_403(grading: Grading) -> None:
    items = [{"member_id": m, "grade": "good"} for m in grading.members]
    answers = [
        _post(grading, items, headers)
        for headers in (grading.other_secretary, grading.street_admin, grading.member)
    ]
    assert [(r.status_code, r.json["code"]) for r in answers] == [(403, "auth.forbidden")] * 3
    assert count(Evaluation) == 0
