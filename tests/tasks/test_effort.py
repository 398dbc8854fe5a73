"""Minutes served this year: confirmed places on shifts that ended this year, nothing else."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.tasks import effort
from sunshine.tasks.models import Shift, ShiftStatus, Signup, SignupStatus
from sunshine.tasks.service import SHANGHAI
from tests.factories import MemberSpec, add_members_in_bulk, add_service_history, make_city


def test_only_confirmed_places_on_shifts_ended_this_year_count(app: Flask) -> None:
    place = make_city()
    served, idle, other = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 3)
    add_service_history(place.community, {served: 120, other: 45})
    history = db.session.scalars(sa.select(Shift).order_by(Shift.id.desc()).limit(2)).all()
    now = utcnow()
    new_year = effort.year_start(now.astimezone(SHANGHAI).date())
    not_counted = [
        (now + timedelta(days=2), now + timedelta(days=2, hours=3), ShiftStatus.OPEN),  # ahead
        (
            new_year - timedelta(hours=5),
            new_year - timedelta(hours=1),
            ShiftStatus.OPEN,
        ),  # last year
        (now - timedelta(hours=9), now - timedelta(hours=8), ShiftStatus.CANCELLED),
    ]
    for starts, ends, status in not_counted:
        shift = Shift(
            task_id=history[0].task_id,
            scope_path=place.community.path,
            starts_at=starts,
            ends_at=ends,
            capacity=5,
            signup_deadline=starts,
            status=status,
            confirmed_count=1,
        )
        db.session.add(shift)
        db.session.flush()
        db.session.add(Signup(shift_id=shift.id, member_id=served, status=SignupStatus.CONFIRMED))
    for status in (SignupStatus.WAITLISTED, SignupStatus.CANCELLED):
        db.session.add(Signup(shift_id=history[0].id, member_id=idle, status=status))
    db.session.commit()

    assert effort.minutes_served_this_year([served, idle, other]) == {
        served: 120,
        idle: 0,
        other: 45,
    }
