"""The issue's "done when", through HTTP as the mini-program and the admins would go."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_roster, make_city, publish_notice
from tests.steps import login_as, onboard


def test_member_on_the_roster_is_verified_at_once_and_reports_in(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "张三", "13800000001")
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    member = onboard(
        client,
        fake_wechat,
        name="张三",
        phone="13800000001",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    me = client.get("/api/v1/me/member", headers=member).json
    assert me["status"] == "verified" and me["verified_by_roster"] is True
    assert me["phone"] == "13800000001"

    asked = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=member
    )
    assert asked.status_code == 201 and asked.json["status"] == "pending"
    pending = client.get("/api/v1/report-ins?status=pending", headers=secretary).json
    assert [r["member"]["name"] for r in pending["items"]] == ["张三"]
    assert pending["items"][0]["member"]["phone"] == "13800000001"  # the secretary calls members

    approved = client.post(
        f"/api/v1/report-ins/{asked.json['id']}/approve", json={}, headers=secretary
    )
    assert approved.status_code == 200 and approved.json["status"] == "active"
    history = client.get("/api/v1/me/report-ins", headers=member).json["items"]
    assert [r["status"] for r in history] == ["active"]


def test_member_missing_from_roster_is_approved_by_unit_admin(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    member = onboard(
        client,
        fake_wechat,
        name="李四",
        phone="13800000002",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    me = client.get("/api/v1/me/member", headers=member).json
    assert me["status"] == "pending"
    refused = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=member
    )
    assert refused.status_code == 403 and refused.json["code"] == "member.not_verified"

    listed = client.get("/api/v1/members?status=pending", headers=unit_admin).json
    assert [m["name"] for m in listed["items"]] == ["李四"]
    reviewed = client.post(
        f"/api/v1/members/{me['id']}/review", json={"approve": True}, headers=unit_admin
    )
    assert reviewed.status_code == 200 and reviewed.json["status"] == "verified"
    assert client.get("/api/v1/me/member", headers=member).json["status"] == "verified"


def test_transfer_moves_the_member_and_keeps_history(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "王五", "13800000003")
    _, old_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, new_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    member = onboard(
        client,
        fake_wechat,
        name="王五",
        phone="13800000003",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    first = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=member
    ).json
    client.post(f"/api/v1/report-ins/{first['id']}/approve", json={}, headers=old_secretary)

    moved = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.other_community.id}, headers=member
    )
    assert moved.status_code == 201 and moved.json["transfer_from_id"] == first["id"]
    wrong_secretary = client.post(
        f"/api/v1/report-ins/{moved.json['id']}/approve", json={}, headers=old_secretary
    )
    assert wrong_secretary.status_code == 404  # another community's report-in: as unknown
    approved = client.post(
        f"/api/v1/report-ins/{moved.json['id']}/approve", json={}, headers=new_secretary
    )
    assert approved.status_code == 200

    history = client.get("/api/v1/me/report-ins", headers=member).json["items"]
    assert [(r["community"]["id"], r["status"], r["end_kind"]) for r in history] == [
        (place.other_community.id, "active", None),
        (place.community.id, "ended", "transfer"),
    ]
    old_list = client.get("/api/v1/report-ins?status=active", headers=old_secretary).json
    assert old_list["items"] == []


def test_me_follows_registration_and_consent(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "赵六", "13800000004")
    headers = onboard(
        client,
        fake_wechat,
        name="赵六",
        phone="13800000004",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )

    me = client.get("/api/v1/me", headers=headers).json

    assert me["member_status"] == "verified"
    assert me["roles"] == ["member"]
    assert me["consents"]["needs_acceptance"] is False
    assert me["consents"]["accepted_notice_version"] == version
    publish_notice("2027.1")
    assert client.get("/api/v1/me", headers=headers).json["consents"]["needs_acceptance"] is True
