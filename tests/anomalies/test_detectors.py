"""The detectors, run as jobs by the jobs runner, and what a reviewer then lists over HTTP:
one anomaly per (kind, subject) however often they run, with links to the evidence."""

from __future__ import annotations

from datetime import time, timedelta

from flask import Flask
from sqlalchemy import select, update

from sunshine import clock
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.hours.calendar import add_working_days
from sunshine.hours.models import HoursEntry, LedgerKind
from sunshine.security.models import SecurityEvent
from tests.anomalies.conftest import Scene, detect
from tests.builders import count


def _evidence(item: dict) -> list[tuple[str, int]]:
    return sorted((e["kind"], e["id"]) for e in item["evidence"])


# Overlaps ----------------------------------------------------------------------------------------


def test_overlapping_records_of_a_member_are_one_anomaly_of_the_later_record(
    scene: Scene,
) -> None:
    first = scene.record(start=time(9), minutes=180)  # 9:00–12:00
    second = scene.record(start=time(11), minutes=120)  # 11:00–13:00: an hour shared
    touching = scene.record(start=time(13), minutes=60)  # 13:00–14:00: touches, shares nothing
    other_id, _ = scene.new_member()
    scene.record(other_id, start=time(9), minutes=180)  # another member at the same time

    result = detect("scan_records")
    again = detect("scan_records")

    assert result == {"read": 4, "found": 1}
    assert again == {"read": 0, "found": 0}
    (item,) = scene.anomalies(kind="overlap")
    assert (item["record_id"], item["member"]["id"], item["status"]) == (
        second,
        scene.member_id,
        "open",
    )
    assert _evidence(item) == [("record", first), ("record", second)]
    assert item["detail"] == {"overlaps": [{"record_id": first, "minutes": 60}]}
    assert item["area"]["id"] == scene.place.community.id
    assert (item["kind_label"], item["status_label"]) == ("服务时间重叠", "待复核")
    assert touching not in {i["record_id"] for i in scene.anomalies()}


def test_a_record_rejected_before_the_detector_reads_it_is_left_alone(scene: Scene) -> None:
    scene.record(start=time(9), minutes=180)
    second = scene.record(start=time(10), minutes=120)
    rejected = scene.client.post(
        f"/api/v1/service-records/{second}/reject", json={"reason": "重复"}, headers=scene.secretary
    )

    result = detect("scan_records")

    assert rejected.status_code == 200
    assert result == {"read": 2, "found": 0}
    assert scene.anomalies() == []


# Long days -------------------------------------------------------------------------------------


def test_more_than_ten_hours_in_a_day_is_one_anomaly_that_gains_later_records(
    scene: Scene,
) -> None:
    morning = scene.record(start=time(7), minutes=240)
    midday = scene.record(start=time(11), minutes=240)
    evening = scene.record(start=time(15), minutes=180)  # 660 minutes in all
    other_id, _ = scene.new_member()
    scene.record(other_id, start=time(8), minutes=600)  # exactly 10 hours: not more

    found = detect("scan_records")
    late = scene.record(start=time(19), minutes=60)
    again = detect("scan_records")

    assert (found["found"], again["found"]) == (1, 0)
    (item,) = scene.anomalies(kind="long_day")
    assert item["record_id"] == evening  # the record that took the day over, when found
    assert item["detail"] == {"minutes": 660}
    assert item["day"] == clock.today().isoformat()
    assert _evidence(item) == [("record", r) for r in sorted([morning, midday, evening, late])]
    assert "超过 10 小时" in item["summary"]


def test_a_reviewed_long_day_does_not_gain_evidence(scene: Scene) -> None:
    scene.record(start=time(7), minutes=360)
    scene.record(start=time(13), minutes=300)
    detect("scan_records")
    (item,) = scene.anomalies(kind="long_day")
    assert scene.review(item["id"], outcome="no_problem").status_code == 200

    scene.record(start=time(19), minutes=60)
    detect("scan_records")

    (after,) = scene.anomalies(kind="long_day")
    assert _evidence(after) == _evidence(item)
    assert after["status"] == "closed"


# Flags -----------------------------------------------------------------------------------------


def test_each_flag_of_a_record_is_an_anomaly_of_its_own(scene: Scene) -> None:
    flagged = scene.record(flags=("hand_recorded", "walk_in"))
    scene.record(start=time(14))  # no flag

    result = detect("scan_records")

    assert result == {"read": 2, "found": 2}
    kinds = sorted((i["kind"], i["record_id"]) for i in scene.anomalies())
    assert kinds == [("hand_recorded", flagged), ("walk_in", flagged)]


# The CLI and the settling window ---------------------------------------------------------------


