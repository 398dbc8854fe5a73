"""A lock and decisions on its period's records at the same moment: no decision slips in after
the lock commits.

The requests commit for real on the module's throw-away database (``race_app``). With
``hold``, the first request to reach that statement waits there, inside its open transaction,
until the other is stuck behind a lock or done. Either order is a right outcome — the decision
before the lock (its entries older than ``locked_at``) or refused after it (409
``period.locked``) — but never a decision written after the lock was taken: without the city
row held by the decision (``audit.locks``), the confirmation held at its INSERT would commit
after the lock and be credited in a locked period.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.hours.models import HoursEntry, RecordStatus, ServiceRecord
from tests.audit.locking import IN_LAST_YEAR, LAST_YEAR
from tests.builders import (
    add_reported_members,
    add_secretary,
    add_service_record,
    add_shifts,
    grant,
    make_account,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import race
from tests.steps import published_shift

Headers = dict[str, str]


def _setup(app: Flask, records: int) -> tuple[Headers, Headers, int, list[int]]:
    """A city with last year's period (ended, not locked), its org_admin, a secretary and
    pending records of a member dated in the period: (org, secretary, period id, record ids)."""
    place = make_city()
    org_account = make_account()
    grant(org_account, Role.ORG_ADMIN, place.city)
    org = token_for(org_account.id)
    secretary = token_for(add_secretary(place))
    (member_account,) = add_reported_members(place, place.community, 1)
    task_id, _ = published_shift(app.test_client(), secretary, place.community)
    record_ids = [
        add_service_record(member_id_of(member_account), shift_id, service_date=IN_LAST_YEAR)
        for shift_id in add_shifts(task_id, records)
    ]
    response = app.test_client().post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{LAST_YEAR}-01-01", "ends_on": f"{LAST_YEAR}-12-31"},
        headers=org,
    )
    assert response.status_code == 201, response.json
    db.session.close()
    return org, secretary, int(response.json["id"]), record_ids


def _nothing_after_the_lock(period_id: int, record_ids: list[int]) -> list[RecordStatus]:
    """The records' statuses, having checked that every entry on them predates the lock."""
    db.session.remove()
    period = db.session.get(Period, period_id)
    assert period is not None and period.locked_at is not None
    written = db.session.scalars(
        select(HoursEntry.created_at).where(HoursEntry.record_id.in_(record_ids))
    ).all()
    assert all(moment < period.locked_at for moment in written), (written, period.locked_at)
    statuses = [
        status
        for status in db.session.scalars(
            select(ServiceRecord.status)
            .where(ServiceRecord.id.in_(record_ids))
            .order_by(ServiceRecord.id)
        )
    ]
    db.session.close()
    return statuses


@pytest.mark.parametrize("hold", ["UPDATE period", "INSERT INTO hours_entry"])
def test_a_lock_and_a_confirmation_at_once_never_let_the_confirmation_in_after_the_lock(
    race_app: Flask, hold: str
) -> None:
    org, secretary, period_id, (record_id,) = _setup(race_app, records=1)

    results = race(
        race_app,
        [
            ("POST", f"/api/v1/periods/{period_id}/lock", None, org),
            ("POST", f"/api/v1/service-records/{record_id}/confirm", None, secretary),
        ],
        hold=hold,
    )

    (locked, _), (confirm_status, confirm_body) = results
    assert locked == 200, results
    assert confirm_status in (200, 409), results
    (status,) = _nothing_after_the_lock(period_id, [record_id])
    if confirm_status == 409:
        assert confirm_body["code"] == "period.locked"
        assert status == RecordStatus.PENDING
    else:
        assert status == RecordStatus.CONFIRMED


@pytest.mark.parametrize("hold", ["UPDATE period", "INSERT INTO hours_entry"])
def test_a_lock_and_a_bulk_confirmation_at_once_leave_all_or_none_before_the_lock(
    race_app: Flask, hold: str
) -> None:
    org, secretary, period_id, record_ids = _setup(race_app, records=3)

    results = race(
        race_app,
        [
            ("POST", "/api/v1/service-records/confirm", {"ids": record_ids}, secretary),
            ("POST", f"/api/v1/periods/{period_id}/lock", None, org),
        ],
        hold=hold,
    )

    (confirm_status, confirm_body), (locked, _) = results
    assert locked == 200, results
    statuses = _nothing_after_the_lock(period_id, record_ids)
    if confirm_status == 409:
        assert set(confirm_body["fields"]["ids"]) == {str(i) for i in record_ids}
        assert statuses == [RecordStatus.PENDING] * 3
    else:
        assert confirm_status == 200, results
        assert statuses == [RecordStatus.CONFIRMED] * 3
