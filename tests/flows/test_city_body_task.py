"""Issue 17 item 4 (city-level owners), through HTTP: the organization department sets up the
civilisation practice centre and names its admin; the centre posts a task for two chosen
streets; a member of one signs up and serves, a member of a third street never sees it; the
centre's admin confirms the hours."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import Shift
from tests.builders import add_area, make_city, reported_headers
from tests.conftest import Clock
from tests.steps import login_as, shift_body, task_body


def test_the_practice_centre_posts_for_two_streets_and_confirms_the_hours(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    place = make_city()
    second = add_area(place.city, AreaLevel.STREET, "中阳楼街道")
    third = add_area(place.city, AreaLevel.STREET, "兑镇镇")
    third_community = add_area(third, AreaLevel.COMMUNITY, "兑镇社区")
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    # The organization department creates the centre and names its admin.
    created = client.post(
        f"/api/v1/cities/{place.city.id}/bodies",
        json={"name": "孝义市新时代文明实践中心", "kind": "practice_centre"},
        headers=org_admin,
    )
    assert created.status_code == 201, created.json
    body_id = created.json["id"]
    admin_account, body_admin = login_as(client, fake_wechat, None)
    named = client.post(
        "/api/v1/grants",
        json={"account_id": admin_account.id, "role": "body_admin", "body_id": body_id},
        headers=org_admin,
    )
    assert named.status_code == 201, named.json
    assert named.json["scope"] == {
        "kind": "body",
        "id": body_id,
        "name": "孝义市新时代文明实践中心",
    }

    # The centre's admin posts a task visible to two chosen streets, and publishes it.
    body = task_body(place.city, title="文明实践志愿服务", visibility="streets")
    body.pop("area_id")
    body["street_ids"] = [place.street.id, second.id]
    posted = client.post(f"/api/v1/bodies/{body_id}/tasks", json=body, headers=body_admin)
    assert posted.status_code == 201, posted.json
    assert posted.json["body_id"] == body_id and posted.json["area"]["id"] == place.city.id
    assert posted.json["street_ids"] == sorted([place.street.id, second.id])
    task_id = posted.json["id"]
    shift = client.post(f"/api/v1/tasks/{task_id}/shifts", json=shift_body(), headers=body_admin)
    assert shift.status_code == 201, shift.json
    shift_id = shift.json["id"]
    published = client.post(f"/api/v1/tasks/{task_id}/publish", headers=body_admin)
    assert published.status_code == 200 and published.json["status"] == "published"

    # A member of a chosen street sees it in the feed and signs up.
    inside = reported_headers(place, place.community)
    feed = client.get("/api/v1/me/feed", headers=inside).json
    assert [item["shift"]["id"] for item in feed["items"]] == [shift_id]
    signed = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=inside)
    assert signed.status_code == 201 and signed.json["status"] == "confirmed"

    # A member of the third street neither sees it nor can sign up.
    outside = reported_headers(place, third_community)
    assert client.get("/api/v1/me/feed", headers=outside).json["items"] == []
    assert client.get(f"/api/v1/tasks/{task_id}", headers=outside).status_code == 404
    refused = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=outside)
    assert refused.status_code == 409 and refused.json["code"] == "signup.not_eligible"

    # The member checks in and out with the code the centre's admin shows.
    starts = db.session.get_one(Shift, shift_id).starts_at

    def code() -> str:
        shown = client.get(f"/api/v1/shifts/{shift_id}/checkin-code", headers=body_admin)
        assert shown.status_code == 200, shown.json
        value: str = shown.json["code"]
        return value

    clock.set(starts - timedelta(minutes=5))
    punched = client.post(
        "/api/v1/punches", json={"code": code(), "direction": "in"}, headers=inside
    )
    assert punched.status_code == 201, punched.json
    clock.set(starts + timedelta(minutes=120))
    out = client.post("/api/v1/punches", json={"code": code(), "direction": "out"}, headers=inside)
    assert out.status_code == 201, out.json
    record = out.json["record"]
    assert record["status"] == "pending" and record["minutes"] == 120

    # The centre's admin sees the record and confirms it; the figures count it.
    pending = client.get("/api/v1/service-records?status=pending", headers=body_admin).json
    assert [r["id"] for r in pending["items"]] == [record["id"]]
    confirmed = client.post(
        "/api/v1/service-records/confirm", json={"ids": [record["id"]]}, headers=body_admin
    )
    assert confirmed.status_code == 200, confirmed.json
    mine = client.get("/api/v1/me/service-records", headers=inside).json["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(record["id"], "confirmed")]
    for reader in (body_admin, org_admin):
        figures = client.get(f"/api/v1/bodies/{body_id}/figures", headers=reader).json
        assert figures["tasks"]["published"] == 1
        assert (figures["shifts"], figures["signed_up"]) == (1, 1)
        assert figures["records"]["confirmed"] == 1 and figures["confirmed_minutes"] == 120
        listed = client.get(f"/api/v1/bodies/{body_id}/tasks", headers=reader).json
        assert [t["id"] for t in listed["items"]] == [task_id]
