"""Issue 17 item 3's "done when": a grid liaison posts a grid task that only the grid's members
see and join, and lists the grid's members — all over HTTP, as the people would."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.grids.world import make_grids, resident
from tests.steps import shift_body, task_body


def test_a_liaison_posts_a_grid_task_only_the_grids_members_see_and_join(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    grid = grids.grid
    # Members of the community: two live in grid G, one in the community's other grid.
    liaison = resident(client, grids, grid)
    neighbour = resident(client, grids, grid)
    elsewhere = resident(client, grids, grids.other_grid)

    # The community admin names the member living in G its liaison (网格联络员).
    named = client.post(
        "/api/v1/grants",
        json={"role": Role.GRID_LIAISON.value, "area_id": grid.id, "member_id": liaison.member_id},
        headers=grids.admin,
    )
    assert named.status_code == 201, named.json
    me = client.get("/api/v1/me", headers=liaison.headers).json
    assert [(g["role"], g["scope"]["id"]) for g in me["grants"]] == [("grid_liaison", grid.id)]

    # The liaison posts a task for the grid, adds a shift and publishes it.
    posted = client.post(
        "/api/v1/tasks",
        json=task_body(grid, title="楼道清理", content="清理第一网格楼道杂物"),
        headers=liaison.headers,
    )
    assert posted.status_code == 201, posted.json
    assert posted.json["visibility"] == "grid"
    task_id = posted.json["id"]
    shift = client.post(
        f"/api/v1/tasks/{task_id}/shifts", json=shift_body(capacity=3), headers=liaison.headers
    )
    assert shift.status_code == 201, shift.json
    shift_id = shift.json["id"]
    published = client.post(f"/api/v1/tasks/{task_id}/publish", headers=liaison.headers)
    assert published.status_code == 200 and published.json["status"] == "published"

    # A member of G sees it in the feed, as a task of their grid, and signs up.
    feed = client.get("/api/v1/me/feed", headers=neighbour.headers).json["items"]
    assert [(i["shift"]["id"], i["reasons"][0]) for i in feed] == [(shift_id, "本网格")]
    joined = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=neighbour.headers)
    assert joined.status_code == 201 and joined.json["status"] == "confirmed"

    # A member of the same community in another grid neither sees it nor can sign up.
    theirs = client.get("/api/v1/me/feed", headers=elsewhere.headers).json["items"]
    assert theirs == []
    refused = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=elsewhere.headers)
    assert refused.status_code == 409 and refused.json["code"] == "signup.not_eligible"
    hidden = client.get(f"/api/v1/tasks/{task_id}", headers=elsewhere.headers)
    assert hidden.status_code == 404

    # The liaison lists G's members: names, masked phones, their report-ins.
    members = client.get(f"/api/v1/grids/{grid.id}/members", headers=liaison.headers)
    assert members.status_code == 200, members.json
    items = members.json["items"]
    assert {i["member"]["id"] for i in items} == {liaison.member_id, neighbour.member_id}
    assert all("*" in i["member"]["phone"] for i in items if i["member"]["id"] != liaison.member_id)
    assert {i["id"] for i in items} == {liaison.report_in_id, neighbour.report_in_id}
    assert {i["grid"]["id"] for i in items} == {grid.id}

    # The roster of the shift is the liaison's to see; the community's own tasks are not.
    roster = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=liaison.headers)
    assert roster.status_code == 200
    assert [s["member_id"] for s in roster.json] == [neighbour.member_id]
    community_task = client.post(
        "/api/v1/tasks", json=task_body(grids.place.community), headers=grids.admin
    ).json["id"]
    foreign = client.post(f"/api/v1/tasks/{community_task}/publish", headers=liaison.headers)
    assert foreign.status_code == 404 and foreign.json["code"] == "task.not_found"
