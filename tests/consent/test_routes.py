"""The versioned privacy notice and the two optional, revocable consents."""

from __future__ import annotations

from datetime import UTC

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.consent.models import ConsentKind, ConsentRecord
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from tests.builders import make_city, publish_notice
from tests.steps import accept_notice, login_as, onboard_verified, ready_to_register


def _records(account_id: int) -> list[tuple[ConsentKind, bool, str]]:
    rows = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.account_id == account_id)
        .order_by(ConsentRecord.id)
    )
    return [(r.kind, r.granted, r.notice_version) for r in rows]


def _account_id(client: FlaskClient, headers: dict[str, str]) -> int:
    account_id: int = client.get("/api/v1/me/data", headers=headers).json["account"]["id"]
    return account_id


def _consent(
    client: FlaskClient, headers: dict[str, str], kind: str, granted: bool, version: str
) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/api/v1/me/consents",
        json={"kind": kind, "granted": granted, "notice_version": version},
        headers=headers,
    )
    return response.status_code, response.json


# The notice --------------------------------------------------------------------------------


def test_privacy_notice_before_any_is_published_is_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/privacy-notice")

    assert response.status_code == 404
    assert response.json["code"] == "consent.no_notice"


def test_privacy_notice_is_readable_without_logging_in_and_is_the_newest(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice("2026.1")
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    published = client.post(
        "/api/v1/privacy-notices",
        json={"version": "2026.2", "title": "隐私政策（修订）", "content": "新增……"},
        headers=sys_admin,
    )
    assert published.status_code == 201

    current = client.get("/api/v1/privacy-notice")

    assert current.status_code == 200
    assert current.json["version"] == "2026.2"
    assert current.json["title"] == "隐私政策（修订）"


@pytest.mark.parametrize(
    "role", [None, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.UNIT_ADMIN, Role.ORG_ADMIN]
)
def test_publish_notice_by_anyone_but_the_system_admin_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role | None
) -> None:
    place = make_city()
    scope = {
        None: None,
        Role.COMMUNITY_ADMIN: place.community,
        Role.STREET_ADMIN: place.street,
        Role.UNIT_ADMIN: place.unit,
        Role.ORG_ADMIN: place.city,
    }[role]
    publish_notice("2026.1")
    _, headers = login_as(client, fake_wechat, role, scope)

    refused = client.post(
        "/api/v1/privacy-notices",
        json={"version": "2026.9", "title": "隐私政策", "content": "……"},
        headers=headers,
    )

    assert refused.status_code == 403
    assert refused.json["code"] == "auth.forbidden"
    assert client.get("/api/v1/privacy-notice").json["version"] == "2026.1"


def test_publish_notice_with_a_version_already_published_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice("2026.1")
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)

    refused = client.post(
        "/api/v1/privacy-notices",
        json={"version": "2026.1", "title": "隐私政策", "content": "……"},
        headers=sys_admin,
    )

    assert refused.status_code == 409
    assert refused.json["code"] == "consent.version_exists"


# Accepting the notice ----------------------------------------------------------------------


def test_register_without_accepting_the_notice_is_403_and_writes_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=None)

    refused = client.post(
        "/api/v1/me/member",
        json={"name": "张三", "unit_id": place.unit.id, "residence_id": place.community.id},
        headers=headers,
    )

    assert refused.status_code == 403
    assert refused.json["code"] == "consent.notice_required"
    assert db.session.scalar(select(Member.id)) is None


def test_register_before_any_notice_is_published_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=None)

    refused = client.post(
        "/api/v1/me/member",
        json={"name": "张三", "unit_id": place.unit.id, "residence_id": place.community.id},
        headers=headers,
    )

    assert refused.status_code == 404
    assert refused.json["code"] == "consent.no_notice"


def test_accept_a_notice_version_that_is_no_longer_current_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice("2026.1")
    publish_notice("2026.2")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=None)

    status, body = _consent(client, headers, "privacy_notice", True, "2026.1")

    assert status == 409 and body["code"] == "consent.stale_notice"
    assert _records(_account_id(client, headers)) == []


def test_withdraw_the_privacy_notice_is_422(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    version = publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=version)

    status, body = _consent(client, headers, "privacy_notice", False, version)

    assert status == 422 and body["code"] == "consent.notice_not_withdrawable"
    assert client.get("/api/v1/me/consents", headers=headers).json["needs_acceptance"] is False
    assert _records(_account_id(client, headers)) == [(ConsentKind.PRIVACY_NOTICE, True, version)]


