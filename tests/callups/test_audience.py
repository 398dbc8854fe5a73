"""Call-ups find members by the same audience rule as signing up (tasks.audience, the placed
path): a city-wide task reaches the whole city, a city body's task for chosen streets only
those streets, a grid's task only the members placed in the grid."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from sunshine.reportin.models import ReportIn
from tests.builders import City, add_area, add_body, shanghai_day
from tests.bulk import MemberSpec, add_members_in_bulk
from tests.callups.test_routes import CALLUPS, by_post, created
from tests.steps import day_shift_body, publish, task_body

Headers = dict[str, str]


def _body_shift(client: FlaskClient, org: Headers, place: City, day: Any, **fields: Any) -> int:
    centre = add_body(place.city)
    body = task_body(place.city, **fields)
    body.pop("area_id")
    task = client.post(f"/api/v1/bodies/{centre.id}/tasks", json=body, headers=org)
    assert task.status_code == 201, task.json
    shift = client.post(
        f"/api/v1/tasks/{task.json['id']}/shifts", json=day_shift_body(day), headers=org
    )
    assert shift.status_code == 201, shift.json
    publish(client, org, task.json["id"])
    shift_id: int = shift.json["id"]
    return shift_id


def _call_up(client: FlaskClient, org: Headers, area_id: int, day: Any, shift_id: int) -> Any:
    """A call-up of one post of five places, proposed: its body."""
    call_up = created(client, org, area_id, day, [(shift_id, 5)])
    proposal = client.post(f"{CALLUPS}/{call_up['id']}/proposal", headers=org)
    assert proposal.status_code == 200, proposal.json
    return proposal.json


def _proposed(client: FlaskClient, org: Headers, area_id: int, day: Any, shift_id: int) -> set:
    body = _call_up(client, org, area_id, day, shift_id)
    return {a["member"]["id"] for post in by_post(body).values() for a in post}


def test_a_chosen_streets_shift_is_staffed_from_those_streets_only(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, org = org_admin
    day = shanghai_day(3)
    second = add_area(place.city, AreaLevel.STREET, "中阳楼街道")
    chosen = add_area(second, AreaLevel.COMMUNITY, "中阳楼社区")
    inside = add_members_in_bulk(place.unit, [MemberSpec(chosen)] * 3)
    add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 3)
    shift_id = _body_shift(client, org, place, day, visibility="streets", street_ids=[second.id])

    assert _proposed(client, org, place.city.id, day, shift_id) == set(inside)


def test_a_city_wide_shift_is_staffed_from_the_whole_city(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    """Before: a task of the city itself (the org department's, a body's city-wide one)
    proposed only members with one of its skills — nobody, for a task asking none."""
    place, org = org_admin
    day = shanghai_day(3)
    members = add_members_in_bulk(
        place.unit, [MemberSpec(place.community)] * 2 + [MemberSpec(place.other_community)] * 2
    )
    shift_id = _body_shift(client, org, place, day, visibility="city")

    assert _proposed(client, org, place.city.id, day, shift_id) == set(members)


def test_a_grid_shift_is_staffed_from_the_grid_only(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, org = org_admin
    day = shanghai_day(3)
    grid = add_area(place.community, AreaLevel.GRID)
    placed = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 2)
    unplaced = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 2)
    db.session.execute(
        update(ReportIn).where(ReportIn.member_id.in_(placed)).values(grid_id=grid.id)
    )
    db.session.commit()
    task = client.post("/api/v1/tasks", json=task_body(grid), headers=org)
    assert task.status_code == 201, task.json
    shift = client.post(
        f"/api/v1/tasks/{task.json['id']}/shifts", json=day_shift_body(day), headers=org
    )
    publish(client, org, task.json["id"])

    call_up = _call_up(client, org, place.street.id, day, shift.json["id"])

    assert {a["member"]["id"] for a in call_up["assignments"]} == set(placed)
    post_id = call_up["posts"][0]["id"]
    outsider = client.post(
        f"{CALLUPS}/{call_up['id']}/assignments",
        json={"post_id": post_id, "member_id": unplaced[0]},
        headers=org,
    )
    assert outsider.status_code == 422 and outsider.json["code"] == "callup.member_not_eligible"