def test_the_jobs_command_leaves_a_record_younger_than_the_settling_window_for_later(
    app: Flask, scene: Scene
) -> None:
    scene.record(start=time(9), minutes=180)
    scene.record(start=time(10), minutes=60)

    now = app.test_cli_runner().invoke(args=["jobs", "run", "--only", "anomalies.scan_records"])
    later = detect("scan_records")

    assert now.exit_code == 0, now.output
    assert 'anomalies.scan_records: {"read": 0, "found": 0}' in now.output
    assert later == {"read": 2, "found": 1}


# Late confirmations ----------------------------------------------------------------------------


def test_a_confirmation_after_the_tenth_working_day_is_late_and_on_it_is_not(
    scene: Scene,
) -> None:
    today = clock.today()
    on_time = today - timedelta(days=1)  # the earliest day whose deadline is still today or later
    while add_working_days(on_time - timedelta(days=1), 10) >= today:
        on_time -= timedelta(days=1)
    late_day = on_time - timedelta(days=1)
    punctual = scene.record(service_date=on_time)
    late = scene.record(service_date=late_day, start=time(14))
    scene.confirm(punctual, late)

    result = detect("scan_ledger")
    again = detect("scan_ledger")

    assert result == {"read": 2, "found": 1}
    assert again == {"read": 0, "found": 0}
    (item,) = scene.anomalies(kind="late_confirmation")
    entry = db.session.scalar(
        select(HoursEntry.id).where(HoursEntry.record_id == late, HoursEntry.kind == "confirm")
    )
    assert item["record_id"] == late
    assert _evidence(item) == [("hours_entry", entry), ("record", late)]
    assert item["detail"] == {
        "confirmed_on": today.isoformat(),
        "deadline": add_working_days(late_day, 10).isoformat(),
    }


# Refused self-confirmations --------------------------------------------------------------------


def test_refused_self_confirmations_are_logged_and_found_once_per_record(scene: Scene) -> None:
    own_id, own_headers = scene.member_admin()
    own = scene.record(own_id)
    other = scene.record(own_id, start=time(14))
    url = "/api/v1/service-records"

    single = scene.client.post(f"{url}/{own}/confirm", headers=own_headers)
    twice = scene.client.post(f"{url}/{own}/confirm", headers=own_headers)
    bulk = scene.client.post(f"{url}/confirm", json={"ids": [other]}, headers=own_headers)
    result = detect("scan_refusals")
    again = detect("scan_refusals")

    assert [r.status_code for r in (single, twice, bulk)] == [403, 403, 403]
    assert {r.json["code"] for r in (single, twice, bulk)} == {"record.own"}
    events = db.session.scalars(
        select(SecurityEvent.id)
        .where(SecurityEvent.reason == "record.own")
        .order_by(SecurityEvent.id)
    ).all()
    assert len(events) == 3
    assert (result["refusals"], result["found"]) == (3, 2)  # "read": every event since
    assert again == {"read": 0, "refusals": 0, "found": 0}
    items = {i["record_id"]: i for i in scene.anomalies(kind="self_confirmation")}
    assert set(items) == {own, other}
    assert _evidence(items[own]) == [
        ("record", own),
        ("security_event", events[0]),
        ("security_event", events[1]),
    ]
    assert _evidence(items[other]) == [("record", other), ("security_event", events[2])]
    assert items[own]["summary"] == "管理员试图确认本人的服务记录（已被拒绝）"


# Adjustments after a lock ----------------------------------------------------------------------


def test_an_adjustment_written_after_its_period_was_locked_is_found(scene: Scene) -> None:
    period_id = scene.year_period()
    before, after = scene.record(), scene.record(start=time(14))
    scene.confirm(before, after)
    for record_id in (before, after):
        adjusted = scene.client.post(
            f"/api/v1/service-records/{record_id}/adjustments",
            json={"minutes": 30, "reason": "补记准备时间"},
            headers=scene.secretary,
        )
        assert adjusted.status_code == 201, adjusted.json
    first, second = db.session.execute(
        select(HoursEntry.id, HoursEntry.created_at)
        .where(HoursEntry.kind == LedgerKind.ADJUST)
        .order_by(HoursEntry.id)
    ).all()
    # Locked between the two adjustments (the lock's own rules are another part of the audit).
    locked_at = first.created_at + (second.created_at - first.created_at) / 2
    db.session.execute(update(Period).where(Period.id == period_id).values(locked_at=locked_at))
    db.session.commit()

    result = detect("scan_ledger")

    assert result == {"read": 4, "found": 1}
    (item,) = scene.anomalies(kind="adjust_after_lock")
    assert item["record_id"] == after
    assert _evidence(item) == [("hours_entry", second.id), ("record", after)]
    assert (item["detail"]["period_id"], item["detail"]["amount"]) == (period_id, 30)


