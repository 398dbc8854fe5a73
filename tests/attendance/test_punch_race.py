"""A double-tapped check-in, each tap on its own connection and committing for real."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from sunshine.attendance.models import Punch
from sunshine.extensions import db
from sunshine.tasks.models import Shift, Signup, Task
from tests.conftest import Clock
from tests.factories import (
    add_reported_members,
    append_only_deletes,
    committing,
    make_city,
    published_shift,
    race,
    rows_of,
    task_rows_of,
    token_for,
)
from tests.tasks.test_concurrency import _secretary


def test_a_double_tapped_check_in_leaves_one_punch(app: Flask, clock: Clock) -> None:
    with committing(app) as cleanups:
        place = make_city()
        city_shifts = (
            sa.select(Shift.id)
            .join(Task, Shift.task_id == Task.id)
            .where(Task.area_path.startswith(place.city.path))
        )
        cleanups += append_only_deletes(
            "punch", sa.delete(Punch).where(Punch.shift_id.in_(city_shifts))
        )
        cleanups += task_rows_of(place)
        secretary = _secretary(place)
        (member,) = add_reported_members(place, place.community, 1)
        cleanups += rows_of(place, [secretary, member], [])
        client = app.test_client()
        _, shift_id = published_shift(client, token_for(secretary), place.community, capacity=5)
        headers = token_for(member)
        assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=headers).status_code == 201
        shift = db.session.get(Shift, shift_id)
        assert shift is not None
        clock.set(shift.starts_at)
        db.session.close()
        code = client.get(
            f"/api/v1/shifts/{shift_id}/checkin-code", headers=token_for(secretary)
        ).json["code"]
        tap = ("POST", "/api/v1/punches", {"code": code, "direction": "in"}, headers)

        results = race(app, [tap, tap], hold="INSERT INTO punch")

        assert sorted(status for status, _ in results) == [200, 201], results
        assert results[0][1]["id"] == results[1][1]["id"]
        punches = db.session.scalars(sa.select(Punch.id).where(Punch.shift_id == shift_id)).all()
        attended = db.session.scalars(
            sa.select(Signup.attendance).where(Signup.shift_id == shift_id)
        ).all()
        assert len(punches) == 1 and [str(a) for a in attended] == ["attended"]
        db.session.close()
