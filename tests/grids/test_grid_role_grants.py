"""Grid roles (网格员, 网格助理员, 网格联络员): the community admin names them for its own grids."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Grant, Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.builders import make_account, token_for
from tests.grids.world import GRANTS, liaison, make_grids, name_to_grid, resident

GRID_ROLES = [Role.GRID_WORKER, Role.GRID_ASSISTANT, Role.GRID_LIAISON]


def _grants() -> int:
    return db.session.scalar(select(func.count()).select_from(Grant)) or 0


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.GRID_ASSISTANT])
def test_community_admin_names_any_account_grid_worker_or_assistant_of_its_grid(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role
) -> None:
    grids = make_grids(client, fake_wechat)
    staff = make_account()

    named = name_to_grid(client, grids.admin, role, grids.grid, account_id=staff.id)

    assert named.status_code == 201, named.json
    assert named.json["role"] == role.value
    assert named.json["scope"] == {"kind": "grid", "id": grids.grid.id, "name": "第一网格"}
    mine = client.get("/api/v1/me", headers=token_for(staff.id)).json
    assert {g["role"] for g in mine["grants"]} == {role.value}


def test_community_admin_names_a_member_living_in_the_grid_its_liaison(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    member = resident(client, grids, grids.grid)

    named = name_to_grid(
        client, grids.admin, Role.GRID_LIAISON, grids.grid, member_id=member.member_id
    )

    assert named.status_code == 201, named.json
    assert named.json["account_id"] == member.account_id


@pytest.mark.parametrize("by", ["member_id", "account_id"])
@pytest.mark.parametrize("lives", ["other_grid", "no_grid", "other_community"])
def test_liaison_who_does_not_live_in_the_grid_is_422_and_nothing_is_written(
    client: FlaskClient, fake_wechat: FakeWeChat, by: str, lives: str
) -> None:
    grids = make_grids(client, fake_wechat)
    where = {
        "other_grid": grids.other_grid,
        "no_grid": None,
        "other_community": grids.far_grid,
    }[lives]
    member = resident(client, grids, where)
    grantee = member.member_id if by == "member_id" else member.account_id
    before = _grants()

    refused = name_to_grid(client, grids.admin, Role.GRID_LIAISON, grids.grid, **{by: grantee})

    if lives == "other_community" and by == "member_id":
        # A member of another community is outside the admin's scope: unknown to it.
        assert refused.status_code == 404 and refused.json["code"] == "member.not_found"
    else:
        assert refused.status_code == 422, refused.json
        assert refused.json["code"] == "grant.liaison_not_in_grid"
        assert by in refused.json["fields"]
    assert _grants() == before


@pytest.mark.parametrize("role", GRID_ROLES)
def test_grid_role_on_a_grid_of_another_community_is_403_and_nothing_is_written(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role
) -> None:
    grids = make_grids(client, fake_wechat)
    before = _grants()

    refused = name_to_grid(client, grids.admin, role, grids.far_grid, account_id=make_account().id)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"
    assert _grants() == before


@pytest.mark.parametrize("role", [Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN])
def test_community_admin_may_not_grant_any_other_role(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role
) -> None:
    grids = make_grids(client, fake_wechat)
    area = {
        Role.COMMUNITY_ADMIN: grids.place.community,
        Role.STREET_ADMIN: grids.place.street,
        Role.ORG_ADMIN: grids.place.city,
    }[role]
    before = _grants()

    refused = client.post(
        GRANTS,
        json={"role": role.value, "area_id": area.id, "account_id": make_account().id},
        headers=grids.admin,
    )

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"
    assert _grants() == before


@pytest.mark.parametrize("role", GRID_ROLES)
@pytest.mark.parametrize("level", ["community", "street"])
def test_grid_role_on_an_area_that_is_not_a_grid_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role, level: str
) -> None:
    grids = make_grids(client, fake_wechat)
    area = grids.place.community if level == "community" else grids.place.street
    before = _grants()

    refused = name_to_grid(client, grids.admin, role, area, account_id=make_account().id)

    assert refused.status_code == 422 and refused.json["code"] == "grant.bad_scope"
    assert _grants() == before


def test_org_admin_names_grid_roles_too(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    from tests.steps import login_as

    grids = make_grids(client, fake_wechat)
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, grids.place.city)

    named = name_to_grid(
        client, org_admin, Role.GRID_WORKER, grids.far_grid, account_id=make_account().id
    )

    assert named.status_code == 201, named.json


def test_community_admin_revokes_its_grid_roles_but_the_other_community_admin_cannot(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    named = name_to_grid(
        client, grids.admin, Role.GRID_WORKER, grids.grid, account_id=make_account().id
    )
    grant_id = named.json["id"]
    url = f"{GRANTS}/{grant_id}/revoke"

    refused = client.post(url, json={"reason": "越权"}, headers=grids.far_admin)
    unknown = client.post(f"{GRANTS}/2000000000/revoke", json={}, headers=grids.far_admin)

    assert refused.status_code == 404 and refused.json["code"] == "grant.not_found"
    assert {k: v for k, v in refused.json.items() if k != "request_id"} == {
        k: v for k, v in unknown.json.items() if k != "request_id"
    }
    assert db.session.get(Grant, grant_id).revoked_at is None  # type: ignore[union-attr]
    revoked = client.post(url, json={"reason": "调岗"}, headers=grids.admin)
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None


def test_community_admin_may_not_revoke_its_own_or_any_other_admin_grant(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    own = client.get("/api/v1/me", headers=grids.admin).json["grants"][0]["id"]

    refused = client.post(f"{GRANTS}/{own}/revoke", json={}, headers=grids.admin)

    assert refused.status_code == 404 and refused.json["code"] == "grant.not_found"
    assert db.session.get(Grant, own).revoked_at is None  # type: ignore[union-attr]


def test_community_admin_lists_the_grid_roles_of_its_own_community_only(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    mine = name_to_grid(
        client, grids.admin, Role.GRID_WORKER, grids.other_grid, account_id=make_account().id
    ).json["id"]
    theirs = name_to_grid(
        client, grids.far_admin, Role.GRID_WORKER, grids.far_grid, account_id=make_account().id
    ).json["id"]

    listed = client.get(GRANTS, headers=grids.admin, query_string={"limit": 100})

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [mine]
    assert theirs != mine


@pytest.mark.parametrize("how", ["moved_to_other_grid", "taken_out_of_grids", "report_in_ended"])
def test_a_liaison_who_leaves_the_grid_stops_being_its_liaison(
    client: FlaskClient, fake_wechat: FakeWeChat, how: str
) -> None:
    grids = make_grids(client, fake_wechat)
    member, headers = liaison(client, grids, grids.grid)
    members_url = f"/api/v1/grids/{grids.grid.id}/members"
    assert client.get(members_url, headers=headers).status_code == 200

    url = f"/api/v1/report-ins/{member.report_in_id}"
    if how == "report_in_ended":
        changed = client.post(f"{url}/end", json={"reason": "搬离"}, headers=grids.admin)
    else:
        grid_id = grids.other_grid.id if how == "moved_to_other_grid" else None
        changed = client.put(
            f"{url}/placement", json={"grid_id": grid_id, "team_ids": []}, headers=grids.admin
        )
    assert changed.status_code == 200, changed.json

    grant = db.session.scalar(
        select(Grant).where(Grant.account_id == member.account_id, Grant.role == Role.GRID_LIAISON)
    )
    assert grant is not None and grant.revoked_at is not None and grant.revoked_by_id is None
    refused = client.get(members_url, headers=headers)
    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_a_liaison_placed_again_in_the_same_grid_stays_its_liaison(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    member, headers = liaison(client, grids, grids.grid)

    again = client.put(
        f"/api/v1/report-ins/{member.report_in_id}/placement",
        json={"grid_id": grids.grid.id, "team_ids": []},
        headers=grids.admin,
    )

    assert again.status_code == 200
    listed = client.get(f"/api/v1/grids/{grids.grid.id}/members", headers=headers)
    assert listed.status_code == 200
