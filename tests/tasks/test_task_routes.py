"""Posting, editing, publishing, viewing and cancelling tasks: who may, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks.models import (
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskStatus,
)
from tests.builders import City, add_area, add_skill, count, make_city, reported_headers
from tests.steps import login_as, post_shift, post_task, publish, published_shift, task_body

Headers = dict[str, str]


def _task(task_id: int) -> Task:
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task is not None
    return task


def _admin(
    client: FlaskClient, fake: FakeWeChat, place: City, role: Role | None, scope: str | None
) -> Headers:
    """An account holding ``role`` on the named part of ``place`` (or no role): headers."""
    target = getattr(place, scope) if scope else None
    _, headers = login_as(client, fake, role, target)
    return headers


# Creation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope", "area", "visibility"),
    [
        (Role.COMMUNITY_ADMIN, "community", "community", "community"),
        (Role.COMMUNITY_ADMIN, "community", "community", "city"),
        (Role.STREET_ADMIN, "street", "street", "street"),
        (Role.STREET_ADMIN, "street", "community", "community"),
        (Role.ORG_ADMIN, "city", "community", "community"),
        (Role.ORG_ADMIN, "city", "street", "city"),
    ],
)
def test_task_manager_posts_a_draft_task_in_their_area(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role,
    scope: str,
    area: str,
    visibility: str,
) -> None:
    place = make_city()
    headers = _admin(client, fake_wechat, place, role, scope)
    skill = add_skill()
    target: Area = getattr(place, area)

    response = client.post(
        "/api/v1/tasks",
        json=task_body(target, visibility=visibility, skill_ids=[skill]),
        headers=headers,
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["area"]["id"], body["visibility"]) == (
        "draft",
        target.id,
        visibility,
    )
    assert [s["id"] for s in body["skills"]] == [skill]
    assert body["point"] == {"latitude": 37.146, "longitude": 111.781, "system": "gcj02"}
    task = _task(body["id"])
    assert (task.area_path, task.status) == (target.path, TaskStatus.DRAFT)


@pytest.mark.parametrize(
    ("role", "scope", "area"),
    [
        pytest.param(Role.COMMUNITY_ADMIN, "other_community", "community", id="other-community"),
        pytest.param(Role.COMMUNITY_ADMIN, "community", "street", id="community-admin-street"),
        pytest.param(Role.UNIT_ADMIN, "unit", "community", id="unit-admin"),
        pytest.param(Role.SYS_ADMIN, None, "community", id="sys-admin"),
        pytest.param(None, None, "community", id="no-role"),
    ],
)
def test_posting_a_task_outside_ones_task_scope_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role | None, scope: str | None, area: str
) -> None:
    place = make_city()
    headers = _admin(client, fake_wechat, place, role, scope)

    response = client.post("/api/v1/tasks", json=task_body(getattr(place, area)), headers=headers)

    assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")
    assert count(Task) == 0


def test_street_admin_of_another_street_cannot_post_for_this_street_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    elsewhere = add_area(place.city, AreaLevel.STREET)
    _, headers = login_as(client, fake_wechat, Role.STREET_ADMIN, elsewhere)

    response = client.post("/api/v1/tasks", json=task_body(place.street), headers=headers)

    assert response.status_code == 403
    assert count(Task) == 0


def test_plain_member_cannot_post_a_task_is_403(client: FlaskClient) -> None:
    place = make_city()
    member = reported_headers(place, place.community)

    response = client.post("/api/v1/tasks", json=task_body(place.community), headers=member)

    assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")
    assert count(Task) == 0


def test_posting_a_task_without_logging_in_is_401(client: FlaskClient) -> None:
    place = make_city()

    response = client.post("/api/v1/tasks", json=task_body(place.community))

    assert response.status_code == 401
    assert count(Task) == 0


def test_street_task_visible_only_to_a_community_is_422(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin

    response = client.post(
        "/api/v1/tasks", json=task_body(place.street, visibility="community"), headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "task.bad_visibility")
    assert "visibility" in response.json["fields"]
    assert count(Task) == 0


def test_task_for_a_city_is_422(client: FlaskClient, org_admin: tuple[City, Headers]) -> None:
    place, headers = org_admin
    area = place.city  # a grid's task: tests/grids

    response = client.post("/api/v1/tasks", json=task_body(area), headers=headers)

    assert (response.status_code, response.json["code"]) == (422, "task.bad_area")
    assert "area_id" in response.json["fields"]
    assert count(Task) == 0


def test_task_for_an_unknown_area_is_404(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin

    response = client.post(
        "/api/v1/tasks", json=task_body(place.community, area_id=10**8), headers=headers
    )

    assert (response.status_code, response.json["code"]) == (404, "area.not_found")


@pytest.mark.parametrize("category", ["unknown", "inactive"])
def test_task_in_an_unknown_or_inactive_category_is_422(
    client: FlaskClient, org_admin: tuple[City, Headers], category: str
) -> None:
    place, headers = org_admin
    category_id = 10**8
    if category == "inactive":
        retired = TaskCategory(name="已停用类别", active=False, sort_order=99)
        db.session.add(retired)
        db.session.commit()
        category_id = retired.id

    response = client.post(
        "/api/v1/tasks", json=task_body(place.community, category_id=category_id), headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "task.unknown_category")
    assert "category_id" in response.json["fields"]
    assert count(Task) == 0


@pytest.mark.parametrize("skill", ["unknown", "inactive"])
def test_task_needing_an_unknown_or_inactive_skill_is_422(
    client: FlaskClient, org_admin: tuple[City, Headers], skill: str
) -> None:
    place, headers = org_admin
    known = add_skill()
    other = 10**8 if skill == "unknown" else add_skill(active=False)

    response = client.post(
        "/api/v1/tasks",
        json=task_body(place.community, skill_ids=[known, other]),
        headers=headers,
    )

    assert (response.status_code, response.json["code"]) == (422, "skill.unknown")
    assert "skill_ids" in response.json["fields"]
    assert count(Task) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("point", {"latitude": 91, "longitude": 111.781, "system": "gcj02"}),
        ("point", {"latitude": -90.5, "longitude": 111.781, "system": "gcj02"}),
        ("point", {"latitude": 37.146, "longitude": 181, "system": "wgs84"}),
        ("point", {"latitude": 37.146, "longitude": -180.01, "system": "wgs84"}),
        ("point", {"latitude": 37.146, "longitude": 111.781, "system": "bd09"}),
        ("point", {"latitude": 37.146, "longitude": 111.781}),
        ("point", {"latitude": 37.146, "longitude": 111.781, "system": None}),
        ("point", {"latitude": 37.146, "system": "gcj02"}),
        ("point", [37.146, 111.781]),
        ("checkin_radius_m", 5),
        ("checkin_radius_m", 6000),
        ("kind", "meeting"),
        ("visibility", "province"),
        ("title", ""),
        ("title", "长" * 101),
        ("contact_phone", "call me"),
        ("skill_ids", list(range(1, 12))),
        ("category_id", 0),
    ],
)
def test_task_with_a_field_out_of_range_is_422_naming_the_field(
    client: FlaskClient, org_admin: tuple[City, Headers], field: str, value: Any
) -> None:
    place, headers = org_admin

    response = client.post(
        "/api/v1/tasks", json=task_body(place.community, **{field: value}), headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert list(response.json["fields"]) == [field]
    assert count(Task) == 0


@pytest.mark.parametrize(
    "field",
    [
        "area_id",
        "kind",
        "category_id",
        "title",
        "content",
        "address",
        "visibility",
        "contact_name",
        "contact_phone",
    ],
)
def test_task_missing_a_required_field_is_422_naming_it(
    client: FlaskClient, org_admin: tuple[City, Headers], field: str
) -> None:
    place, headers = org_admin
    body = task_body(place.community)
    del body[field]

    response = client.post("/api/v1/tasks", json=body, headers=headers)

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert response.json["fields"] == {field: ["此项必填"]}
    assert count(Task) == 0


def test_task_with_an_unknown_field_is_422(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin

    response = client.post(
        "/api/v1/tasks", json=task_body(place.community, status="published"), headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert response.json["fields"] == {"status": ["不允许的字段"]}
    assert count(Task) == 0


def test_task_without_a_map_point_takes_the_default_radius(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin
    body = task_body(place.community)
    del body["point"], body["checkin_radius_m"]

    response = client.post("/api/v1/tasks", json=body, headers=headers)

    assert response.status_code == 201, response.json
    assert (response.json["point"], response.json["checkin_radius_m"]) == (None, 200)


# Editing -------------------------------------------------------------------------------------


def test_secretary_edits_a_task(client: FlaskClient, secretary: tuple[City, Headers]) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    skill = add_skill()

    response = client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"title": "环境整治", "skill_ids": [skill], "point": None, "visibility": "city"},
        headers=headers,
    )

    assert response.status_code == 200, response.json
    task = _task(task_id)
    assert (task.title, task.latitude, task.visibility) == ("环境整治", None, "city")
    assert [s.id for s in task.skills] == [skill]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"point": {"latitude": 91, "longitude": 0, "system": "gcj02"}}, 422, "request.invalid"),
        ({"point": {"latitude": 37.146, "longitude": 111.781}}, 422, "request.invalid"),
        ({"checkin_radius_m": 6000}, 422, "request.invalid"),
        ({"area_id": 1}, 422, "request.invalid"),  # a task does not move between areas
        ({"category_id": 10**8}, 422, "task.unknown_category"),
        ({"skill_ids": [10**8]}, 422, "skill.unknown"),
        ({"title": ""}, 422, "request.invalid"),
    ],
)
def test_editing_a_task_with_bad_input_is_refused_and_changes_nothing(
    client: FlaskClient,
    secretary: tuple[City, Headers],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)

    response = client.patch(
        f"/api/v1/tasks/{task_id}", json={"title": "改了", **change}, headers=headers
    )

    assert (response.status_code, response.json["code"]) == (status, code)
    assert _task(task_id).title == "文明劝导"


def test_narrowing_a_street_task_to_one_community_is_422(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, headers = org_admin
    task_id = post_task(client, headers, place.street)

    response = client.patch(
        f"/api/v1/tasks/{task_id}", json={"visibility": "community"}, headers=headers
    )

    assert (response.status_code, response.json["code"]) == (422, "task.bad_visibility")
    assert _task(task_id).visibility == "street"


def test_editing_another_communitys_task_is_404_as_if_unknown(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)

    response = client.patch(f"/api/v1/tasks/{task_id}", json={"title": "改了"}, headers=neighbour)

    assert (response.status_code, response.json["code"]) == (404, "task.not_found")
    assert _task(task_id).title == "文明劝导"


def test_editing_a_cancelled_task_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    cancelled = client.post(
        f"/api/v1/tasks/{task_id}/cancel", json={"reason": "天气原因"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.json

    response = client.patch(f"/api/v1/tasks/{task_id}", json={"title": "改了"}, headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "task.cancelled")
    assert _task(task_id).title == "文明劝导"


def test_editing_an_unknown_task_is_404(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    _, headers = secretary

    response = client.patch(f"/api/v1/tasks/{10**8}", json={"title": "改了"}, headers=headers)

    assert (response.status_code, response.json["code"]) == (404, "task.not_found")


# Publishing and viewing ----------------------------------------------------------------------


def test_publishing_a_task_without_shifts_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)

    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "task.no_shifts")
    assert _task(task_id).status == TaskStatus.DRAFT


def test_publishing_a_task_whose_shifts_are_all_cancelled_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    shift_id = post_shift(client, headers, task_id)
    cancelled = client.post(
        f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "改期"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.json

    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "task.no_shifts")


def test_publishing_a_task_with_a_shift_makes_it_published_once(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    post_shift(client, headers, task_id)

    first = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)
    again = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (first.status_code, first.json["status"]) == (200, "published")
    assert (again.status_code, again.json["published_at"]) == (200, first.json["published_at"])


def test_publishing_a_task_as_a_plain_member_is_403(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    post_shift(client, headers, task_id)
    member = reported_headers(place, place.community)

    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=member)

    assert response.status_code == 403
    assert _task(task_id).status == TaskStatus.DRAFT


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("secretary", 200),
        ("street_admin", 200),
        ("neighbour_secretary", 404),
        ("member", 404),
    ],
)
def test_draft_task_is_visible_to_its_managers_only(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    viewer: str,
    status: int,
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    viewers = {
        "secretary": lambda: headers,
        "street_admin": lambda: login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)[1],
        "neighbour_secretary": lambda: login_as(
            client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community
        )[1],
        "member": lambda: reported_headers(place, place.community),
    }

    response = client.get(f"/api/v1/tasks/{task_id}", headers=viewers[viewer]())

    assert response.status_code == status


@pytest.mark.parametrize("published", [False, True])
def test_cancelled_task_is_visible_to_members_only_if_it_was_published(
    client: FlaskClient, secretary: tuple[City, Headers], published: bool
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    post_shift(client, headers, task_id)
    if published:
        publish(client, headers, task_id)
    client.post(f"/api/v1/tasks/{task_id}/cancel", json={"reason": "取消"}, headers=headers)
    member = reported_headers(place, place.community)

    response = client.get(f"/api/v1/tasks/{task_id}", headers=member)

    assert response.status_code == (200 if published else 404)
    assert client.get(f"/api/v1/tasks/{task_id}", headers=headers).status_code == 200


def test_published_task_is_visible_to_a_plain_member_with_its_shifts(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id, shift_id = published_shift(
        client, headers, place.community, capacity=3, visibility="street"
    )
    member = reported_headers(place, place.other_community)  # same street

    response = client.get(f"/api/v1/tasks/{task_id}", headers=member)

    assert response.status_code == 200
    assert [(s["id"], s["capacity"]) for s in response.json["shifts"]] == [(shift_id, 3)]


def test_task_list_shows_the_tasks_a_manager_manages_only(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    mine = post_task(client, headers, place.community)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    theirs = post_task(client, neighbour, place.other_community)
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)

    own = client.get("/api/v1/tasks", headers=headers)
    both = client.get("/api/v1/tasks", headers=street)
    member = client.get("/api/v1/tasks", headers=reported_headers(place, place.community))

    assert (own.status_code, both.status_code) == (200, 200)
    assert [t["id"] for t in own.json["items"]] == [mine]
    assert [t["id"] for t in both.json["items"]] == [theirs, mine]
    assert member.status_code == 403


# Cancelling ----------------------------------------------------------------------------------


def test_cancelling_a_task_cancels_its_shifts_and_their_signups(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id, first = published_shift(client, headers, place.community, capacity=1)
    second = post_shift(client, headers, task_id, hours=1)
    url = f"/api/v1/shifts/{first}/signups"
    members = [reported_headers(place, place.community) for _ in range(2)]
    signups = [client.post(url, headers=m).json["id"] for m in members]  # one waits

    response = client.post(
        f"/api/v1/tasks/{task_id}/cancel", json={"reason": "天气原因"}, headers=headers
    )

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["cancel_reason"]) == ("cancelled", "天气原因")
    db.session.expire_all()
    shifts = db.session.scalars(select(Shift).where(Shift.task_id == task_id)).all()
    assert {(s.id, s.status, s.confirmed_count) for s in shifts} == {
        (first, ShiftStatus.CANCELLED, 0),
        (second, ShiftStatus.CANCELLED, 0),
    }
    statuses = db.session.scalars(select(Signup.status).where(Signup.id.in_(signups))).all()
    assert statuses == [SignupStatus.CANCELLED] * 2
    events = db.session.execute(
        select(ShiftEvent.shift_id, ShiftEvent.kind, ShiftEvent.detail).order_by(
            ShiftEvent.shift_id
        )
    ).all()
    assert [tuple(e) for e in events] == [
        (first, ShiftEventKind.CANCELLED, {"reason": "天气原因"}),
        (second, ShiftEventKind.CANCELLED, {"reason": "天气原因"}),
    ]


def test_cancelling_a_task_twice_is_409(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    url = f"/api/v1/tasks/{task_id}/cancel"
    assert client.post(url, json={"reason": "天气原因"}, headers=headers).status_code == 200

    response = client.post(url, json={"reason": "再取消"}, headers=headers)

    assert (response.status_code, response.json["code"]) == (409, "task.cancelled")
    assert _task(task_id).cancel_reason == "天气原因"


def test_cancelling_a_task_without_a_reason_is_422(
    client: FlaskClient, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)

    response = client.post(f"/api/v1/tasks/{task_id}/cancel", json={}, headers=headers)

    assert (response.status_code, response.json["fields"]) == (422, {"reason": ["此项必填"]})
    assert _task(task_id).status == TaskStatus.DRAFT


def test_cancelling_another_communitys_task_is_404_as_if_unknown(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = post_task(client, headers, place.community)
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)

    response = client.post(
        f"/api/v1/tasks/{task_id}/cancel", json={"reason": "天气原因"}, headers=neighbour
    )

    assert (response.status_code, response.json["code"]) == (404, "task.not_found")
    assert _task(task_id).status == TaskStatus.DRAFT