def test_consents_before_accepting_need_acceptance(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=None)

    summary = client.get("/api/v1/me/consents", headers=headers).json

    assert summary == {
        "current_notice_version": "2026.1",
        "accepted_notice_version": None,
        "needs_acceptance": True,
        "unit_feedback": False,
        "public_ranking": False,
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "marketing", "granted": True, "notice_version": "2026.1"},
        {"kind": "unit_feedback", "notice_version": "2026.1"},
        {"kind": "unit_feedback", "granted": True},
        {"kind": "unit_feedback", "granted": True, "notice_version": "2026.1", "extra": 1},
    ],
    ids=["unknown_kind", "no_granted", "no_version", "unknown_field"],
)
def test_consent_with_bad_input_is_422_and_records_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat, payload: dict[str, object]
) -> None:
    publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=None)

    refused = client.post("/api/v1/me/consents", json=payload, headers=headers)

    assert refused.status_code == 422 and refused.json["code"] == "request.invalid"
    assert _records(_account_id(client, headers)) == []


# The optional consents ---------------------------------------------------------------------


def test_optional_consents_are_separate_and_every_change_is_recorded_with_version_and_time(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    version = publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=version)

    assert _consent(client, headers, "unit_feedback", True, version)[0] == 200
    assert _consent(client, headers, "public_ranking", True, version)[0] == 200
    status, summary = _consent(client, headers, "unit_feedback", False, version)

    assert status == 200
    assert summary["unit_feedback"] is False and summary["public_ranking"] is True
    assert client.get("/api/v1/me/consents", headers=headers).json == summary
    account_id = _account_id(client, headers)
    assert _records(account_id) == [
        (ConsentKind.PRIVACY_NOTICE, True, version),
        (ConsentKind.UNIT_FEEDBACK, True, version),
        (ConsentKind.PUBLIC_RANKING, True, version),
        (ConsentKind.UNIT_FEEDBACK, False, version),
    ]
    times = db.session.scalars(
        select(ConsentRecord.recorded_at).where(ConsentRecord.account_id == account_id)
    ).all()
    assert all(t is not None and t.tzinfo == UTC for t in times)

    exported = client.get("/api/v1/me/data", headers=headers).json["consents"]
    assert [(c["kind"], c["granted"], c["notice_version"]) for c in exported] == [
        ("privacy_notice", True, version),
        ("unit_feedback", True, version),
        ("public_ranking", True, version),
        ("unit_feedback", False, version),
    ]
    assert all(c["recorded_at"].endswith("+00:00") for c in exported)
    assert all(c["ip"] == "127.0.0.1" for c in exported)  # held, so part of the copy


def test_optional_consent_can_be_given_again_after_withdrawing(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    version = publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=version)

    for granted in (True, False, True):
        status, summary = _consent(client, headers, "public_ranking", granted, version)
        assert status == 200 and summary["public_ranking"] is granted

    kinds = [r for r in _records(_account_id(client, headers)) if r[0] == "public_ranking"]
    assert [granted for _, granted, _ in kinds] == [True, False, True]


def test_optional_consent_against_a_stale_notice_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version="2026.1")
    publish_notice("2026.2")

    status, body = _consent(client, headers, "unit_feedback", True, "2026.1")

    assert status == 409 and body["code"] == "consent.stale_notice"


# A new notice version ----------------------------------------------------------------------


def test_new_notice_version_needs_acceptance_before_registering_again(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    publish_notice("2026.1")
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version="2026.1")
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    assert (
        client.post(
            "/api/v1/privacy-notices",
            json={"version": "2026.2", "title": "隐私政策", "content": "修订版"},
            headers=sys_admin,
        ).status_code
        == 201
    )

    summary = client.get("/api/v1/me/consents", headers=headers).json
    assert summary["needs_acceptance"] is True
    assert summary["accepted_notice_version"] == "2026.1"
    assert summary["current_notice_version"] == "2026.2"
    registration = {"name": "张三", "unit_id": place.unit.id, "residence_id": place.community.id}
    refused = client.post("/api/v1/me/member", json=registration, headers=headers)
    assert refused.status_code == 403 and refused.json["code"] == "consent.notice_required"

    accept_notice(client, headers, "2026.2")

    assert client.get("/api/v1/me/consents", headers=headers).json["needs_acceptance"] is False
    assert client.post("/api/v1/me/member", json=registration, headers=headers).status_code == 201


def test_new_notice_version_stops_report_in_until_accepted(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    publish_notice("2026.1")
    member = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version="2026.1"
    )
    publish_notice("2026.2")

    refused = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=member
    )
    assert refused.status_code == 403 and refused.json["code"] == "consent.notice_required"
    assert client.get("/api/v1/me/report-ins", headers=member).json["items"] == []

    accept_notice(client, member, "2026.2")
    asked = client.post(
        "/api/v1/me/report-ins", json={"community_id": place.community.id}, headers=member
    )
    assert asked.status_code == 201
