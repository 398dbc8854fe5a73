"""A body's tasks and the tasks listing read a page of 50 tasks in a fixed number of queries
(skills, campaigns, shifts and chosen streets with the page, not one query per task)."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_body, make_city
from tests.needs.test_listing_queries import selects
from tests.steps import login_as, shift_body, task_body


def test_fifty_body_tasks_list_in_a_few_queries(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    centre = add_body(place.city)
    _, admin = login_as(client, fake_wechat, Role.BODY_ADMIN, centre)
    body = task_body(place.city, visibility="streets", street_ids=[place.street.id])
    body.pop("area_id")
    for _ in range(50):
        made = client.post(f"/api/v1/bodies/{centre.id}/tasks", json=body, headers=admin)
        assert made.status_code == 201, made.json
        shift = client.post(
            f"/api/v1/tasks/{made.json['id']}/shifts", json=shift_body(), headers=admin
        )
        assert shift.status_code == 201, shift.json

    with selects() as own_list:
        page = client.get(f"/api/v1/bodies/{centre.id}/tasks?limit=50", headers=admin)
    with selects() as tasks_list:
        listed = client.get("/api/v1/tasks?limit=50", headers=admin)

    assert page.status_code == 200 and len(page.json["items"]) == 50
    assert listed.status_code == 200 and len(listed.json["items"]) == 50
    assert all(len(t["shifts"]) == 1 for t in page.json["items"])
    assert all(t["street_ids"] == [place.street.id] for t in listed.json["items"])
    assert len(own_list) <= 12, own_list
    assert len(tasks_list) <= 12, tasks_list
