"""Two edits of a body's task choosing the same new street at once: the task's row lock puts
them one after the other, so the street is written once (it was a 500 on the primary key)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from sunshine.tasks.audience import TaskStreet
from tests.builders import add_area, add_body, grant, make_account, make_city, token_for
from tests.races import race
from tests.steps import task_body


def test_two_edits_adding_the_same_street_at_once_write_it_once(race_app: Flask) -> None:
    place = make_city()
    second = add_area(place.city, AreaLevel.STREET, "中阳楼街道").id
    centre = add_body(place.city)
    account = make_account()
    grant(account, Role.BODY_ADMIN, centre)
    admin = token_for(account.id)
    body = task_body(place.city, visibility="streets", street_ids=[place.street.id])
    body.pop("area_id")
    client = race_app.test_client()
    made = client.post(f"/api/v1/bodies/{centre.id}/tasks", json=body, headers=admin)
    assert made.status_code == 201, made.json
    url = f"/api/v1/tasks/{made.json['id']}"
    edit = {"street_ids": [place.street.id, second]}

    results = race(
        race_app,
        [("PATCH", url, edit, admin), ("PATCH", url, edit, admin)],
        hold="INSERT INTO task_street ",
    )

    assert [status for status, _ in results] == [200, 200], results
    db.session.remove()
    chosen = db.session.scalars(
        select(TaskStreet.street_id).where(TaskStreet.task_id == made.json["id"])
    ).all()
    assert sorted(chosen) == sorted([place.street.id, second])
