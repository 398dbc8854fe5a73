"""Campaigns over HTTP: the org department keeps a city's list; task managers tag tasks with
its active campaigns; refusals by role, by city and for deactivated campaigns."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from tests.audit.compliance_world import World
from tests.campaigns.conftest import Headers, Tagged, campaign
from tests.steps import post_task, task_body


def _names(client: FlaskClient, headers: Headers, city_id: int, **query: object) -> list[str]:
    response = client.get(
        f"/api/v1/cities/{city_id}/campaigns", query_string=query, headers=headers
    )
    assert response.status_code == 200, response.json
    return [c["name"] for c in response.json]


def test_org_admin_names_renames_and_deactivates_campaigns(world: World) -> None:
    client, org, city_id = world.client, world.org_admin, world.place.city.id
    first = campaign(client, org, city_id, "创城")
    second = campaign(client, org, city_id, "疫情防控")
    again = campaign(client, org, city_id, "创城")
    renamed = client.patch(
        f"/api/v1/campaigns/{second.json['id']}", json={"name": "专项整治"}, headers=org
    )
    taken = client.patch(
        f"/api/v1/campaigns/{second.json['id']}", json={"name": "创城"}, headers=org
    )
    stopped = client.patch(
        f"/api/v1/campaigns/{first.json['id']}", json={"active": False}, headers=org
    )

    assert first.status_code == second.status_code == 201
    assert first.json["city_id"] == city_id and first.json["active"] is True
    assert again.status_code == 409 and again.json["code"] == "campaign.duplicate"
    assert renamed.status_code == 200 and renamed.json["name"] == "专项整治"
    assert taken.status_code == 409
    assert stopped.status_code == 200 and stopped.json["active"] is False
    member = world.headers["a"]  # any signed-in account reads the list (tasks show tags)
    assert _names(client, member, city_id) == ["创城", "专项整治"]
    assert _names(client, member, city_id, active="true") == ["专项整治"]


def test_a_blank_name_is_422(world: World) -> None:
    blank = campaign(world.client, world.org_admin, world.place.city.id, "   ")
    assert blank.status_code == 422 and "name" in blank.json["fields"]


def test_community_admin_cannot_name_a_campaign(world: World) -> None:
    response = campaign(world.client, world.secretary, world.place.city.id, "创城")

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"


def test_another_city_s_org_admin_is_refused(
    tagged: Tagged, other_city_org_admin: tuple[int, Headers]
) -> None:
    world = tagged.world
    _, outsider = other_city_org_admin

    create = campaign(world.client, outsider, world.place.city.id, "创城二")
    patch = world.client.patch(
        f"/api/v1/campaigns/{tagged.campaign_id}", json={"active": False}, headers=outsider
    )
    unknown = world.client.patch(
        "/api/v1/campaigns/999999", json={"active": False}, headers=world.org_admin
    )

    assert create.status_code == 403
    # Outside one's scope answers as an unknown id does.
    assert patch.status_code == unknown.status_code == 404
    assert patch.json["code"] == unknown.json["code"] == "campaign.not_found"
    assert patch.json["message"] == unknown.json["message"]


def test_a_campaign_list_of_a_street_is_422(world: World) -> None:
    response = world.client.get(f"/api/v1/cities/{world.s1.id}/campaigns", headers=world.org_admin)

    assert response.status_code == 422 and response.json["code"] == "area.wrong_level"


def test_secretary_tags_a_task_and_the_task_shows_its_campaigns(tagged: Tagged) -> None:
    world = tagged.world
    client, secretary = world.client, world.secretary
    second = campaign(client, world.org_admin, world.place.city.id, "专项整治").json["id"]

    shown = client.get(f"/api/v1/tasks/{tagged.task_id}", headers=secretary)
    both = client.patch(
        f"/api/v1/tasks/{tagged.task_id}",
        json={"campaign_ids": [second, tagged.campaign_id]},
        headers=secretary,
    )
    cleared = client.patch(
        f"/api/v1/tasks/{tagged.task_id}", json={"campaign_ids": []}, headers=secretary
    )

    assert shown.status_code == 200
    assert [c["name"] for c in shown.json["campaigns"]] == ["创城"]
    assert both.status_code == 200
    assert [c["id"] for c in both.json["campaigns"]] == [tagged.campaign_id, second]
    assert cleared.status_code == 200 and cleared.json["campaigns"] == []


def test_a_deactivated_unknown_or_foreign_campaign_cannot_be_set(
    tagged: Tagged, other_city_org_admin: tuple[int, Headers]
) -> None:
    world = tagged.world
    client, secretary = world.client, world.secretary
    other_city, outsider = other_city_org_admin
    foreign = campaign(client, outsider, other_city, "创城").json["id"]
    stopped = campaign(client, world.org_admin, world.place.city.id, "旧专项").json["id"]
    client.patch(f"/api/v1/campaigns/{stopped}", json={"active": False}, headers=world.org_admin)

    answers = {
        name: client.patch(
            f"/api/v1/tasks/{tagged.task_id}", json={"campaign_ids": [ids]}, headers=secretary
        )
        for name, ids in (("foreign", foreign), ("stopped", stopped), ("unknown", 999_999))
    }
    created = client.post(
        "/api/v1/tasks", json=task_body(world.c1, campaign_ids=[foreign]), headers=secretary
    )
    task = client.get(f"/api/v1/tasks/{tagged.task_id}", headers=secretary).json

    for response in (*answers.values(), created):
        assert response.status_code == 422, response.json
        assert response.json["code"] == "campaign.unusable"
        assert "campaign_ids" in response.json["fields"]
    assert [c["id"] for c in task["campaigns"]] == [tagged.campaign_id]  # nothing written


def test_a_deactivated_campaign_stays_on_its_tasks(tagged: Tagged) -> None:
    world = tagged.world
    world.client.patch(
        f"/api/v1/campaigns/{tagged.campaign_id}", json={"active": False}, headers=world.org_admin
    )
    other = post_task(world.client, world.secretary, world.c1)

    task = world.client.get(f"/api/v1/tasks/{tagged.task_id}", headers=world.secretary).json
    untagged = world.client.get(f"/api/v1/tasks/{other}", headers=world.secretary).json

    assert [(c["id"], c["active"]) for c in task["campaigns"]] == [(tagged.campaign_id, False)]
    assert untagged["campaigns"] == []


def test_a_street_admin_cannot_manage_campaigns(world: World) -> None:
    street = world.admin(Role.STREET_ADMIN, world.s1)

    response = campaign(world.client, street, world.place.city.id, "创城")

    assert response.status_code == 403
