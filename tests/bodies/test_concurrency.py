"""Two bodies made each other's parent at the same moment: the city's row lock serialises
the checks, so one change is refused and the tree has no cycle (requests commit for real on
the module's throw-away database: ``race_app``, tests/races.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.bodies.models import CityBody
from sunshine.extensions import db
from tests.builders import add_body, grant, make_account, make_city, token_for
from tests.races import race


def test_crossed_parents_at_once_make_no_cycle(race_app: Flask) -> None:
    place = make_city()
    first, second = add_body(place.city, "实践所甲").id, add_body(place.city, "实践所乙").id
    account = make_account()
    grant(account, Role.ORG_ADMIN, place.city)
    org = token_for(account.id)

    results = race(
        race_app,
        [
            ("PATCH", f"/api/v1/bodies/{first}", {"parent_id": second}, org),
            ("PATCH", f"/api/v1/bodies/{second}", {"parent_id": first}, org),
        ],
        hold="UPDATE city_body ",
    )

    assert sorted(status for status, _ in results) == [200, 422], results
    (refused,) = [body for status, body in results if status == 422]
    assert refused["code"] == "body.bad_parent"
    db.session.remove()
    parents = dict(
        db.session.execute(
            select(CityBody.id, CityBody.parent_id).where(CityBody.id.in_([first, second]))
        ).all()
    )
    assert None in parents.values()  # one of them stays at the top
