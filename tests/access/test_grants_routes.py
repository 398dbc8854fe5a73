"""/api/v1/grants over HTTP: who may grant and revoke what, where, and what the log keeps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account, AccountStatus
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import Area, WorkUnit
from sunshine.security.models import SecurityEvent
from tests.builders import City, add_member, auth, grant, make_account
from tests.steps import login, login_as

GRANTS = "/api/v1/grants"
ROLE_OF_SCOPE = {
    "city": Role.ORG_ADMIN,
    "street": Role.STREET_ADMIN,
    "community": Role.COMMUNITY_ADMIN,
    "unit": Role.UNIT_ADMIN,
}


def scope_of(place: Area | WorkUnit | None) -> dict[str, int]:
    if isinstance(place, Area):
        return {"area_id": place.id}
    if isinstance(place, WorkUnit):
        return {"unit_id": place.id}
    return {}


def grant_body(account: Account, role: Role, place: Area | WorkUnit | None) -> dict[str, Any]:
    return {"account_id": account.id, "role": role.value, **scope_of(place)}


def grants_of(account: Account) -> list[Grant]:
    return list(db.session.scalars(select(Grant).where(Grant.account_id == account.id)))


def events(**where: Any) -> list[SecurityEvent]:
    query = select(SecurityEvent).filter_by(**where).order_by(SecurityEvent.id)
    return list(db.session.scalars(query))


def listed_ids(client: FlaskClient, headers: dict[str, str], **query: Any) -> list[int]:
    response = client.get(GRANTS, headers=headers, query_string={"limit": 100, **query})
    assert response.status_code == 200, response.json
    assert response.json["next_cursor"] is None
    return [item["id"] for item in response.json["items"]]


def me(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json
    return body


# --- granting -------------------------------------------------------------------------------


def test_sys_admin_grants_community_admin_and_the_grantee_sees_it_in_me(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()

    response = client.post(
        GRANTS, json=grant_body(grantee, Role.COMMUNITY_ADMIN, city.community), headers=headers
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert body["account_id"] == grantee.id
    assert body["role"] == "community_admin"
    assert body["scope"] == {
        "kind": "community",
        "id": city.community.id,
        "name": city.community.name,
    }
    assert body["granted_by_id"] == admin.id
    assert body["revoked_at"] is None
    [stored] = grants_of(grantee)
    assert (stored.id, stored.role, stored.area_id) == (
        body["id"],
        Role.COMMUNITY_ADMIN,
        city.community.id,
    )

    grantee_view = me(client, auth(login(client, fake_wechat, grantee.openid)))
    assert [g["id"] for g in grantee_view["grants"]] == [body["id"]]
    assert grantee_view["grants"][0]["scope"]["id"] == city.community.id
    assert grantee_view["roles"] == ["community_admin"]

    [event] = events(action="grant.create", outcome="success", account_id=admin.id)
    assert event.object_type == "grant"
    assert event.object_id == str(body["id"])
    assert event.detail == {
        "account_id": grantee.id,
        "role": "community_admin",
        "scope": f"area:{city.community.id}",
    }


@pytest.mark.parametrize("scope", ["street", "community", "unit"])
def test_org_admin_grants_within_its_own_city(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, scope: str
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    grantee = make_account()
    role, place = ROLE_OF_SCOPE[scope], getattr(city, scope)

    response = client.post(GRANTS, json=grant_body(grantee, role, place), headers=headers)

    assert response.status_code == 201, response.json
    assert response.json["role"] == role.value
    assert response.json["scope"]["id"] == place.id
    [stored] = grants_of(grantee)
    assert stored.role == role
    assert stored.granted_by_id == org_admin.id
    assert events(action="grant.create", outcome="success", account_id=org_admin.id)


@pytest.mark.parametrize("scope", ["city", "street", "community", "unit"])
def test_org_admin_granting_in_another_city_is_403_and_the_refusal_is_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, other_city: City, scope: str
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    grantee = make_account()
    role, place = ROLE_OF_SCOPE[scope], getattr(other_city, scope)

    response = client.post(GRANTS, json=grant_body(grantee, role, place), headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"
    assert grants_of(grantee) == []
    assert events(action="grant.create", account_id=org_admin.id, outcome="success") == []
    [refusal] = events(action="grant.create", outcome="failure")
    assert refusal.account_id == org_admin.id
    assert refusal.reason == "auth.out_of_scope"  # grants it may make, not there
    assert (refusal.object_type, refusal.object_id) == ("account", str(grantee.id))
    kind = "unit" if scope == "unit" else "area"
    assert refusal.detail == {"role": role.value, "scope": f"{kind}:{place.id}"}


@pytest.mark.parametrize("caller_scope", ["community", "street", "unit", None])
def test_grant_without_grant_manage_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, caller_scope: str | None
) -> None:
    role = ROLE_OF_SCOPE[caller_scope] if caller_scope else None
    place = getattr(city, caller_scope) if caller_scope else None
    _, headers = login_as(client, fake_wechat, role, place)
    grantee = make_account()

    response = client.post(
        GRANTS, json=grant_body(grantee, Role.COMMUNITY_ADMIN, city.community), headers=headers
    )

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"
    assert grants_of(grantee) == []


def test_org_admin_cannot_grant_sys_admin(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    grantee = make_account()

    response = client.post(GRANTS, json=grant_body(grantee, Role.SYS_ADMIN, None), headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"
    assert grants_of(grantee) == []


@pytest.mark.parametrize(
    ("role", "area", "unit"),
    [
        (Role.COMMUNITY_ADMIN, "street", None),
        (Role.COMMUNITY_ADMIN, None, "unit"),
        (Role.COMMUNITY_ADMIN, "community", "unit"),
        (Role.STREET_ADMIN, None, None),
        (Role.STREET_ADMIN, "community", None),
        (Role.ORG_ADMIN, "street", None),
        (Role.UNIT_ADMIN, "community", None),
        (Role.UNIT_ADMIN, None, None),
        (Role.SYS_ADMIN, "city", None),
        (Role.SYS_ADMIN, None, "unit"),
    ],
)
def test_role_and_scope_that_do_not_fit_are_422_bad_scope(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    city: City,
    role: Role,
    area: str | None,
    unit: str | None,
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()
    body: dict[str, Any] = {"account_id": grantee.id, "role": role.value}
    if area:
        body["area_id"] = getattr(city, area).id
    if unit:
        body["unit_id"] = getattr(city, unit).id

    response = client.post(GRANTS, json=body, headers=headers)

    assert response.status_code == 422
    assert response.json["code"] == "grant.bad_scope"
    assert grants_of(grantee) == []


def test_member_role_is_not_grantable(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()

    response = client.post(
        GRANTS, json=grant_body(grantee, Role.MEMBER, city.community), headers=headers
    )

    assert response.status_code == 422
    assert response.json["code"] == "grant.role_not_grantable"
    assert grants_of(grantee) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "king"}, "role"),
        ({"colour": "red"}, "colour"),
        ({"account_id": "abc"}, "account_id"),
        ({"account_id": 0}, "account_id"),
        ({"member_id": "abc"}, "member_id"),
        ({"member_id": -1}, "member_id"),
        ({"area_id": "abc"}, "area_id"),
    ],
)
def test_malformed_grant_body_is_422_request_invalid_with_fields(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, change: dict[str, Any], field: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()
    body = {**grant_body(grantee, Role.COMMUNITY_ADMIN, city.community), **change}
    body = {key: value for key, value in body.items() if value is not ...}

    response = client.post(GRANTS, json=body, headers=headers)

    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert list(response.json["fields"]) == [field]
    assert grants_of(grantee) == []


# --- granting by member ---------------------------------------------------------------------

_phones = iter(range(13900000000, 13900001000))


def a_member(place: City, *, verified: bool = True) -> Member:
    """A member living in ``place``'s community and working at its unit."""
    phone = str(next(_phones))
    member_id = add_member(
        name="王五", phone=phone, unit=place.unit, residence=place.community, verified=verified
    )
    return db.session.get_one(Member, member_id)


