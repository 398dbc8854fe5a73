"""Two overlapping periods defined at the same moment: one is created, the other refused.

The requests commit for real on the module's throw-away database (``race_app``); the first
to reach its INSERT waits there until the other is stuck behind the city's row lock.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.audit.models import Period
from sunshine.extensions import db
from tests.builders import grant, make_account, make_city, token_for
from tests.races import race


def test_parallel_overlapping_periods_leave_one(race_app: Flask) -> None:
    place = make_city()
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    db.session.commit()
    headers = token_for(account.id)
    year = clock.today().year
    url = f"/api/v1/cities/{place.city.id}/periods"
    bodies = [
        {"kind": "quarter", "starts_on": f"{year}-01-01", "ends_on": f"{year}-03-31"},
        {"kind": "quarter", "starts_on": f"{year}-02-01", "ends_on": f"{year}-04-30"},
    ]

    results = race(
        race_app, [("POST", url, body, headers) for body in bodies], hold="INSERT INTO period "
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "period.overlap"
    db.session.remove()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Period).where(Period.city_id == place.city.id)
        )
        == 1
    )
