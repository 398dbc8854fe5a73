"""Two org_admins issuing the same unit's feedback at the same moment: both versions are
written, numbered 1 and 2, one in force. The requests commit for real on the module's
throw-away database (``race_app``); the first to reach its INSERT waits there until the other
is stuck behind the period's row lock."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.feedback.models import UnitFeedback
from tests.builders import grant, make_account, make_city, token_for
from tests.races import race


def test_parallel_issues_are_numbered_one_after_the_other(race_app: Flask) -> None:
    place = make_city()
    year = clock.today().year - 1
    period = Period(
        city_id=place.city.id, kind="year", starts_on=date(year, 1, 1), ends_on=date(year, 12, 31)
    )
    db.session.add(period)
    admins = []
    for _ in range(2):
        account = make_account()
        grant(account, Role.ORG_ADMIN, place.city)
        admins.append(token_for(account.id))
    db.session.commit()
    url = f"/api/v1/periods/{period.id}/unit-feedback"
    unit_id = place.unit.id

    results = race(
        race_app,
        [("POST", url, {"unit_id": unit_id}, headers) for headers in admins],
        hold="INSERT INTO unit_feedback ",
    )

    assert [status for status, _ in results] == [201, 201], results
    db.session.remove()
    versions = db.session.execute(
        select(UnitFeedback.version, UnitFeedback.superseded_at)
        .where(UnitFeedback.unit_id == unit_id)
        .order_by(UnitFeedback.version)
    ).all()
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1] is not None and versions[1][1] is None
