"""Two reviews of one anomaly at the same moment: one is kept, the other is 409.

The requests commit for real on the module's throw-away database (``race_app``); the first
to reach its UPDATE waits there until the other is stuck behind the anomaly's row lock.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.builders import (
    add_reported_members,
    grant,
    make_account,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import race


def test_parallel_reviews_of_one_anomaly_keep_one(race_app: Flask) -> None:
    place = make_city()
    reviewers = []
    for role, scope in ((Role.STREET_ADMIN, place.street), (Role.ORG_ADMIN, place.city)):
        account = make_account()
        grant(account, role, scope)
        reviewers.append(token_for(account.id))
    (member_account,) = add_reported_members(place, place.community, 1)
    anomaly = Anomaly(
        kind=AnomalyKind.WALK_IN,
        subject="record:0",
        area_id=place.community.id,
        area_path=place.community.path,
        member_id=member_id_of(member_account),
        day=clock.today(),
        summary="未报名，现场加入",
    )
    db.session.add(anomaly)
    db.session.commit()
    url = f"/api/v1/anomalies/{anomaly.id}/review"
    bodies = [{"outcome": "no_problem"}, {"outcome": "send_back", "note": "请社区核实"}]

    results = race(
        race_app,
        [("POST", url, body, headers) for body, headers in zip(bodies, reviewers, strict=True)],
        hold="UPDATE anomaly ",
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    (kept,) = [body for status, body in results if status == 200]
    assert refused["code"] == "anomaly.reviewed"
    db.session.remove()
    stored = db.session.get(Anomaly, anomaly.id)
    assert stored is not None and stored.outcome == kept["outcome"]
    reviews = db.session.scalars(
        select(SecurityEvent.id).where(SecurityEvent.action == "anomaly.review")
    ).all()
    assert len(reviews) == 1
