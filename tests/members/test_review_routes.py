"""Review of registrations the roster did not vouch for: the unit admin or the org department."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import Area, WorkUnit
from tests.builders import City, add_unit, make_city, publish_notice
from tests.steps import login_as, onboard, onboard_verified, own_member_id


def _pending_member(
    client: FlaskClient, fake: FakeWeChat, place: City
) -> tuple[int, dict[str, str]]:
    """A registration missing from the roster: (member id, member headers)."""
    headers = onboard(
        client,
        fake,
        name="李四",
        phone="13800000002",
        unit=place.unit,
        residence=place.community,
        notice_version=publish_notice(),
    )
    return own_member_id(client, headers), headers


def _member(member_id: int) -> Member:
    db.session.expire_all()
    member = db.session.get(Member, member_id)
    assert member is not None
    return member


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.UNIT_ADMIN, lambda p: p.unit), (Role.ORG_ADMIN, lambda p: p.city)],
    ids=["unit_admin_of_the_unit", "org_admin_of_the_city"],
)
def test_review_approve_verifies_the_member(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role,
    scope: Callable[[City], Area | WorkUnit],
) -> None:
    place = make_city()
    reviewer, headers = login_as(client, fake_wechat, role, scope(place))
    member_id, member = _pending_member(client, fake_wechat, place)

    reviewed = client.post(
        f"/api/v1/members/{member_id}/review", json={"approve": True}, headers=headers
    )

    assert reviewed.status_code == 200
    assert reviewed.json["status"] == "verified" and reviewed.json["reviewed_at"]
    row = _member(member_id)
    assert row.status == MemberStatus.VERIFIED
    assert row.reviewed_by_id == reviewer.id and row.reviewed_at is not None
    assert client.get("/api/v1/me/member", headers=member).json["status"] == "verified"


def test_review_reject_with_a_reason_shows_the_reason_to_the_member(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    member_id, member = _pending_member(client, fake_wechat, place)

    reviewed = client.post(
        f"/api/v1/members/{member_id}/review",
        json={"approve": False, "reason": "本单位无此党员"},
        headers=unit_admin,
    )

    assert reviewed.status_code == 200 and reviewed.json["status"] == "rejected"
    me = client.get("/api/v1/me/member", headers=member).json
    assert me["status"] == "rejected" and me["review_reason"] == "本单位无此党员"
    assert _member(member_id).status == MemberStatus.REJECTED


@pytest.mark.parametrize("payload", [{"approve": False}, {"approve": False, "reason": ""}])
def test_review_reject_without_a_reason_is_422_and_leaves_it_pending(
    client: FlaskClient, fake_wechat: FakeWeChat, payload: dict[str, object]
) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    member_id, _ = _pending_member(client, fake_wechat, place)

    refused = client.post(f"/api/v1/members/{member_id}/review", json=payload, headers=unit_admin)

    assert refused.status_code == 422
    assert refused.json["code"] == "member.reason_required"
    assert "reason" in refused.json["fields"]
    assert _member(member_id).status == MemberStatus.PENDING


def _other_unit(p: City) -> WorkUnit:
    return add_unit(p.city)


def _other_city(p: City) -> Area:
    return make_city("汾阳市").city


REVIEWERS = {Role.UNIT_ADMIN, Role.ORG_ADMIN}
OUTSIDERS: list[tuple[str, Role | None, Callable[[City], Area | WorkUnit | None]]] = [
    ("unit_admin_of_another_unit", Role.UNIT_ADMIN, _other_unit),
    ("org_admin_of_another_city", Role.ORG_ADMIN, _other_city),
    ("community_admin_of_the_residence", Role.COMMUNITY_ADMIN, lambda p: p.community),
    ("street_admin_of_the_residence", Role.STREET_ADMIN, lambda p: p.street),
    ("plain_account", None, lambda p: None),
]


@pytest.mark.parametrize(
    ("role", "scope"), [case[1:] for case in OUTSIDERS], ids=[case[0] for case in OUTSIDERS]
)
@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_review_by_anyone_outside_the_unit_or_city_is_refused_and_changes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role | None,
    scope: Callable[[City], Area | WorkUnit | None],
    approve: bool,
) -> None:
    place = make_city()
    _, outsider = login_as(client, fake_wechat, role, scope(place))
    member_id, _ = _pending_member(client, fake_wechat, place)

    refused = client.post(
        f"/api/v1/members/{member_id}/review",
        json={"approve": approve, "reason": "不认识"},
        headers=outsider,
    )

    # A reviewer of another unit or city is told the member does not exist; the others lack
    # the permission and are refused before the body is read.
    expected = (404, "member.not_found") if role in REVIEWERS else (403, "auth.forbidden")
    assert (refused.status_code, refused.json["code"]) == expected
    member = _member(member_id)
    assert member.status == MemberStatus.PENDING and member.reviewed_by_id is None


def test_review_of_a_member_who_is_not_pending_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    headers = onboard_verified(
        client,
        fake_wechat,
        place,
        name="张三",
        phone="13800000001",
        notice_version=publish_notice(),
    )
    member_id = own_member_id(client, headers)

    refused = client.post(
        f"/api/v1/members/{member_id}/review",
        json={"approve": False, "reason": "重复"},
        headers=unit_admin,
    )

    assert refused.status_code == 409 and refused.json["code"] == "member.not_pending"
    assert _member(member_id).status == MemberStatus.VERIFIED


def test_review_twice_is_409(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    member_id, _ = _pending_member(client, fake_wechat, place)
    url = f"/api/v1/members/{member_id}/review"
    assert client.post(url, json={"approve": True}, headers=unit_admin).status_code == 200

    again = client.post(url, json={"approve": False, "reason": "改主意"}, headers=unit_admin)

    assert again.status_code == 409 and again.json["code"] == "member.not_pending"
    assert _member(member_id).status == MemberStatus.VERIFIED


def test_review_of_an_unknown_member_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)

    refused = client.post(
        "/api/v1/members/2000000000/review", json={"approve": True}, headers=unit_admin
    )

    assert refused.status_code == 404 and refused.json["code"] == "member.not_found"


def test_review_follows_the_unit_the_member_changed_to(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    new_unit = add_unit(place.city)
    _, old_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    _, new_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, new_unit)
    member_id, member = _pending_member(client, fake_wechat, place)
    client.patch("/api/v1/me/member", json={"unit_id": new_unit.id}, headers=member)
    url = f"/api/v1/members/{member_id}/review"

    assert client.post(url, json={"approve": True}, headers=old_admin).status_code == 404
    assert client.post(url, json={"approve": True}, headers=new_admin).status_code == 200


def test_review_of_a_deactivated_member_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    member_id, member = _pending_member(client, fake_wechat, place)
    assert (
        client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=member).status_code
        == 204
    )

    refused = client.post(
        f"/api/v1/members/{member_id}/review", json={"approve": True}, headers=unit_admin
    )

    assert refused.status_code == 404
    assert db.session.get(Account, _member(member_id).account_id) is not None
