"""One live report-in per unit and community, also when two requests race on separate
connections: both pass the service's check, the partial unique index lets one insert."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.cobuilding.models import UnitReportIn
from sunshine.extensions import db
from tests.builders import make_city, make_party_org
from tests.cobuilding.conftest import admin
from tests.races import race


def test_two_parallel_report_ins_to_one_community_make_one(race_app: Flask) -> None:
    place = make_city()
    committee = make_party_org(place.unit, "人民医院党委", "committee")
    branch = make_party_org(place.unit, "人民医院第一党支部")
    headers = [admin(Role.UNIT_ADMIN, place.unit) for _ in range(2)]
    bodies = [
        {"unit_id": place.unit.id, "party_org_id": org.id, "community_id": place.community.id}
        for org in (committee, branch)
    ]

    results = race(
        race_app,
        [
            ("POST", "/api/v1/unit-report-ins", body, h)
            for body, h in zip(bodies, headers, strict=True)
        ],
        hold="INSERT INTO unit_report_in ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "unit_report_in.duplicate"
    db.session.remove()
    rows = db.session.scalars(
        select(UnitReportIn.id).where(UnitReportIn.unit_id == place.unit.id)
    ).all()
    assert len(rows) == 1
