"""A double-tapped check-in, each tap on its own connection, committing for real on the
module's throw-away database (``race_app``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from sunshine.attendance.models import Punch
from sunshine.extensions import db
from sunshine.tasks.models import Shift, Signup
from tests.builders import add_reported_members, add_secretary, make_city, token_for
from tests.conftest import Clock
from tests.races import race
from tests.steps import published_shift


def test_a_double_tapped_check_in_leaves_one_punch(race_app: Flask, clock: Clock) -> None:
    place = make_city()
    secretary = add_secretary(place)
    (member,) = add_reported_members(place, place.community, 1)
    client = race_app.test_client()
    _, shift_id = published_shift(client, token_for(secretary), place.community, capacity=5)
    headers = token_for(member)
    assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=headers).status_code == 201
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    clock.set(shift.starts_at)
    db.session.close()
    issued = client.get(f"/api/v1/shifts/{shift_id}/checkin-code", headers=token_for(secretary))
    tap = ("POST", "/api/v1/punches", {"code": issued.json["code"], "direction": "in"}, headers)

    results = race(race_app, [tap, tap], hold="INSERT INTO punch")

    assert sorted(status for status, _ in results) == [200, 201], results
    assert results[0][1]["id"] == results[1][1]["id"]
    punches = db.session.scalars(sa.select(Punch.id).where(Punch.shift_id == shift_id)).all()
    attended = db.session.scalars(
        sa.select(Signup.attendance).where(Signup.shift_id == shift_id)
    ).all()
    assert len(punches) == 1 and [str(a) for a in attended] == ["attended"]
    db.session.close()
