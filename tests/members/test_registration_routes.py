"""Registration, the roster match, and profile changes that break the match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import AreaLevel
from tests.builders import (
    City,
    add_area,
    add_roster,
    add_skill,
    add_unit,
    make_city,
    make_party_org,
    publish_notice,
)
from tests.steps import bind_phone, onboard, onboard_verified, own_member_id, ready_to_register


def _members() -> int:
    return db.session.scalar(select(func.count()).select_from(Member)) or 0


def _status(member_id: int) -> MemberStatus:
    db.session.expire_all()
    member = db.session.get(Member, member_id)
    assert member is not None
    return member.status


def _registration(place: City, **changes: Any) -> dict[str, Any]:
    return {
        "name": "张三",
        "unit_id": place.unit.id,
        "residence_id": place.community.id,
        **changes,
    }


def test_register_with_every_field_keeps_them_all(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    party_org = make_party_org(place.unit, "第一党支部").id
    law, health = add_skill(), add_skill()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=version)

    registered = client.post(
        "/api/v1/me/member",
        json=_registration(
            place,
            party_org_id=party_org,
            skill_ids=[law, health],
            availability={"weekday_daytime": False, "evenings": True, "weekends": True},
        ),
        headers=headers,
    )

    assert registered.status_code == 201
    body = registered.json
    assert body["name"] == "张三" and body["phone"] == "13800000001"
    assert body["unit"]["id"] == place.unit.id
    assert body["party_org"]["id"] == party_org
    assert body["residence"]["id"] == place.community.id
    assert sorted(s["id"] for s in body["skills"]) == sorted([law, health])
    assert body["availability"] == {"weekday_daytime": False, "evenings": True, "weekends": True}
    assert body["report_in"] is None
    assert client.get("/api/v1/me/member", headers=headers).json == body


def test_register_without_a_bound_phone_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = ready_to_register(client, fake_wechat, phone=None, notice_version=version)

    refused = client.post("/api/v1/me/member", json=_registration(place), headers=headers)

    assert refused.status_code == 409 and refused.json["code"] == "member.phone_required"
    assert _members() == 0


def test_register_twice_is_409_and_keeps_the_first_registration(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=version)
    assert (
        client.post("/api/v1/me/member", json=_registration(place), headers=headers).status_code
        == 201
    )

    again = client.post(
        "/api/v1/me/member",
        json=_registration(place, name="张三丰", residence_id=place.other_community.id),
        headers=headers,
    )

    assert again.status_code == 409 and again.json["code"] == "member.already_registered"
    assert _members() == 1
    me = client.get("/api/v1/me/member", headers=headers).json
    assert me["name"] == "张三" and me["residence"]["id"] == place.community.id


BadRegistration = Callable[[City], dict[str, Any]]

BAD_REGISTRATIONS: list[tuple[str, BadRegistration, int, str, str | None]] = [
    ("unknown_unit", lambda p: {"unit_id": 2_000_000_000}, 404, "unit.not_found", None),
    ("unknown_residence", lambda p: {"residence_id": 2_000_000_000}, 404, "area.not_found", None),
    (
        "residence_is_a_street",
        lambda p: {"residence_id": p.street.id},
        422,
        "area.wrong_level",
        "residence_id",
    ),
    (
        "residence_is_a_city",
        lambda p: {"residence_id": p.city.id},
        422,
        "area.wrong_level",
        "residence_id",
    ),
    (
        "party_org_of_another_unit",
        lambda p: {"party_org_id": make_party_org(add_unit(p.city), "第一党支部").id},
        422,
        "party_org.not_in_unit",
        "party_org_id",
    ),
    (
        "unknown_party_org",
        lambda p: {"party_org_id": 2_000_000_000},
        422,
        "party_org.not_in_unit",
        "party_org_id",
    ),
    (
        "unknown_skill",
        lambda p: {"skill_ids": [add_skill(), 2_000_000_000]},
        422,
        "skill.unknown",
        "skill_ids",
    ),
    (
        "inactive_skill",
        lambda p: {"skill_ids": [add_skill(active=False)]},
        422,
        "skill.unknown",
        "skill_ids",
    ),
    ("name_one_character", lambda p: {"name": "张"}, 422, "request.invalid", "name"),
    ("name_with_digits", lambda p: {"name": "张3"}, 422, "request.invalid", "name"),
    ("name_too_long", lambda p: {"name": "张" * 51}, 422, "request.invalid", "name"),
    ("name_missing", lambda p: {"name": None}, 422, "request.invalid", "name"),
    ("unit_not_a_number", lambda p: {"unit_id": "医院"}, 422, "request.invalid", "unit_id"),
    ("unknown_field", lambda p: {"id_card": "1411"}, 422, "request.invalid", "id_card"),
    (
        "availability_not_boolean",
        lambda p: {"availability": {"evenings": "sometimes"}},
        422,
        "request.invalid",
        "availability",
    ),
]


@pytest.mark.parametrize(
    ("bad", "status", "code", "field"),
    [case[1:] for case in BAD_REGISTRATIONS],
    ids=[case[0] for case in BAD_REGISTRATIONS],
)
def test_register_with_bad_input_is_refused_and_writes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    bad: BadRegistration,
    status: int,
    code: str,
    field: str | None,
) -> None:
    place = make_city()
    version = publish_notice()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=version)
    payload = {k: v for k, v in _registration(place, **bad(place)).items() if v is not None}

    refused = client.post("/api/v1/me/member", json=payload, headers=headers)

    assert refused.status_code == status
    assert refused.json["code"] == code
    if field is not None:
        assert field in refused.json["fields"]
    assert _members() == 0


# The roster match --------------------------------------------------------------------------


def test_register_matching_a_roster_row_is_verified_at_once(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "张三", "13800000001")

    headers = onboard(
        client,
        fake_wechat,
        name="张三",
        phone="13800000001",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )

    me = client.get("/api/v1/me/member", headers=headers).json
    assert me["status"] == "verified" and me["verified_by_roster"] is True
    assert _status(me["id"]) == MemberStatus.VERIFIED


@pytest.mark.parametrize(
    ("name", "phone", "unit"),
    [
        ("张三丰", "13800000001", "roster"),
        ("张三", "13800000009", "roster"),
        ("张三", "13800000001", "other"),
    ],
    ids=["other_name", "other_phone", "other_unit"],
)
def test_register_not_matching_the_roster_waits_for_review(
    client: FlaskClient, fake_wechat: FakeWeChat, name: str, phone: str, unit: str
) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "张三", "13800000001")
    other_unit = add_unit(place.city)

    headers = onboard(
        client,
        fake_wechat,
        name=name,
        phone=phone,
        unit=place.unit if unit == "roster" else other_unit,
        residence=place.community,
        notice_version=version,
    )

    me = client.get("/api/v1/me/member", headers=headers).json
    assert me["status"] == "pending" and me["verified_by_roster"] is False


def test_register_matching_a_roster_row_of_another_city_waits_for_review(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, elsewhere = make_city(), make_city("汾阳市")
    version = publish_notice()
    add_roster(elsewhere.city, elsewhere.unit, "张三", "13800000001")

    headers = onboard(
        client,
        fake_wechat,
        name="张三",
        phone="13800000001",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )

    assert client.get("/api/v1/me/member", headers=headers).json["status"] == "pending"


# Profile changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda p: {"name": "张小三"},
        lambda p: {"unit_id": add_unit(p.city).id},
    ],
    ids=["name", "unit"],
)
def test_profile_change_breaking_the_roster_match_sends_a_verified_member_back_to_review(
    client: FlaskClient, fake_wechat: FakeWeChat, change: Callable[[City], dict[str, Any]]
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version=version
    )
    member_id = own_member_id(client, headers)

    changed = client.patch("/api/v1/me/member", json=change(place), headers=headers)

    assert changed.status_code == 200
    assert changed.json["status"] == "pending" and changed.json["verified_by_roster"] is False
    assert _status(member_id) == MemberStatus.PENDING


def test_profile_change_restoring_the_roster_match_verifies_again(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version=version
    )
    client.patch("/api/v1/me/member", json={"name": "张小三"}, headers=headers)

    restored = client.patch("/api/v1/me/member", json={"name": "张三"}, headers=headers)

    assert restored.json["status"] == "verified"


def test_profile_change_of_skills_residence_or_availability_keeps_a_member_verified(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    skill = add_skill()
    headers = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version=version
    )

    changed = client.patch(
        "/api/v1/me/member",
        json={
            "skill_ids": [skill],
            "residence_id": place.other_community.id,
            "availability": {"weekends": True},
        },
        headers=headers,
    )

    assert changed.status_code == 200
    assert changed.json["status"] == "verified"
    assert changed.json["residence"]["id"] == place.other_community.id
    assert [s["id"] for s in changed.json["skills"]] == [skill]
    assert changed.json["availability"]["weekends"] is True


def test_profile_change_of_name_sends_a_member_approved_by_review_back_to_review(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard(
        client,
        fake_wechat,
        name="李四",
        phone="13800000002",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    member_id = own_member_id(client, headers)
    member = db.session.get(Member, member_id)
    assert member is not None
    member.status = MemberStatus.VERIFIED  # as the unit admin's approval leaves it
    db.session.commit()

    changed = client.patch("/api/v1/me/member", json={"name": "李小四"}, headers=headers)

    assert changed.json["status"] == "pending"


def test_profile_change_correcting_a_rejected_registration_asks_for_review_again(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard(
        client,
        fake_wechat,
        name="李四",
        phone="13800000002",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    member = db.session.get(Member, own_member_id(client, headers))
    assert member is not None
    member.status, member.review_reason = MemberStatus.REJECTED, "单位不符"
    db.session.commit()

    changed = client.patch(
        "/api/v1/me/member", json={"unit_id": add_unit(place.city).id}, headers=headers
    )

    assert changed.json["status"] == "pending"


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        (lambda p: {"residence_id": p.street.id}, 422, "area.wrong_level"),
        (lambda p: {"unit_id": 2_000_000_000}, 404, "unit.not_found"),
        (lambda p: {"party_org_id": 2_000_000_000}, 422, "party_org.not_in_unit"),
        (lambda p: {"skill_ids": [2_000_000_000]}, 422, "skill.unknown"),
        (lambda p: {"name": "1"}, 422, "request.invalid"),
        (lambda p: {"status": "verified"}, 422, "request.invalid"),
    ],
    ids=[
        "residence_street",
        "unknown_unit",
        "foreign_party_org",
        "unknown_skill",
        "bad_name",
        "status",
    ],
)
def test_profile_change_with_bad_input_is_refused_and_changes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    bad: Callable[[City], dict[str, Any]],
    status: int,
    code: str,
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard(
        client,
        fake_wechat,
        name="李四",
        phone="13800000002",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    before = client.get("/api/v1/me/member", headers=headers).json

    refused = client.patch(
        "/api/v1/me/member", json={"name": "李小四", **bad(place)}, headers=headers
    )

    assert refused.status_code == status and refused.json["code"] == code
    assert client.get("/api/v1/me/member", headers=headers).json == before


def test_profile_change_before_registering_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    version = publish_notice()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=version)

    refused = client.patch("/api/v1/me/member", json={"name": "张三"}, headers=headers)

    assert refused.status_code == 404 and refused.json["code"] == "member.not_registered"


# Re-binding the phone ----------------------------------------------------------------------


def test_rebinding_a_phone_that_breaks_the_roster_match_sends_the_member_back_to_review(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    headers = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version=version
    )
    member_id = own_member_id(client, headers)

    bind_phone(client, fake_wechat, headers, "13900000009")

    me = client.get("/api/v1/me/member", headers=headers).json
    assert me["status"] == "pending" and me["phone"] == "13900000009"
    assert _status(member_id) == MemberStatus.PENDING


def test_rebinding_a_phone_that_matches_the_roster_verifies_a_pending_member(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    add_roster(place.city, place.unit, "张三", "13800000001")
    headers = onboard(
        client,
        fake_wechat,
        name="张三",
        phone="13900000009",
        unit=place.unit,
        residence=place.community,
        notice_version=version,
    )
    assert client.get("/api/v1/me/member", headers=headers).json["status"] == "pending"

    bind_phone(client, fake_wechat, headers, "13800000001")

    assert client.get("/api/v1/me/member", headers=headers).json["status"] == "verified"


def test_residence_change_moves_a_member_without_report_in_to_the_new_community(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    version = publish_notice()
    street2 = add_area(place.city, AreaLevel.STREET)
    far = add_area(street2, AreaLevel.COMMUNITY)
    headers = onboard_verified(
        client, fake_wechat, place, name="张三", phone="13800000001", notice_version=version
    )

    client.patch("/api/v1/me/member", json={"residence_id": far.id}, headers=headers)

    member = db.session.get(Member, own_member_id(client, headers))
    assert member is not None and member.area_path == far.path
