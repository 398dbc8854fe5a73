"""A secretary posts a task; eligible members sign up; the waitlist moves on cancellation."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.database import utcnow
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City, make_city, publish_notice
from tests.steps import login_as, reported_member


def _post_task(
    client: FlaskClient,
    headers: dict[str, str],
    place: City,
    capacity: int,
    visibility: str = "community",
) -> tuple[int, int]:
    task = client.post(
        "/api/v1/tasks",
        headers=headers,
        json={
            "area_id": place.community.id,
            "kind": "activity",
            "category_id": 1,
            "title": "文明劝导",
            "content": "路口文明劝导",
            "address": "府前街与崇文路口",
            "point": {"latitude": "37.146", "longitude": "111.781", "system": "gcj02"},
            "visibility": visibility,
            "contact_name": "王书记",
            "contact_phone": "0358-7221234",
        },
    )
    assert task.status_code == 201, task.json
    start = utcnow() + timedelta(days=2)
    shift = client.post(
        f"/api/v1/tasks/{task.json['id']}/shifts",
        headers=headers,
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "capacity": capacity,
        },
    )
    assert shift.status_code == 201, shift.json
    published = client.post(f"/api/v1/tasks/{task.json['id']}/publish", headers=headers)
    assert published.status_code == 200 and published.json["status"] == "published"
    return task.json["id"], shift.json["id"]


def test_full_shift_waitlists_and_a_cancellation_promotes_the_next(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = _post_task(client, secretary, place, capacity=1)
    first = reported_member(
        client, fake_wechat, place, place.community, "张一", "13800000101", version
    )
    second = reported_member(
        client, fake_wechat, place, place.community, "张二", "13800000102", version
    )

    a = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=first)
    again = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=first)
    b = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=second)

    assert (a.status_code, a.json["status"]) == (201, "confirmed")
    assert (again.status_code, again.json["id"]) == (200, a.json["id"])
    assert (b.status_code, b.json["status"]) == (201, "waitlisted")
    cancelled = client.post(f"/api/v1/signups/{a.json['id']}/cancel", headers=first)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    roster = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=secretary).json
    assert {(s["id"], s["status"]) for s in roster} == {
        (a.json["id"], "cancelled"),
        (b.json["id"], "confirmed"),
    }
    promoted = next(s for s in roster if s["id"] == b.json["id"])
    assert promoted["promoted_at"] is not None


def test_member_of_another_community_cannot_join_a_community_task(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = _post_task(client, secretary, place, capacity=5)
    outsider = reported_member(
        client, fake_wechat, place, place.other_community, "李一", "13800000103", version
    )

    refused = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=outsider)

    assert refused.status_code == 409 and refused.json["code"] == "signup.not_eligible"


def test_street_visible_task_admits_the_neighbouring_community(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = _post_task(client, secretary, place, capacity=5, visibility="street")
    neighbour = reported_member(
        client, fake_wechat, place, place.other_community, "李二", "13800000104", version
    )

    joined = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=neighbour)

    assert joined.status_code == 201 and joined.json["status"] == "confirmed"
