"""The needs list: recorded by the community, private contact, turned into a task, closed."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City, first_category_id
from tests.steps import login_as


def test_need_becomes_a_wish_and_is_tracked_to_done(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, dict[str, str]]
) -> None:
    place, secretary = secretary
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    recorded = client.post(
        f"/api/v1/communities/{place.community.id}/needs",
        headers=secretary,
        json={
            "content": "独居老人家中灯泡需要更换",
            "urgency": "urgent",
            "resident_contact": "李奶奶 13900001111",
        },
    )
    assert recorded.status_code == 201 and recorded.json["status"] == "open"
    need_id = recorded.json["id"]

    seen_by_street = client.get(f"/api/v1/needs/{need_id}", headers=street_admin).json
    assert seen_by_street["resident_contact"] is None  # private to the community
    assert (
        client.get(f"/api/v1/needs/{need_id}", headers=secretary).json["resident_contact"]
        == "李奶奶 13900001111"
    )

    task = client.post(
        f"/api/v1/needs/{need_id}/task",
        headers=secretary,
        json={
            "category_id": first_category_id(),
            "title": "帮李奶奶换灯泡",
            "address": "府前社区3号楼",
            "visibility": "community",
            "contact_name": "王书记",
            "contact_phone": "0358-7221234",
        },
    )
    assert task.status_code == 201, task.json
    assert (task.json["kind"], task.json["content"]) == ("wish", "独居老人家中灯泡需要更换")
    again = client.post(
        f"/api/v1/needs/{need_id}/task",
        headers=secretary,
        json={
            "category_id": first_category_id(),
            "title": "重复",
            "address": "x",
            "visibility": "community",
            "contact_name": "王",
            "contact_phone": "0358-7221234",
        },
    )
    assert again.status_code == 409 and again.json["code"] == "need.not_open"

    listed = client.get("/api/v1/needs?status=in_progress", headers=secretary).json
    assert [(n["id"], n["task_id"]) for n in listed["items"]] == [(need_id, task.json["id"])]
    done = client.patch(f"/api/v1/needs/{need_id}", headers=secretary, json={"status": "done"})
    assert done.status_code == 200 and done.json["closed_at"] is not None
    closed = client.patch(f"/api/v1/needs/{need_id}", headers=secretary, json={"content": "x"})
    assert closed.status_code == 409 and closed.json["code"] == "need.closed"


@pytest.mark.parametrize("role", [None, Role.UNIT_ADMIN, "other_community"])
def test_needs_are_refused_outside_the_community(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role | str | None,
    secretary: tuple[City, dict[str, str]],
) -> None:
    place, secretary = secretary
    need_id = client.post(
        f"/api/v1/communities/{place.community.id}/needs",
        headers=secretary,
        json={"content": "楼道堆物清理"},
    ).json["id"]
    if role == "other_community":
        _, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    elif role == Role.UNIT_ADMIN:
        _, headers = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    else:
        _, headers = login_as(client, fake_wechat, None)

    # Another community's admin is told the need does not exist; the others lack the role.
    read = client.get(f"/api/v1/needs/{need_id}", headers=headers)
    assert read.status_code == (404 if role == "other_community" else 403)
    recorded = client.post(
        f"/api/v1/communities/{place.community.id}/needs", headers=headers, json={"content": "x"}
    )
    assert recorded.status_code == 403


def test_need_input_is_checked(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, dict[str, str]]
) -> None:
    place, secretary = secretary
    url = f"/api/v1/communities/{place.community.id}/needs"

    empty = client.post(url, headers=secretary, json={"content": ""})
    bad_urgency = client.post(url, headers=secretary, json={"content": "x", "urgency": "asap"})
    street = client.post(
        f"/api/v1/communities/{place.street.id}/needs", headers=secretary, json={"content": "x"}
    )

    assert empty.status_code == bad_urgency.status_code == 422
    assert street.status_code == 422 and street.json["code"] == "area.wrong_level"


@pytest.mark.parametrize("status", ["in_progress", "open"])
def test_an_edit_only_closes_a_need(
    client: FlaskClient, secretary: tuple[City, dict[str, str]], status: str
) -> None:
    place, secretary = secretary
    need = client.post(
        f"/api/v1/communities/{place.community.id}/needs", headers=secretary, json={"content": "x"}
    ).json
    url = f"/api/v1/needs/{need['id']}"

    if status == "open":  # in progress through a task, then asked to go back
        task = client.post(
            f"{url}/task",
            headers=secretary,
            json={
                "title": "换灯泡",
                "category_id": first_category_id(),
                "address": "1 号楼",
                "visibility": "community",
                "contact_name": "王书记",
                "contact_phone": "0358-7221234",
            },
        )
        assert task.status_code == 201
    moved = client.patch(url, headers=secretary, json={"status": status, "content": "y"})
    unchanged = client.get(url, headers=secretary).json
    cancelled = client.patch(url, headers=secretary, json={"status": "cancelled"})

    assert moved.status_code == 409 and moved.json["code"] == "need.bad_status"
    assert moved.json["fields"] == {"status": ["只能改为 done 或 cancelled"]}
    assert unchanged["content"] == "x" and unchanged["status"] != status
    assert cancelled.status_code == 200 and cancelled.json["closed_at"] is not None