def test_org_admin_grants_by_member_and_the_member_has_the_role_on_the_next_request(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    member = a_member(city)
    member_headers = auth(login(client, fake_wechat, member.account.openid))
    before = me(client, member_headers)
    pending = {"status": "pending"}
    refused = client.get("/api/v1/report-ins", headers=member_headers, query_string=pending)

    response = client.post(
        GRANTS,
        json={
            "member_id": member.id,
            "role": "community_admin",
            "area_id": city.community.id,
        },
        headers=headers,
    )

    assert response.status_code == 201, response.json
    assert response.json["account_id"] == member.account_id
    assert response.json["granted_by_id"] == org_admin.id
    [stored] = grants_of(member.account)
    assert (stored.role, stored.area_id) == (Role.COMMUNITY_ADMIN, city.community.id)
    assert before["roles"] == ["member"]
    after = me(client, member_headers)  # the same token: the role applies at once
    assert sorted(after["roles"]) == ["community_admin", "member"]
    listed = client.get("/api/v1/report-ins", headers=member_headers, query_string=pending)
    assert (refused.status_code, listed.status_code) == (403, 200)  # a community admin's list
    [event] = events(action="grant.create", outcome="success", account_id=org_admin.id)
    assert event.detail["account_id"] == member.account_id


def test_sys_admin_grants_by_member_anywhere(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    member = a_member(city)

    response = client.post(
        GRANTS,
        json={"member_id": member.id, "role": "unit_admin", "unit_id": city.unit.id},
        headers=headers,
    )

    assert response.status_code == 201, response.json
    assert [g.role for g in grants_of(member.account)] == [Role.UNIT_ADMIN]


def test_granting_by_a_member_of_another_city_is_refused_as_reading_them_is_and_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, other_city: City
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    stranger = a_member(other_city)
    body = {"member_id": stranger.id, "role": "community_admin", "area_id": city.community.id}

    response = client.post(GRANTS, json=body, headers=headers)
    reading = client.get(f"/api/v1/members/{stranger.id}", headers=headers)

    # The member is as unknown to the granter as to its reading of them.
    assert (response.status_code, response.json["code"]) == (404, "member.not_found")
    assert (reading.status_code, reading.json["code"]) == (404, "member.not_found")
    assert "account_id" not in json.dumps(response.json)
    assert grants_of(stranger.account) == []
    [refusal] = events(action="grant.create", outcome="failure")
    assert refusal.account_id == org_admin.id
    assert (refusal.object_type, refusal.object_id) == ("member", str(stranger.id))


@pytest.mark.parametrize("status", [MemberStatus.PENDING, MemberStatus.REJECTED])
def test_granting_by_a_member_not_verified_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, status: MemberStatus
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    member = a_member(city, verified=False)
    member.status = status
    db.session.commit()
    body = {"member_id": member.id, "role": "community_admin", "area_id": city.community.id}

    response = client.post(GRANTS, json=body, headers=headers)

    assert response.status_code == 409
    assert response.json["code"] == "grant.member_not_verified"
    assert response.json["message"] == "该党员尚未通过认证，不能授权"
    assert grants_of(member.account) == []


@pytest.mark.parametrize("which", ["unknown", "deactivated"])
def test_granting_by_a_member_that_does_not_exist_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, which: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    member_id = 999_999
    if which == "deactivated":
        member = a_member(city)
        member.status = MemberStatus.DEACTIVATED
        db.session.commit()
        member_id = member.id
    body = {"member_id": member_id, "role": "community_admin", "area_id": city.community.id}

    response = client.post(GRANTS, json=body, headers=headers)

    assert (response.status_code, response.json["code"]) == (404, "member.not_found")
    assert (
        db.session.scalar(
            select(func.count()).select_from(Grant).where(Grant.role == Role.COMMUNITY_ADMIN)
        )
        == 0
    )


@pytest.mark.parametrize(
    "grantee",
    [
        pytest.param(
            lambda account, member: {"account_id": account, "member_id": member}, id="both"
        ),
        pytest.param(lambda account, member: {}, id="neither"),
        pytest.param(lambda account, member: {"account_id": None}, id="account_id_null"),
        pytest.param(
            lambda account, member: {"account_id": None, "member_id": None}, id="both_null"
        ),
    ],
)
def test_grant_naming_both_or_neither_grantee_is_422_bad_grantee(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, grantee: Any
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    member = a_member(city)
    body = {
        "role": "community_admin",
        "area_id": city.community.id,
        **grantee(member.account_id, member.id),
    }

    response = client.post(GRANTS, json=body, headers=headers)

    assert response.status_code == 422
    assert response.json["code"] == "grant.bad_grantee"
    assert set(response.json["fields"]) == {"account_id", "member_id"}
    assert grants_of(member.account) == []


@pytest.mark.parametrize(
    ("role", "missing", "code"),
    [
        (Role.COMMUNITY_ADMIN, "account_id", "account.not_found"),
        (Role.COMMUNITY_ADMIN, "area_id", "area.not_found"),
        (Role.UNIT_ADMIN, "unit_id", "unit.not_found"),
    ],
)
def test_grant_naming_what_does_not_exist_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, role: Role, missing: str, code: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()
    place = city.unit if role == Role.UNIT_ADMIN else city.community
    body = {**grant_body(grantee, role, place), missing: 999_999}

    response = client.post(GRANTS, json=body, headers=headers)

    assert response.status_code == 404
    assert response.json["code"] == code
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.role == role)) == 0


def test_duplicate_active_grant_is_409_and_granting_again_after_revoke_works(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    grantee = make_account()
    body = grant_body(grantee, Role.COMMUNITY_ADMIN, city.community)
    first = client.post(GRANTS, json=body, headers=headers)
    assert first.status_code == 201

    duplicate = client.post(GRANTS, json=body, headers=headers)
    assert duplicate.status_code == 409
    assert duplicate.json["code"] == "grant.duplicate"
    assert len(grants_of(grantee)) == 1

    revoked = client.post(f"{GRANTS}/{first.json['id']}/revoke", json={}, headers=headers)
    assert revoked.status_code == 200
    again = client.post(GRANTS, json=body, headers=headers)
    assert again.status_code == 201, again.json
    assert again.json["id"] != first.json["id"]
    assert sorted(g.is_active for g in grants_of(grantee)) == [False, True]


# --- revoking -------------------------------------------------------------------------------


def test_revoke_ends_the_grant_and_is_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    held = grant(make_account(), Role.COMMUNITY_ADMIN, city.community)

    response = client.post(
        f"{GRANTS}/{held.id}/revoke", json={"reason": "调离岗位"}, headers=headers
    )

    assert response.status_code == 200, response.json
    assert response.json["revoked_at"] is not None
    assert response.json["revoke_reason"] == "调离岗位"
    db.session.refresh(held)
    assert held.revoked_at is not None
    assert held.revoked_by_id == admin.id
    [event] = events(action="grant.revoke", outcome="success")
    assert event.account_id == admin.id
    assert (event.object_type, event.object_id) == ("grant", str(held.id))
    assert event.detail == {
        "account_id": held.account_id,
        "role": "community_admin",
        "scope": f"area:{city.community.id}",
        "reason": "调离岗位",
    }


def test_revoked_org_admin_is_refused_on_its_very_next_request(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    org_admin, org_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    [held] = grants_of(org_admin)
    assert me(client, org_headers)["roles"] == ["org_admin"]

    revoked = client.post(f"{GRANTS}/{held.id}/revoke", json={"reason": "离任"}, headers=admin)
    assert revoked.status_code == 200

    grantee = make_account()
    response = client.post(
        GRANTS, json=grant_body(grantee, Role.COMMUNITY_ADMIN, city.community), headers=org_headers
    )
    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"
    assert grants_of(grantee) == []
    view = me(client, org_headers)
    assert view["grants"] == []
    assert view["roles"] == []


def test_revoking_twice_is_409_already_revoked(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    held = grant(make_account(), Role.STREET_ADMIN, city.street)
    assert client.post(f"{GRANTS}/{held.id}/revoke", json={}, headers=headers).status_code == 200

    response = client.post(f"{GRANTS}/{held.id}/revoke", json={"reason": "x"}, headers=headers)

    assert response.status_code == 409
    assert response.json["code"] == "grant.already_revoked"
    db.session.refresh(held)
    assert held.revoke_reason is None  # the first revocation stands as it was
    assert len(events(action="grant.revoke", outcome="success")) == 1


def test_revoking_the_last_sys_admin_is_409(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    [own] = grants_of(admin)

    response = client.post(f"{GRANTS}/{own.id}/revoke", json={}, headers=headers)

    assert response.status_code == 409
    assert response.json["code"] == "grant.last_sys_admin"
    db.session.refresh(own)
    assert own.is_active


def test_revoking_a_sys_admin_while_another_remains_is_200(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    other = grant(make_account(), Role.SYS_ADMIN)

    response = client.post(f"{GRANTS}/{other.id}/revoke", json={}, headers=headers)

    assert response.status_code == 200
    [own] = grants_of(admin)
    assert own.is_active


def test_revoking_the_last_sys_admin_of_an_active_account_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    """A disabled account's sys_admin grant cannot administer anything, so it does not count."""
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    [own] = grants_of(admin)
    disabled = make_account()
    grant(disabled, Role.SYS_ADMIN)
    disabled.status = AccountStatus.DISABLED
    db.session.commit()

    response = client.post(f"{GRANTS}/{own.id}/revoke", json={}, headers=headers)

    assert response.status_code == 409
    assert response.json["code"] == "grant.last_sys_admin"
    db.session.refresh(own)
    assert own.is_active


@pytest.mark.parametrize("target", ["other_city_community", "other_city_unit", "sys_admin"])
def test_org_admin_revoking_outside_its_city_is_404_as_if_unknown_and_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, other_city: City, target: str
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    held = {
        "other_city_community": lambda: grant(
            make_account(), Role.COMMUNITY_ADMIN, other_city.community
        ),
        "other_city_unit": lambda: grant(make_account(), Role.UNIT_ADMIN, other_city.unit),
        "sys_admin": lambda: grant(make_account(), Role.SYS_ADMIN),
    }[target]()

    response = client.post(f"{GRANTS}/{held.id}/revoke", json={}, headers=headers)

    assert (response.status_code, response.json["code"]) == (404, "grant.not_found")
    db.session.refresh(held)
    assert held.is_active
    [refusal] = events(action="grant.revoke", outcome="failure")
    assert refusal.account_id == org_admin.id
    assert (refusal.object_type, refusal.object_id) == ("grant", str(held.id))


@pytest.mark.parametrize("scope", ["community", "unit"])
def test_org_admin_revokes_a_grant_inside_its_city(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, scope: str
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    held = grant(make_account(), ROLE_OF_SCOPE[scope], getattr(city, scope))

    response = client.post(f"{GRANTS}/{held.id}/revoke", json={}, headers=headers)

    assert response.status_code == 200, response.json
    db.session.refresh(held)
    assert held.revoked_by_id == org_admin.id


def test_revoking_an_unknown_grant_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    response = client.post(f"{GRANTS}/999999/revoke", json={}, headers=headers)

    assert response.status_code == 404
    assert response.json["code"] == "grant.not_found"


# --- listing --------------------------------------------------------------------------------


@pytest.fixture
def spread(city: City, other_city: City) -> dict[str, Grant]:
    """Grants across two cities and one global one."""
    return {
        "community": grant(make_account(), Role.COMMUNITY_ADMIN, city.community),
        "street": grant(make_account(), Role.STREET_ADMIN, city.street),
        "unit": grant(make_account(), Role.UNIT_ADMIN, city.unit),
        "city": grant(make_account(), Role.ORG_ADMIN, city.city),
        "other_community": grant(make_account(), Role.COMMUNITY_ADMIN, other_city.community),
        "other_unit": grant(make_account(), Role.UNIT_ADMIN, other_city.unit),
        "other_city": grant(make_account(), Role.ORG_ADMIN, other_city.city),
        "global": grant(make_account(), Role.SYS_ADMIN),
    }


def test_sys_admin_lists_every_grant_newest_first(
    client: FlaskClient, fake_wechat: FakeWeChat, spread: dict[str, Grant]
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    [own] = grants_of(admin)

    ids = listed_ids(client, headers)

    assert ids == sorted([own.id, *(g.id for g in spread.values())], reverse=True)


def test_org_admin_lists_only_grants_inside_its_city(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, spread: dict[str, Grant]
) -> None:
    org_admin, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    [own] = grants_of(org_admin)

    ids = listed_ids(client, headers)

    inside = [spread[name].id for name in ("community", "street", "unit", "city")]
    assert sorted(ids) == sorted([own.id, *inside])


def test_grant_list_filters_by_account_role_and_revocation(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    holder, other = make_account(), make_account()
    active = grant(holder, Role.COMMUNITY_ADMIN, city.community)
    revoked = grant(holder, Role.STREET_ADMIN, city.street)
    revoked.revoked_at = utcnow()
    db.session.commit()
    others = grant(other, Role.COMMUNITY_ADMIN, city.other_community)

    assert listed_ids(client, headers, account_id=holder.id) == [active.id]
    assert listed_ids(client, headers, account_id=holder.id, include_revoked="true") == [
        revoked.id,
        active.id,
    ]
    assert listed_ids(client, headers, role="community_admin") == [others.id, active.id]
    assert listed_ids(client, headers, role="street_admin") == []
    assert listed_ids(client, headers, role="street_admin", include_revoked="true") == [revoked.id]


def test_grant_list_pages_by_cursor_newest_first(
    client: FlaskClient, fake_wechat: FakeWeChat, spread: dict[str, Grant]
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get(GRANTS, headers=headers, query_string=query)
        assert response.status_code == 200 and len(response.json["items"]) <= 3
        assert "X-Pagination" not in response.headers
        seen += [item["id"] for item in response.json["items"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(spread) + 1
    assert seen == sorted(seen, reverse=True)


# A community admin lists the grid roles of its grids (tests/grids).
@pytest.mark.parametrize("caller_scope", ["street", "unit", None])
def test_grant_list_without_grant_manage_anywhere_is_403(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    city: City,
    spread: dict[str, Grant],
    caller_scope: str | None,
) -> None:
    role = ROLE_OF_SCOPE[caller_scope] if caller_scope else None
    place = getattr(city, caller_scope) if caller_scope else None
    _, headers = login_as(client, fake_wechat, role, place)

    response = client.get(GRANTS, headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", GRANTS, None),
        ("post", GRANTS, {"account_id": 1, "role": "sys_admin"}),
        ("post", f"{GRANTS}/1/revoke", {"reason": "x"}),
    ],
)
def test_grants_endpoints_without_a_token_are_401(
    client: FlaskClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = getattr(client, method)(path, json=body)

    assert response.status_code == 401
    assert response.json["code"] == "auth.unauthenticated"
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
