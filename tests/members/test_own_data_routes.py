"""The member's own data: a copy of everything held (PIPL access), and deactivation."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.auth.models import Account, AccountStatus
from sunshine.consent.models import ConsentRecord
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, MemberStatus
from sunshine.reportin.models import EndKind, ReportIn, ReportInStatus
from sunshine.security.models import SecurityEvent
from tests.builders import City, add_skill, auth, make_city, publish_notice
from tests.steps import login, login_as, onboard_verified, own_member_id, ready_to_register


def _active_member(
    client: FlaskClient, fake: FakeWeChat, place: City, secretary: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """A verified member reported in to place.community: (member id, headers)."""
    headers = onboard_verified(
        client, fake, place, name="张三", phone="13800000001", notice_version=publish_notice()
    )
    asked = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=headers
    )
    approved = client.post(
        f"/api/v1/report-ins/{asked.json['id']}/approve", json={}, headers=secretary
    )
    assert approved.status_code == 200
    return own_member_id(client, headers), headers


def _member(member_id: int) -> Member:
    db.session.expire_all()
    member = db.session.get(Member, member_id)
    assert member is not None
    return member


def test_own_data_holds_account_member_consents_report_ins_and_security_events(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member_id, headers = _active_member(client, fake_wechat, place, secretary)
    client.post(
        "/api/v1/me/consents",
        json={"kind": "unit_feedback", "granted": True, "notice_version": "2026.1"},
        headers=headers,
    )

    data = client.get("/api/v1/me/data", headers=headers)

    assert data.status_code == 200
    body = data.json
    assert set(body) == {"account", "member", "consents", "report_ins", "security_events"}
    assert body["account"]["openid"] == "o-13800000001"
    assert body["account"]["phone"] == "13800000001"
    assert "session_key" not in body["account"]
    assert body["member"]["id"] == member_id and body["member"]["name"] == "张三"
    assert body["member"]["phone"] == "13800000001"
    assert [(c["kind"], c["granted"]) for c in body["consents"]] == [
        ("privacy_notice", True),
        ("unit_feedback", True),
    ]
    assert [(r["community"]["id"], r["status"]) for r in body["report_ins"]] == [
        (place.community.id, "active")
    ]
    actions = [e["action"] for e in body["security_events"]]
    assert actions[:2] == ["login", "phone.bind"]


def test_own_data_before_registering_has_no_member(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version="2026.1")

    body = client.get("/api/v1/me/data", headers=headers).json

    assert body["member"] is None and body["report_ins"] == []
    assert body["account"]["phone"] == "13800000001"


def test_own_data_without_logging_in_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/me/data").status_code == 401


@pytest.mark.parametrize(
    "payload", [{}, {"confirm": False}, {"confirm": True, "unknown": 1}], ids=str
)
def test_deactivate_without_confirming_is_422_and_changes_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat, payload: dict[str, object]
) -> None:
    place = make_city()
    headers = onboard_verified(
        client,
        fake_wechat,
        place,
        name="张三",
        phone="13800000001",
        notice_version=publish_notice(),
    )

    refused = client.post("/api/v1/me/deactivate", json=payload, headers=headers)

    assert refused.status_code == 422 and refused.json["code"] == "request.invalid"
    assert client.get("/api/v1/me/member", headers=headers).json["name"] == "张三"


def test_deactivate_anonymises_the_member_and_keeps_the_rows(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member_id, headers = _active_member(client, fake_wechat, place, secretary)
    client.patch("/api/v1/me/member", json={"skill_ids": [add_skill()]}, headers=headers)
    account_id = _member(member_id).account_id

    done = client.post(
        "/api/v1/me/deactivate", json={"confirm": True, "reason": "搬离本市"}, headers=headers
    )

    assert done.status_code == 204
    member = _member(member_id)
    assert member.id == member_id and member.name == "已注销"
    assert member.status == MemberStatus.DEACTIVATED
    assert member.skills == [] and member.party_org_id is None
    assert not (
        member.available_weekday_daytime or member.available_evenings or member.available_weekends
    )
    account = db.session.get(Account, account_id)
    assert account is not None
    assert account.phone is None and account.unionid is None
    assert account.openid != "o-13800000001"
    assert account.status == AccountStatus.DISABLED
    report_ins = db.session.scalars(select(ReportIn).where(ReportIn.member_id == member_id)).all()
    assert [(r.status, r.end_kind) for r in report_ins] == [
        (ReportInStatus.ENDED, EndKind.DEACTIVATED)
    ]
    assert db.session.scalars(
        select(ConsentRecord.kind).where(ConsentRecord.account_id == account_id)
    ).all() == ["privacy_notice"]
    assert (
        "account.deactivate"
        in db.session.scalars(
            select(SecurityEvent.action).where(SecurityEvent.account_id == account_id)
        ).all()
    )


def test_deactivate_cancels_a_pending_report_in(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    headers = onboard_verified(
        client,
        fake_wechat,
        place,
        name="张三",
        phone="13800000001",
        notice_version=publish_notice(),
    )
    asked = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=headers
    )

    client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=headers)

    db.session.expire_all()
    report_in = db.session.get(ReportIn, asked.json["id"])
    assert report_in is not None
    assert (report_in.status, report_in.end_kind) == (
        ReportInStatus.CANCELLED,
        EndKind.DEACTIVATED,
    )


def test_deactivate_stops_the_token_and_a_new_login_starts_a_new_account(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    headers = onboard_verified(
        client,
        fake_wechat,
        place,
        name="张三",
        phone="13800000001",
        notice_version=publish_notice(),
    )
    member_id = own_member_id(client, headers)
    old_account = _member(member_id).account_id

    client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=headers)

    stale = client.get("/api/v1/me/member", headers=headers)
    assert stale.status_code == 401 and stale.json["code"] == "auth.invalid_token"
    fresh = auth(login(client, fake_wechat, "o-13800000001"))
    data = client.get("/api/v1/me/data", headers=fresh).json
    assert data["account"]["id"] != old_account
    assert data["account"]["phone"] is None and data["member"] is None
    assert data["consents"] == [] and data["report_ins"] == []
    missing = client.get("/api/v1/me/member", headers=fresh)
    assert missing.status_code == 404 and missing.json["code"] == "member.not_registered"


def test_deactivated_member_is_no_longer_listed_or_shown(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    member_id, headers = _active_member(client, fake_wechat, place, secretary)
    assert client.get("/api/v1/members", headers=unit_admin).json["items"] != []

    client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=headers)

    for admin in (unit_admin, org_admin):
        assert client.get("/api/v1/members", headers=admin).json["items"] == []
        detail = client.get(f"/api/v1/members/{member_id}", headers=admin)
        assert detail.status_code == 404 and detail.json["code"] == "member.not_found"
    active = client.get("/api/v1/report-ins?status=active", headers=secretary).json["items"]
    assert active == []


def test_deactivated_member_cannot_be_found_by_phone_in_the_report_in_history(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, headers = _active_member(client, fake_wechat, place, secretary)

    client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=headers)

    history = client.get("/api/v1/report-ins", headers=secretary).json["items"]
    assert [(r["member"]["name"], r["member"]["phone"]) for r in history] == [("已注销", None)]
