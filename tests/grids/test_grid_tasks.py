"""Grid tasks: a grid's roles post and run them for the grid's members alone; the community
still manages them; nobody else sees or joins them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import ServiceRecord
from sunshine.tasks.models import Shift, Task, Visibility
from tests.conftest import Clock
from tests.grids.world import grid_staff, liaison, make_grids, resident
from tests.steps import post_shift, post_task, publish, published_shift, shift_body, task_body

TASKS = "/api/v1/tasks"


def _tasks() -> int:
    return db.session.scalar(select(func.count()).select_from(Task)) or 0


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.GRID_ASSISTANT, Role.GRID_LIAISON])
def test_a_grid_role_posts_publishes_and_cancels_a_task_of_its_grid(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role
) -> None:
    grids = make_grids(client, fake_wechat)
    if role == Role.GRID_LIAISON:
        _, staff = liaison(client, grids, grids.grid)
    else:
        staff = grid_staff(client, grids, role, grids.grid)

    task_id = post_task(client, staff, grids.grid)
    shift_id = post_shift(client, staff, task_id)
    publish(client, staff, task_id)

    task = db.session.get(Task, task_id)
    assert task is not None and task.visibility == Visibility.GRID
    assert db.session.get(Shift, shift_id).scope_path == grids.grid.path  # type: ignore[union-attr]
    cancelled = client.post(f"{TASKS}/{task_id}/cancel", json={"reason": "下雨"}, headers=staff)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"


@pytest.mark.parametrize("where", ["community", "other_grid", "far_grid", "street"])
def test_a_grid_role_may_not_post_a_task_outside_its_grid(
    client: FlaskClient, fake_wechat: FakeWeChat, where: str
) -> None:
    grids = make_grids(client, fake_wechat)
    staff = grid_staff(client, grids, Role.GRID_WORKER, grids.grid)
    area = {
        "community": grids.place.community,
        "other_grid": grids.other_grid,
        "far_grid": grids.far_grid,
        "street": grids.place.street,
    }[where]
    before = _tasks()

    refused = client.post(TASKS, json=task_body(area), headers=staff)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"
    assert _tasks() == before


def test_a_grid_role_may_not_manage_the_communitys_other_tasks(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    staff = grid_staff(client, grids, Role.GRID_WORKER, grids.grid)
    community_task = post_task(client, grids.admin, grids.place.community)
    other_grid_task = post_task(client, grids.admin, grids.other_grid)
    own = post_task(client, grids.admin, grids.grid)  # the community posts for the grid too

    for task_id in (community_task, other_grid_task):
        edited = client.patch(f"{TASKS}/{task_id}", json={"title": "改"}, headers=staff)
        shift = client.post(f"{TASKS}/{task_id}/shifts", json=shift_body(), headers=staff)
        assert edited.status_code == 404 and edited.json["code"] == "task.not_found"
        assert shift.status_code == 404 and shift.json["code"] == "task.not_found"
    listed = client.get(TASKS, headers=staff, query_string={"limit": 100}).json["items"]
    assert [item["id"] for item in listed] == [own]
    assert db.session.get(Task, community_task).title == "文明劝导"  # type: ignore[union-attr]


def test_the_community_admin_manages_the_grid_task_a_liaison_posted(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    _, staff = liaison(client, grids, grids.grid)
    task_id = post_task(client, staff, grids.grid)
    post_shift(client, staff, task_id)

    edited = client.patch(f"{TASKS}/{task_id}", json={"title": "网格清扫"}, headers=grids.admin)
    publish(client, grids.admin, task_id)

    assert edited.status_code == 200 and edited.json["title"] == "网格清扫"
    far = client.patch(f"{TASKS}/{task_id}", json={"title": "越权"}, headers=grids.far_admin)
    assert far.status_code == 404 and far.json["code"] == "task.not_found"


@pytest.mark.parametrize("visibility", ["community", "street", "city"])
def test_a_grid_task_visible_beyond_its_grid_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, visibility: str
) -> None:
    grids = make_grids(client, fake_wechat)
    before = _tasks()

    refused = client.post(
        TASKS, json=task_body(grids.grid, visibility=visibility), headers=grids.admin
    )

    assert refused.status_code == 422 and refused.json["code"] == "task.bad_visibility"
    assert "visibility" in refused.json["fields"]
    assert _tasks() == before


@pytest.mark.parametrize("level", ["community", "street"])
def test_visibility_grid_on_an_area_that_is_not_a_grid_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, level: str
) -> None:
    from tests.steps import login_as

    grids = make_grids(client, fake_wechat)
    area = grids.place.community if level == "community" else grids.place.street
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, grids.place.street)
    before = _tasks()

    refused = client.post(TASKS, json=task_body(area, visibility="grid"), headers=street_admin)

    assert refused.status_code == 422 and refused.json["code"] == "task.bad_visibility"
    assert _tasks() == before


def test_changing_the_visibility_of_a_grid_or_community_task_across_the_rule_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    grid_task = post_task(client, grids.admin, grids.grid)
    community_task = post_task(client, grids.admin, grids.place.community)

    widened = client.patch(
        f"{TASKS}/{grid_task}", json={"visibility": "community"}, headers=grids.admin
    )
    narrowed = client.patch(
        f"{TASKS}/{community_task}", json={"visibility": "grid"}, headers=grids.admin
    )

    assert widened.status_code == 422 and widened.json["code"] == "task.bad_visibility"
    assert narrowed.status_code == 422 and narrowed.json["code"] == "task.bad_visibility"
    assert db.session.get(Task, grid_task).visibility == Visibility.GRID  # type: ignore[union-attr]


def test_only_the_grids_members_see_read_and_join_a_grid_shift(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    task_id, shift_id = published_shift(client, grids.admin, grids.grid)
    _, community_shift = published_shift(client, grids.admin, grids.place.community)
    inside = resident(client, grids, grids.grid)
    others = [
        resident(client, grids, grids.other_grid),
        resident(client, grids, None),  # reported in to the community, in no grid
        resident(client, grids, grids.far_grid),
    ]

    feed = client.get("/api/v1/me/feed", headers=inside.headers).json["items"]
    assert sorted(item["shift"]["id"] for item in feed) == sorted([shift_id, community_shift])
    reasons = {item["shift"]["id"]: item["reasons"][0] for item in feed}
    assert reasons == {shift_id: "本网格", community_shift: "本社区"}
    for other in others:
        seen = client.get("/api/v1/me/feed", headers=other.headers).json["items"]
        assert shift_id not in [item["shift"]["id"] for item in seen]
        read = client.get(f"{TASKS}/{task_id}", headers=other.headers)
        assert read.status_code == 404 and read.json["code"] == "task.not_found"
        refused = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=other.headers)
        assert refused.status_code == 409 and refused.json["code"] == "signup.not_eligible"
    assert client.get(f"{TASKS}/{task_id}", headers=inside.headers).status_code == 200
    joined = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=inside.headers)
    assert joined.status_code == 201 and joined.json["status"] == "confirmed"


def test_the_community_admin_invites_only_the_grids_members_to_a_grid_shift(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    _, shift_id = published_shift(client, grids.admin, grids.grid)
    inside = resident(client, grids, grids.grid)
    outside = resident(client, grids, grids.other_grid)
    url = f"/api/v1/shifts/{shift_id}/invitations"

    suggested = client.get(f"/api/v1/shifts/{shift_id}/suggestions", headers=grids.admin)
    refused = client.post(url, json={"member_ids": [outside.member_id]}, headers=grids.admin)
    invited = client.post(url, json={"member_ids": [inside.member_id]}, headers=grids.admin)

    assert suggested.status_code == 200, suggested.json
    assert [s["member"]["id"] for s in suggested.json] == [inside.member_id]
    assert refused.status_code == 422 and refused.json["code"] == "invitation.not_eligible"
    assert invited.status_code == 201, invited.json


def test_a_grid_role_does_not_confirm_hours(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    grids = make_grids(client, fake_wechat)
    _, staff = liaison(client, grids, grids.grid)

    refused = client.post("/api/v1/service-records/confirm", json={"ids": [1]}, headers=staff)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_service_on_a_grid_task_is_the_communitys_record_which_its_admin_confirms(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    grids = make_grids(client, fake_wechat)
    _, staff = liaison(client, grids, grids.grid)
    task_id = post_task(client, staff, grids.grid)
    shift_id = post_shift(client, staff, task_id)
    publish(client, staff, task_id)
    member = resident(client, grids, grids.grid)
    joined = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member.headers)
    assert joined.status_code == 201
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    starts_at = shift.starts_at
    clock.set(starts_at + timedelta(minutes=150))

    recorded = client.post(  # the grid's liaison runs the shift: attendance by hand
        f"/api/v1/shifts/{shift_id}/attendance",
        json={
            "member_id": member.member_id,
            "checked_in_at": starts_at.isoformat(),
            "checked_out_at": (starts_at + timedelta(minutes=60)).isoformat(),
            "reason": "老党员没有智能手机",
        },
        headers=staff,
    )

    assert recorded.status_code == 201, recorded.json
    record = db.session.get(ServiceRecord, recorded.json["id"])
    assert record is not None
    assert (record.area_id, record.area_path) == (
        grids.place.community.id,
        grids.place.community.path,
    )
    url = f"/api/v1/service-records/{record.id}/confirm"
    by_liaison = client.post(url, headers=staff)
    by_other_community = client.post(url, headers=grids.far_admin)
    confirmed = client.post(url, headers=grids.admin)
    assert by_liaison.status_code == 403 and by_liaison.json["code"] == "auth.forbidden"
    assert by_other_community.status_code == 404
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
