"""Locking and unlocking a city's ended period over HTTP: who may, which periods, the security
log, and a locked period's requirement frozen with its records."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.test import TestResponse

from sunshine import clock
from sunshine.access.models import Role
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.audit.conftest import Audit
from tests.audit.locking import LAST_YEAR, define_period, last_quarter, lock
from tests.builders import make_city


def _period(period_id: int) -> Period:
    db.session.expire_all()
    period = db.session.get(Period, period_id)
    assert period is not None
    return period


def _events(action: str) -> list[SecurityEvent]:
    return list(db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == action)))


def _lock(audit: Audit, period_id: int, headers: dict[str, str] | None = None) -> TestResponse:
    return audit.client.post(
        f"/api/v1/periods/{period_id}/lock", headers=headers or audit.org_admin
    )


def _unlock(
    audit: Audit, period_id: int, headers: dict[str, str] | None = None, **body: object
) -> TestResponse:
    return audit.client.post(
        f"/api/v1/periods/{period_id}/unlock", json=body, headers=headers or audit.org_admin
    )


# Locking ---------------------------------------------------------------------------------------


def test_org_admin_locks_an_ended_period_and_the_lock_is_logged(audit: Audit) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)
    before = clock.now()

    response = _lock(audit, period_id)

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["id"], body["locked_by_id"]) == (period_id, audit.org_admin_id)
    assert before <= datetime.fromisoformat(body["locked_at"]) <= clock.now()
    (event,) = _events("audit.period_lock")
    assert (event.account_id, event.object_type, event.object_id) == (
        audit.org_admin_id,
        "period",
        str(period_id),
    )
    assert event.detail == {
        "city_id": audit.place.city.id,
        "kind": "year",
        "starts_on": f"{LAST_YEAR}-01-01",
        "ends_on": f"{LAST_YEAR}-12-31",
    }
    listed = audit.get(f"/api/v1/cities/{audit.place.city.id}/periods").json["items"]
    assert [(p["id"], p["locked_by_id"]) for p in listed] == [(period_id, audit.org_admin_id)]


def test_a_quarter_may_be_locked_inside_an_unlocked_year(audit: Audit) -> None:
    define_period(audit.client, audit.org_admin, audit.place.city.id)
    quarter = last_quarter(audit.client, audit.org_admin, audit.place.city.id)

    assert lock(audit.client, audit.org_admin, quarter)["locked_at"] is not None


def _ending(days_from_today: int) -> tuple[date, date]:
    """A quarter of this year whose last day is ``days_from_today`` away (at most 92 days)."""
    ends = clock.today() + timedelta(days=days_from_today)
    starts = max(date(ends.year, 1, 1), ends - timedelta(days=60))
    return starts, ends


@pytest.mark.parametrize("days_from_today", [0, 1], ids=["ends_today", "ends_tomorrow"])
def test_a_period_that_has_not_ended_is_not_locked(audit: Audit, days_from_today: int) -> None:
    starts, ends = _ending(days_from_today)
    period_id = define_period(
        audit.client, audit.org_admin, audit.place.city.id, "quarter", starts, ends
    )

    response = _lock(audit, period_id)

    assert response.status_code == 409
    assert response.json["code"] == "period.not_ended"
    assert _period(period_id).locked_at is None
    assert _events("audit.period_lock") == []


def test_this_years_period_is_not_locked(audit: Audit) -> None:
    response = _lock(audit, audit.year_period())

    assert response.json["code"] == "period.not_ended"


def test_locking_twice_is_409_and_keeps_the_first_lock(audit: Audit) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)
    first = lock(audit.client, audit.org_admin, period_id)
    another_org_admin = audit.admin(Role.ORG_ADMIN, audit.place.city)

    response = _lock(audit, period_id, another_org_admin)

    assert response.status_code == 409
    assert response.json["code"] == "period.already_locked"
    period = _period(period_id)
    assert (period.locked_at, period.locked_by_id) == (
        datetime.fromisoformat(first["locked_at"]),
        audit.org_admin_id,
    )
    assert len(_events("audit.period_lock")) == 1


@pytest.mark.parametrize(
    "who", ["member", "community_admin", "street_admin", "other_city_org_admin", "sys_admin"]
)
def test_only_the_citys_org_admin_locks_and_unlocks(audit: Audit, who: str) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)
    headers = {
        "member": audit.member,
        "community_admin": audit.admin(Role.COMMUNITY_ADMIN, audit.place.community),
        "street_admin": audit.street_admin,
        "other_city_org_admin": audit.admin(Role.ORG_ADMIN, make_city("介休市").city),
        "sys_admin": audit.admin(Role.SYS_ADMIN),
    }[who]

    refused = _lock(audit, period_id, headers)
    assert refused.status_code == 403, refused.json
    assert _period(period_id).locked_at is None

    lock(audit.client, audit.org_admin, period_id)
    refused = _unlock(audit, period_id, headers, reason="统计有误")
    assert refused.status_code == 403
    assert _period(period_id).locked_at is not None
    assert _events("audit.period_unlock") == []


def test_an_unknown_period_is_404_for_an_org_admin_and_403_for_others(audit: Audit) -> None:
    missing = _lock(audit, 999_999)
    assert (missing.status_code, missing.json["code"]) == (404, "period.not_found")
    refused = _lock(audit, 999_999, audit.street_admin)
    assert refused.status_code == 403


# Unlocking -------------------------------------------------------------------------------------


def test_unlocking_needs_a_reason_and_is_logged_with_it(audit: Audit) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)
    locked = lock(audit.client, audit.org_admin, period_id)

    for body in ({}, {"reason": "  "}):
        refused = _unlock(audit, period_id, **body)
        assert refused.status_code == 422, refused.json
        assert "reason" in refused.json["fields"]
    assert _period(period_id).locked_at is not None

    response = _unlock(audit, period_id, reason="街道补报了遗漏的记录")

    assert response.status_code == 200, response.json
    assert (response.json["locked_at"], response.json["locked_by_id"]) == (None, None)
    (event,) = _events("audit.period_unlock")
    assert event.account_id == audit.org_admin_id
    assert event.detail is not None
    assert (event.detail["reason"], event.detail["locked_by_id"], event.detail["locked_at"]) == (
        "街道补报了遗漏的记录",
        audit.org_admin_id,
        datetime.fromisoformat(locked["locked_at"]).isoformat(),
    )
    relocked = lock(audit.client, audit.org_admin, period_id)
    assert relocked["locked_at"] is not None
    assert len(_events("audit.period_lock")) == 2


def test_unlocking_a_period_that_is_not_locked_is_409(audit: Audit) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)

    response = _unlock(audit, period_id, reason="误操作")

    assert response.status_code == 409
    assert response.json["code"] == "period.not_locked"
    assert _events("audit.period_unlock") == []


# A locked period's rules ------------------------------------------------------------------------


def test_a_locked_periods_requirement_no_longer_changes(audit: Audit) -> None:
    period_id = define_period(audit.client, audit.org_admin, audit.place.city.id)
    set_before = audit.put(f"/api/v1/periods/{period_id}/requirement", min_minutes=600)
    assert set_before.status_code == 200, set_before.json
    lock(audit.client, audit.org_admin, period_id)

    city = audit.put(f"/api/v1/periods/{period_id}/requirement", min_minutes=300)
    street = audit.put(
        f"/api/v1/periods/{period_id}/streets/{audit.place.street.id}/requirement",
        audit.street_admin,
        min_minutes=900,
    )

    assert [(r.status_code, r.json["code"]) for r in (city, street)] == [
        (409, "period.locked"),
        (409, "period.locked"),
    ]
    history = audit.get(f"/api/v1/periods/{period_id}/requirement-history").json["items"]
    assert [v["min_minutes"] for v in history] == [600]
    assert len(_events("audit.requirement")) == 1
