"""Reviewing anomalies over HTTP: no problem, voiding the record through the hours domain,
sending back to the community and its answer; who sees and may do what; every refusal
writing nothing."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.extensions import db
from sunshine.hours.models import HoursEntry, LedgerKind, RecordStatus, ServiceRecord
from sunshine.members.models import Member
from sunshine.security.models import SecurityEvent
from tests.anomalies.conftest import ANOMALIES, Scene, detect
from tests.builders import count, grant, make_city, token_for
from tests.steps import published_shift


def _overlap(scene: Scene, *, confirm: bool = True) -> tuple[int, int, int]:
    """Two overlapping records of the member, found: (anomaly id, earlier, later record)."""
    earlier = scene.record(start=time(9), minutes=180)
    later = scene.record(start=time(10), minutes=120)
    if confirm:
        scene.confirm(earlier, later)
    detect("scan_records")
    anomaly = scene.only(AnomalyKind.OVERLAP)
    return anomaly.id, earlier, later


def _record(record_id: int) -> ServiceRecord:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record


def _written() -> tuple[int, int]:
    """Ledger entries and security events: what a refused review must not add to."""
    return count(HoursEntry), count(SecurityEvent)


def _events(action: str, outcome: str = "success") -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.action == action, SecurityEvent.outcome == outcome)
            .order_by(SecurityEvent.id)
        )
    )


# No problem ------------------------------------------------------------------------------------


def test_no_problem_closes_the_anomaly_keeps_the_review_and_logs_it(scene: Scene) -> None:
    anomaly_id, _, later = _overlap(scene)

    response = scene.review(anomaly_id, outcome="no_problem", note="两处活动相邻，已核实")
    twice = scene.review(anomaly_id, outcome="send_back", note="再看看")

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["outcome"], body["review_note"], body["reviewed_by_id"]) == (
        "closed",
        "no_problem",
        "两处活动相邻，已核实",
        scene.street_admin_id,
    )
    assert body["reviewed_at"] is not None and body["status_label"] == "已复核"
    assert _record(later).status == RecordStatus.CONFIRMED
    (event,) = _events("anomaly.review")
    assert (event.account_id, event.object_type, event.object_id) == (
        scene.street_admin_id,
        "anomaly",
        str(anomaly_id),
    )
    assert event.detail is not None and event.detail["outcome"] == "no_problem"
    assert (twice.status_code, twice.json["code"]) == (409, "anomaly.reviewed")
    assert scene.only(AnomalyKind.OVERLAP).outcome == "no_problem"


def test_no_problem_needs_no_note(scene: Scene) -> None:
    anomaly_id, _, _ = _overlap(scene)

    response = scene.review(anomaly_id, outcome="no_problem")

    assert response.status_code == 200, response.json
    assert response.json["review_note"] is None


# Voiding the record ----------------------------------------------------------------------------


@pytest.mark.parametrize("reviewer", ["street_admin", "org_admin"])
def test_void_record_voids_it_through_the_hours_domain_with_the_note_as_reason(
    scene: Scene, reviewer: str
) -> None:
    anomaly_id, earlier, later = _overlap(scene)
    headers = getattr(scene, reviewer)

    response = scene.review(anomaly_id, headers, outcome="void_record", note="重复记录，予以作废")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["outcome"]) == ("closed", "void_record")
    record = _record(later)
    assert (record.status, record.credited_minutes) == (RecordStatus.VOIDED, 0)
    void = db.session.scalar(
        select(HoursEntry).where(HoursEntry.record_id == later, HoursEntry.kind == LedgerKind.VOID)
    )
    assert void is not None and (void.amount, void.reason) == (-120, "重复记录，予以作废")
    assert _record(earlier).status == RecordStatus.CONFIRMED
    assert [e.object_id for e in _events("hours.void")] == [str(later)]
    (event,) = _events("anomaly.review")
    assert event.detail is not None and event.detail["record_id"] == later


def test_void_record_may_pick_another_record_of_the_evidence(scene: Scene) -> None:
    anomaly_id, earlier, later = _overlap(scene)
    stranger = scene.record(start=time(15))
    scene.confirm(stranger)
    before = _written()

    outside = scene.review(anomaly_id, outcome="void_record", note="作废", record_id=stranger)
    written = _written()
    chosen = scene.review(
        anomaly_id, outcome="void_record", note="作废较早的一条", record_id=earlier
    )

    assert (outside.status_code, outside.json["code"]) == (422, "anomaly.not_evidence")
    assert "record_id" in outside.json["fields"]
    assert written == before
    assert chosen.status_code == 200, chosen.json
    assert (_record(earlier).status, _record(later).status) == (
        RecordStatus.VOIDED,
        RecordStatus.CONFIRMED,
    )


def test_voiding_a_record_that_is_not_confirmed_is_refused_and_writes_nothing(
    scene: Scene,
) -> None:
    anomaly_id, _, later = _overlap(scene, confirm=False)
    before = _written()

    response = scene.review(anomaly_id, outcome="void_record", note="作废")

    assert (response.status_code, response.json["code"]) == (409, "record.not_confirmed")
    assert _written() == before
    assert scene.only(AnomalyKind.OVERLAP).status == "open"
    assert _record(later).status == RecordStatus.PENDING


def test_an_anomaly_without_a_record_cannot_void_one(scene: Scene) -> None:
    scene.year_period()
    today = clock.today()
    records = [scene.record(scene.new_member()[0], service_date=today) for _ in range(10)]
    heavy, _ = scene.new_member()
    records += [scene.record(heavy, minutes=720, service_date=today)]
    scene.confirm(*records)
    detect("scan_outliers")
    anomaly = scene.only(AnomalyKind.OUTLIER)
    before = _written()

    response = scene.review(anomaly.id, outcome="void_record", note="作废")

    assert (response.status_code, response.json["code"]) == (422, "anomaly.no_record")
    assert _written() == before
    assert scene.only(AnomalyKind.OUTLIER).status == "open"


def test_a_reviewer_cannot_void_their_own_record(scene: Scene) -> None:
    own_id, _ = scene.member_admin()
    earlier = scene.record(own_id, start=time(9), minutes=180)
    later = scene.record(own_id, start=time(10), minutes=120)
    scene.confirm(earlier, later)
    detect("scan_records")
    anomaly = scene.only(AnomalyKind.OVERLAP)
    # The member is also a street admin of the street: a reviewer of their own anomaly.
    member = db.session.get(Member, own_id)
    assert member is not None
    grant(member.account, Role.STREET_ADMIN, scene.place.street)
    headers = token_for(member.account_id)
    entries = count(HoursEntry)

    response = scene.review(anomaly.id, headers, outcome="void_record", note="作废")

    assert (response.status_code, response.json["code"]) == (403, "record.own")
    assert count(HoursEntry) == entries
    assert scene.only(AnomalyKind.OVERLAP).status == "open"
    assert _events("anomaly.review") == []


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "delete"}, "outcome"),
        ({}, "outcome"),
        ({"outcome": "void_record"}, "note"),
        ({"outcome": "send_back", "note": "  "}, "note"),
        ({"outcome": "no_problem", "record_id": 1}, "record_id"),
        ({"outcome": "no_problem", "extra": 1}, "extra"),
    ],
)
def test_bad_reviews_are_422_naming_the_field_and_write_nothing(
    scene: Scene, body: dict[str, Any], field: str
) -> None:
    anomaly_id, _, _ = _overlap(scene)
    before = _written()

    response = scene.review(anomaly_id, **body)

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert field in response.json["fields"]
    assert _written() == before
    assert scene.only(AnomalyKind.OVERLAP).status == "open"


# Who may ---------------------------------------------------------------------------------------


def test_reviews_outside_the_reviewers_scope_are_refused(scene: Scene) -> None:
    anomaly_id, _, _ = _overlap(scene)
    other_city_admin = scene.admin(Role.ORG_ADMIN, make_city("介休市").city)
    before = _written()

    other_street = scene.review(anomaly_id, scene.other_street_admin, outcome="no_problem")
    community = scene.review(anomaly_id, scene.secretary, outcome="no_problem")
    member = scene.review(anomaly_id, scene.member, outcome="no_problem")
    other_city = scene.review(anomaly_id, other_city_admin, outcome="no_problem")

    # Reviewers of another street or city are told the anomaly does not exist; the community
    # and the member do not review anomalies anywhere (403, before the body is read).
    assert [(r.status_code, r.json["code"]) for r in (other_street, other_city)] == [
        (404, "anomaly.not_found")
    ] * 2
    assert [(r.status_code, r.json["code"]) for r in (community, member)] == [
        (403, "auth.forbidden")
    ] * 2
    entries, events = before
    assert _written() == (entries, events + 4)  # the ledgers untouched, each refusal logged
    assert scene.only(AnomalyKind.OVERLAP).status == "open"


def test_an_unknown_anomaly_is_404_for_a_reviewer_and_403_for_a_member(scene: Scene) -> None:
    reviewer = scene.review(2**40, outcome="no_problem")
    member = scene.review(2**40, scene.member, outcome="no_problem")
    detail = scene.client.get(f"{ANOMALIES}/{2**40}", headers=scene.street_admin)

    assert (reviewer.status_code, reviewer.json["code"]) == (404, "anomaly.not_found")
    assert member.status_code == 403
    assert (detail.status_code, detail.json["code"]) == (404, "anomaly.not_found")


# Sending back and answering --------------------------------------------------------------------


def test_sent_back_the_community_sees_and_answers_it_once(scene: Scene) -> None:
    anomaly_id, _, _ = _overlap(scene)
    detail_url = f"{ANOMALIES}/{anomaly_id}"
    hidden = scene.client.get(detail_url, headers=scene.secretary)
    listed_before = scene.anomalies(scene.secretary)
    early_answer = scene.answer(anomaly_id, note="已核实")

    sent = scene.review(anomaly_id, outcome="send_back", note="请社区核实两条记录")
    shown = scene.client.get(detail_url, headers=scene.secretary)
    listed = scene.anomalies(scene.secretary)
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    not_theirs = scene.answer(anomaly_id, other_secretary, note="x")
    not_theirs_detail = scene.client.get(detail_url, headers=other_secretary)
    by_street = scene.answer(anomaly_id, scene.street_admin, note="x")
    answered = scene.answer(anomaly_id, note="第二条为误报，已驳回更正")
    again = scene.answer(anomaly_id, note="再答复")

    assert (hidden.status_code, hidden.json["code"]) == (404, "anomaly.not_found")
    assert listed_before == []
    assert (early_answer.status_code, early_answer.json["code"]) == (409, "anomaly.not_sent_back")
    assert sent.status_code == 200 and sent.json["status"] == "sent_back"
    assert shown.status_code == 200 and shown.json["review_note"] == "请社区核实两条记录"
    assert [i["id"] for i in listed] == [anomaly_id]
    assert (not_theirs.status_code, not_theirs_detail.status_code) == (404, 404)
    assert by_street.status_code == 403
    assert answered.status_code == 200, answered.json
    assert (
        answered.json["status"],
        answered.json["answer_note"],
        answered.json["answered_by_id"],
    ) == ("answered", "第二条为误报，已驳回更正", scene.secretary_id)
    assert (again.status_code, again.json["code"]) == (409, "anomaly.not_sent_back")
    assert [i["status"] for i in scene.anomalies(scene.secretary)] == ["answered"]
    assert [e.object_id for e in _events("anomaly.answer")] == [str(anomaly_id)]


def test_an_anomaly_of_a_street_wide_task_cannot_be_sent_back(scene: Scene) -> None:
    street_task, _ = published_shift(scene.client, scene.street_admin, scene.place.street)
    scene.record(start=time(9), minutes=180, task_id=street_task)
    scene.record(start=time(10), minutes=120, task_id=street_task)
    detect("scan_records")
    anomaly = scene.only(AnomalyKind.OVERLAP)

    response = scene.review(anomaly.id, outcome="send_back", note="请核实")

    assert (response.status_code, response.json["code"]) == (409, "anomaly.not_in_community")
    assert scene.only(AnomalyKind.OVERLAP).status == "open"


# Listing ---------------------------------------------------------------------------------------


def test_each_admin_lists_the_anomalies_of_their_scope_with_filters(scene: Scene) -> None:
    earlier = clock.today() - timedelta(days=3)
    flagged = scene.record(flags=("walk_in",))
    other_member, _ = scene.new_member(scene.place.other_community)
    task_there, _ = published_shift(scene.client, scene.street_admin, scene.place.other_community)
    elsewhere = scene.record(
        other_member, flags=("hand_recorded",), task_id=task_there, day=earlier
    )
    far_task, _ = published_shift(scene.client, scene.org_admin, scene.other_community)
    far_member, _ = scene.new_member(scene.other_community)
    far = scene.record(far_member, flags=("walk_in",), task_id=far_task, day=earlier)
    detect("scan_records")

    def ids(headers: dict[str, str] | None = None, **query: Any) -> set[int | None]:
        return {i["record_id"] for i in scene.anomalies(headers, **query)}

    assert ids() == {flagged, elsewhere}
    assert ids(scene.other_street_admin) == {far}
    assert ids(scene.org_admin) == {flagged, elsewhere, far}
    assert ids(scene.org_admin, kind="walk_in") == {flagged, far}
    assert ids(scene.org_admin, area_id=scene.other_street.id) == {far}
    assert ids(scene.org_admin, member_id=other_member) == {elsewhere}
    assert ids(scene.org_admin, status="closed") == set()
    today = clock.today().isoformat()
    assert ids(scene.org_admin, day_from=today, day_to=today) == {flagged}
    member = scene.client.get(ANOMALIES, headers=scene.member)
    unknown_area = scene.client.get(
        ANOMALIES, query_string={"area_id": 2**30}, headers=scene.org_admin
    )
    backwards = scene.client.get(
        ANOMALIES,
        query_string={"day_from": "2026-02-01", "day_to": "2026-01-01"},
        headers=scene.org_admin,
    )
    assert member.status_code == 403
    assert (unknown_area.status_code, unknown_area.json["code"]) == (404, "area.not_found")
    assert (backwards.status_code, list(backwards.json["fields"])) == (422, ["day_to"])


def test_the_listing_pages_by_cursor_newest_first(scene: Scene) -> None:
    records = [scene.record(flags=("walk_in",), start=time(6 + i), minutes=60) for i in range(5)]
    detect("scan_records")
    seen: list[int] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = scene.client.get(ANOMALIES, query_string=query, headers=scene.street_admin)
        assert response.status_code == 200
        seen += [i["record_id"] for i in response.json["items"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(records))
    total = db.session.scalar(select(func.count()).select_from(Anomaly))
    assert total == 5
