"""Working days (Monday–Friday with the holiday table overriding), the holiday endpoints,
and the job that flags records unconfirmed 10 working days after the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours.calendar import add_working_days, is_working_day
from sunshine.hours.jobs import OVERDUE_AFTER_WORKING_DAYS, overdue_before
from sunshine.hours.models import Holiday, RecordStatus, ServiceRecord
from sunshine.jobs.runner import run_due
from tests.builders import count
from tests.hours.conftest import Scene

NATIONAL_DAY = [date(2026, 10, d) for d in range(1, 8)]  # Thursday 1 to Wednesday 7 October
MAKE_UP_DAYS = [date(2026, 9, 27), date(2026, 10, 10)]  # Sunday and Saturday worked (调休)


@pytest.fixture
def national_day(app: Any) -> None:
    db.session.add_all(Holiday(day=d, workday=False, name="国庆节") for d in NATIONAL_DAY)
    db.session.add_all(Holiday(day=d, workday=True, name="国庆节调休") for d in MAKE_UP_DAYS)
    db.session.commit()


# Counting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 11, 27), 0, date(2026, 11, 27)),  # Friday, no days added
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday → Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday → Monday
        (date(2026, 11, 30), -1, date(2026, 11, 27)),  # back over the weekend
        (date(2026, 11, 2), 10, date(2026, 11, 16)),
    ],
)
def test_working_days_are_monday_to_friday(app: Any, day: date, n: int, expected: date) -> None:
    assert add_working_days(day, n) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 9, 25), 1, date(2026, 9, 27)),  # Friday → the Sunday worked
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over the whole holiday week
        (date(2026, 10, 8), 2, date(2026, 10, 10)),  # Friday 9, then Saturday 10 worked
        (date(2026, 10, 8), -1, date(2026, 9, 30)),
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # from inside the holiday
        (date(2026, 9, 28), 10, date(2026, 10, 16)),
        (date(2026, 10, 19), -10, date(2026, 9, 29)),
    ],
)
def test_the_holiday_table_overrides_weekdays_and_weekends(
    national_day: None, day: date, n: int, expected: date
) -> None:
    assert add_working_days(day, n) == expected


def test_is_working_day_with_overrides(national_day: None) -> None:
    assert not is_working_day(date(2026, 10, 1))  # a Thursday holiday
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 12))


def test_a_long_run_of_holidays_is_counted_across_windows(app: Any) -> None:
    start = date(2027, 1, 4)  # a Monday
    db.session.add_all(
        Holiday(day=start + timedelta(days=i), workday=False, name="长假") for i in range(1, 100)
    )
    db.session.commit()
    assert add_working_days(start, 1) == start + timedelta(days=100)
    assert add_working_days(start + timedelta(days=100), -1) == start


# The overdue job -------------------------------------------------------------------------------


def _at_shanghai(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def test_overdue_cutoff_agrees_with_counting_forward(national_day: None) -> None:
    today = date(2026, 10, 19)
    cutoff = overdue_before(_at_shanghai(today))
    for offset in range(60):
        service_date = today - timedelta(days=offset)
        deadline = add_working_days(service_date, OVERDUE_AFTER_WORKING_DAYS)
        assert (service_date < cutoff) == (deadline < today), service_date


def _dated(scene: Scene, day: date, status: RecordStatus = RecordStatus.PENDING) -> int:
    record_id = scene.record(service_date=day)
    if status != RecordStatus.PENDING:
        db.session.execute(
            update(ServiceRecord).where(ServiceRecord.id == record_id).values(status=status)
        )
        db.session.commit()
    return record_id


def _overdue(record_id: int) -> bool:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record.overdue


def test_job_flags_pending_records_ten_working_days_after_the_service(
    national_day: None, scene: Scene
) -> None:
    late = _dated(scene, date(2026, 9, 28))  # its 10th working day was Friday 16 October
    in_time = _dated(scene, date(2026, 9, 29))  # its 10th working day is today, 19 October
    decided = _dated(scene, date(2026, 9, 1), RecordStatus.CONFIRMED)

    result = run_due(_at_shanghai(date(2026, 10, 19)), only="hours.flag_overdue")

    assert result == {"hours.flag_overdue": {"flagged": 1}}
    assert (_overdue(late), _overdue(in_time), _overdue(decided)) == (True, False, False)
    again = run_due(_at_shanghai(date(2026, 10, 19), hour=10), only="hours.flag_overdue")
    assert again == {"hours.flag_overdue": {"flagged": 0}}


def test_job_counts_today_in_shanghai_not_utc(national_day: None, scene: Scene) -> None:
    record_id = _dated(scene, date(2026, 9, 29))
    # 23:30 UTC on Monday 19 October is already Tuesday 20 October in Shanghai.
    run_due(datetime(2026, 10, 19, 23, 30, tzinfo=UTC), only="hours.flag_overdue")
    assert _overdue(record_id)


def test_without_the_holiday_table_the_same_records_are_counted_differently(
    scene: Scene,
) -> None:
    # No holidays: the 10th working day after 29 September is 13 October.
    record_id = _dated(scene, date(2026, 9, 29))
    run_due(_at_shanghai(date(2026, 10, 14)), only="hours.flag_overdue")
    assert _overdue(record_id)


def test_records_list_filters_overdue(national_day: None, scene: Scene) -> None:
    late, in_time = _dated(scene, date(2026, 9, 28)), _dated(scene, date(2026, 9, 29))
    run_due(_at_shanghai(date(2026, 10, 19)), only="hours.flag_overdue")

    overdue = scene.get("/api/v1/service-records?overdue=true").json["items"]
    not_overdue = scene.get("/api/v1/service-records?overdue=false").json["items"]

    assert [(r["id"], r["overdue"]) for r in overdue] == [(late, True)]
    assert [r["id"] for r in not_overdue] == [in_time]


def test_an_overdue_record_can_still_be_confirmed_and_keeps_the_flag(
    national_day: None, scene: Scene
) -> None:
    late = _dated(scene, date(2026, 9, 28))
    run_due(_at_shanghai(date(2026, 10, 19)), only="hours.flag_overdue")
    response = scene.post(f"/api/v1/service-records/{late}/confirm")
    assert (response.status_code, response.json["overdue"]) == (200, True)


# The holiday endpoints --------------------------------------------------------------------------


def test_org_admin_enters_lists_replaces_and_removes_holidays(scene: Scene) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    client = scene.client

    created = client.put(
        "/api/v1/holidays/2026-10-01", json={"workday": False, "name": "国庆节"}, headers=org
    )
    client.put(
        "/api/v1/holidays/2026-09-27", json={"workday": True, "name": "国庆调休"}, headers=org
    )
    client.put("/api/v1/holidays/2027-01-01", json={"workday": False, "name": "元旦"}, headers=org)
    replaced = client.put(
        "/api/v1/holidays/2026-10-01", json={"workday": False, "name": "国庆"}, headers=org
    )
    listed = client.get("/api/v1/holidays?year=2026", headers=org)
    removed = client.delete("/api/v1/holidays/2026-09-27", headers=org)
    after = client.get("/api/v1/holidays?year=2026", headers=org)

    assert (created.status_code, replaced.status_code) == (201, 200)
    assert replaced.json == {"day": "2026-10-01", "workday": False, "name": "国庆"}
    assert listed.json == [
        {"day": "2026-09-27", "workday": True, "name": "国庆调休"},
        {"day": "2026-10-01", "workday": False, "name": "国庆"},
    ]
    assert removed.status_code == 204
    assert [h["day"] for h in after.json] == ["2026-10-01"]
    assert count(Holiday) == 2


def test_sys_admin_manages_holidays_too(scene: Scene) -> None:
    admin = scene.admin(Role.SYS_ADMIN)
    response = scene.client.put(
        "/api/v1/holidays/2026-10-02", json={"workday": False, "name": "国庆节"}, headers=admin
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["member", "secretary"])
def test_holidays_are_not_for_members_or_secretaries(scene: Scene, who: str) -> None:
    headers = scene.member if who == "member" else scene.secretary
    client = scene.client
    put = client.put(
        "/api/v1/holidays/2026-10-01", json={"workday": False, "name": "国庆"}, headers=headers
    )
    assert put.status_code == 403
    assert client.get("/api/v1/holidays", headers=headers).status_code == 403
    assert client.delete("/api/v1/holidays/2026-10-01", headers=headers).status_code == 403
    assert count(Holiday) == 0


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/holidays/2026-13-01", {"workday": False, "name": "错"}),
        ("/api/v1/holidays/tomorrow", {"workday": False, "name": "错"}),
        ("/api/v1/holidays/2026-10-01", {"workday": "maybe", "name": "错"}),
        ("/api/v1/holidays/2026-10-01", {"workday": False}),
        ("/api/v1/holidays/2026-10-01", {"workday": False, "name": "节" * 31}),
    ],
)
def test_bad_holiday_input_is_422(scene: Scene, url: str, body: dict[str, Any]) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    response = scene.client.put(url, json=body, headers=org)
    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert count(Holiday) == 0


def test_removing_a_day_without_an_override_is_404(scene: Scene) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    response = scene.client.delete("/api/v1/holidays/2026-10-01", headers=org)
    assert (response.status_code, response.json["code"]) == (404, "holiday.not_found")


def test_holiday_year_out_of_range_is_422(scene: Scene) -> None:
    org = scene.admin(Role.ORG_ADMIN, scene.place.city)
    assert scene.client.get("/api/v1/holidays?year=1999", headers=org).status_code == 422
