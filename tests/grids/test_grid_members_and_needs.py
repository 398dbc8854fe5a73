"""What a grid's people read: the grid's members (GET /grids/{id}/members) and its needs."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.needs.models import Need
from sunshine.org.models import Area
from sunshine.security.models import SecurityEvent
from tests.grids.world import Grids, grid_staff, liaison, make_grids, resident
from tests.steps import login_as


def members_url(grid: Area | int) -> str:
    return f"/api/v1/grids/{grid if isinstance(grid, int) else grid.id}/members"


def _phone(account_id: int) -> str:
    account = db.session.get(Account, account_id)
    assert account is not None and account.phone is not None
    return account.phone


def test_a_liaison_lists_the_grids_members_with_masked_phones(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    me, headers = liaison(client, grids, grids.grid)
    neighbour = resident(client, grids, grids.grid)
    resident(client, grids, grids.other_grid)
    resident(client, grids, None)

    listed = client.get(members_url(grids.grid), headers=headers)

    assert listed.status_code == 200, listed.json
    items = listed.json["items"]
    assert [item["member"]["id"] for item in items] == [neighbour.member_id, me.member_id]
    shown = items[0]
    assert shown["status"] == "active" and shown["grid"]["id"] == grids.grid.id
    phone = _phone(neighbour.account_id)
    assert shown["member"]["phone"] != phone
    assert shown["member"]["phone"][:3] == phone[:3] and "*" in shown["member"]["phone"]
    assert shown["member"]["name"]


def test_the_community_admin_lists_a_grids_members_with_full_phones(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    member = resident(client, grids, grids.grid)

    listed = client.get(members_url(grids.grid), headers=grids.admin).json["items"]

    assert [(i["member"]["id"], i["member"]["phone"]) for i in listed] == [
        (member.member_id, _phone(member.account_id))
    ]


def test_an_ended_report_in_leaves_the_grids_members(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    member = resident(client, grids, grids.grid)
    ended = client.post(
        f"/api/v1/report-ins/{member.report_in_id}/end",
        json={"reason": "搬离"},
        headers=grids.admin,
    )
    assert ended.status_code == 200

    listed = client.get(members_url(grids.grid), headers=grids.admin).json

    assert listed["items"] == [] and listed["next_cursor"] is None


def _other_grids_liaison(client: FlaskClient, g: Grids) -> dict[str, str]:
    return liaison(client, g, g.other_grid)[1]


def _far_admin(client: FlaskClient, g: Grids) -> dict[str, str]:
    return g.far_admin


def _far_worker(client: FlaskClient, g: Grids) -> dict[str, str]:
    return grid_staff(client, g, Role.GRID_WORKER, g.far_grid)


@pytest.mark.parametrize(
    "outsider",
    [_other_grids_liaison, _far_admin, _far_worker],
    ids=["other_grids_liaison", "other_community_admin", "other_communitys_grid_worker"],
)
def test_a_grids_members_are_unknown_to_anyone_outside_it(
    client: FlaskClient, fake_wechat: FakeWeChat, outsider: object
) -> None:
    grids = make_grids(client, fake_wechat)
    resident(client, grids, grids.grid)
    headers = outsider(client, grids)  # type: ignore[operator]
    refusals = select(func.count()).where(SecurityEvent.outcome == "failure")
    before = db.session.scalar(refusals) or 0

    refused = client.get(members_url(grids.grid), headers=headers)
    unknown = client.get(members_url(2_000_000_000), headers=headers)

    assert refused.status_code == 404 and refused.json["code"] == "grid.not_found"
    assert unknown.json["code"] == "grid.not_found"
    assert db.session.scalar(refusals) == before + 1  # the refusal is logged, not the unknown


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.UNIT_ADMIN, None])
def test_a_grids_members_are_403_to_those_without_grid_read(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role | None
) -> None:
    grids = make_grids(client, fake_wechat)
    scope = {Role.STREET_ADMIN: grids.place.street, Role.UNIT_ADMIN: grids.place.unit}.get(
        role  # type: ignore[arg-type]
    )
    _, headers = login_as(client, fake_wechat, role, scope)

    refused = client.get(members_url(grids.grid), headers=headers)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_an_area_that_is_not_a_grid_has_no_grid_members(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)

    refused = client.get(members_url(grids.place.community), headers=grids.admin)

    assert refused.status_code == 404 and refused.json["code"] == "grid.not_found"


def _need(grids: Grids, area: Area, content: str) -> int:
    """A need of the community placed at ``area``: a grid's path when the resident named
    their grid (how residents' wishes store it), else the community's."""
    need = Need(community_id=grids.place.community.id, area_path=area.path, content=content)
    db.session.add(need)
    db.session.commit()
    return need.id


def test_a_grid_role_reads_its_grids_needs_only(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    _, headers = liaison(client, grids, grids.grid)
    own = _need(grids, grids.grid, "楼道灯坏了")
    other_grid = _need(grids, grids.other_grid, "门禁坏了")
    community = _need(grids, grids.place.community, "社区助餐")

    listed = client.get("/api/v1/needs", headers=headers, query_string={"limit": 100})
    detail = client.get(f"/api/v1/needs/{own}", headers=headers)

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [own]
    assert detail.status_code == 200 and detail.json["resident_contact"] is None
    for hidden in (other_grid, community):
        refused = client.get(f"/api/v1/needs/{hidden}", headers=headers)
        assert refused.status_code == 404 and refused.json["code"] == "need.not_found"
    admin_sees = client.get("/api/v1/needs", headers=grids.admin, query_string={"limit": 100})
    assert {item["id"] for item in admin_sees.json["items"]} == {own, other_grid, community}


def test_a_grid_role_may_not_record_a_need_for_the_community(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    grids = make_grids(client, fake_wechat)
    staff = grid_staff(client, grids, Role.GRID_WORKER, grids.grid)

    refused = client.post(
        f"/api/v1/communities/{grids.place.community.id}/needs",
        json={"content": "助餐"},
        headers=staff,
    )

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_a_grid_role_reads_its_grids_need_but_does_not_answer_it(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    """Accepting, declining, editing a need is the community's word (need.answer)."""
    grids = make_grids(client, fake_wechat)
    _, headers = liaison(client, grids, grids.grid)
    own = _need(grids, grids.grid, "楼道灯坏了")
    before = db.session.get(Need, own)
    assert before is not None
    status = before.status

    answers = [
        client.post(f"/api/v1/needs/{own}/accept", headers=headers),
        client.post(f"/api/v1/needs/{own}/decline", json={"reason": "不受理"}, headers=headers),
        client.patch(f"/api/v1/needs/{own}", json={"status": "done"}, headers=headers),
    ]

    assert [r.status_code for r in answers] == [403, 403, 403]
    assert {r.json["code"] for r in answers} == {"auth.forbidden"}
    db.session.expire_all()
    after = db.session.get(Need, own)
    assert after is not None and after.status == status
    assert client.get(f"/api/v1/needs/{own}", headers=headers).status_code == 200