# Outliers --------------------------------------------------------------------------------------


def test_a_member_far_above_the_community_is_an_outlier_of_the_period(scene: Scene) -> None:
    period_id = scene.year_period()
    today = clock.today()
    members = [scene.member_id] + [scene.new_member()[0] for _ in range(9)]
    heavy_id, _ = scene.new_member()
    edge_id, _ = scene.new_member()
    records = [scene.record(m, service_date=today) for m in members]  # 120 minutes each
    # Q1 = Q3 = 120, IQR floored at 60: the fence is 120 + 3 × 60 = 300 minutes.
    records += [scene.record(edge_id, minutes=300, service_date=today)]
    records += [scene.record(heavy_id, minutes=240, service_date=today) for _ in range(3)]
    scene.confirm(*records)
    unconfirmed = scene.record(edge_id, minutes=60, service_date=today)  # pending: not counted

    result = detect("scan_outliers")
    again = detect("scan_outliers")

    assert result == {"read": len(records), "communities": 1, "found": 1}
    assert again == {"read": 0, "communities": 0, "found": 0}
    (item,) = scene.anomalies(kind="outlier")
    assert (item["member"]["id"], item["record_id"], item["area"]["id"]) == (
        heavy_id,
        None,
        scene.place.community.id,
    )
    assert item["evidence"] == []
    assert item["detail"] == {
        "period_id": period_id,
        "minutes": 720,
        "members": 12,
        "q1": 120.0,
        "median": 120.0,
        "q3": 120.0,
        "iqr": 0.0,
        "limit": 300.0,
    }
    assert unconfirmed not in {i["record_id"] for i in scene.anomalies()}


def test_a_community_with_fewer_than_ten_serving_members_has_no_outliers(scene: Scene) -> None:
    scene.year_period()
    today = clock.today()
    members = [scene.member_id] + [scene.new_member()[0] for _ in range(7)]
    heavy_id, _ = scene.new_member()
    records = [scene.record(m, service_date=today) for m in members]
    records += [scene.record(heavy_id, minutes=900, service_date=today)]
    scene.confirm(*records)

    result = detect("scan_outliers")

    assert result == {"read": 9, "communities": 1, "found": 0}
    assert count(Anomaly) == 0


def test_without_a_period_the_city_has_no_outliers(scene: Scene) -> None:
    records = [scene.record(scene.new_member()[0]) for _ in range(11)]
    scene.confirm(*records)

    result = detect("scan_outliers")

    assert result == {"read": 11, "communities": 1, "found": 0}
    assert db.session.scalar(select(Anomaly.id).where(Anomaly.kind == AnomalyKind.OUTLIER)) is None


def test_every_refused_decision_on_ones_own_record_is_logged_with_its_action(
    scene: Scene,
) -> None:
    own_id, own_headers = scene.member_admin()
    pending, confirmed, rejected = (scene.record(own_id, start=time(h)) for h in (7, 11, 15))
    scene.confirm(confirmed)
    url = "/api/v1/service-records"
    scene.client.post(
        f"{url}/{rejected}/reject", json={"reason": "未到岗"}, headers=scene.secretary
    )
    asked = scene.client.post(
        f"{url}/{rejected}/corrections",
        json={"proposed_minutes": 60, "reason": "实际到岗"},
        headers=own_headers,
    )
    assert asked.status_code == 201, asked.json

    attempts = [
        scene.client.post(f"{url}/{pending}/reject", json={"reason": "x"}, headers=own_headers),
        scene.client.post(
            f"{url}/{confirmed}/adjustments",
            json={"minutes": 60, "reason": "x"},
            headers=own_headers,
        ),
        scene.client.post(f"/api/v1/corrections/{asked.json['id']}/accept", headers=own_headers),
    ]
    detect("scan_refusals")

    assert [(r.status_code, r.json["code"]) for r in attempts] == [(403, "record.own")] * 3
    actions = db.session.execute(
        select(SecurityEvent.action, SecurityEvent.object_id)
        .where(SecurityEvent.reason == "record.own")
        .order_by(SecurityEvent.id)
    ).all()
    assert [tuple(a) for a in actions] == [
        ("hours.reject", str(pending)),
        ("hours.adjust", str(confirmed)),
        ("hours.correction", str(rejected)),
    ]
    summaries = {i["record_id"]: i["summary"] for i in scene.anomalies(kind="self_confirmation")}
    assert summaries == {
        pending: "管理员试图驳回本人的服务记录（已被拒绝）",
        confirmed: "管理员试图调整本人服务记录的时长（已被拒绝）",
        rejected: "管理员试图处理本人服务记录的更正申请（已被拒绝）",
    }
