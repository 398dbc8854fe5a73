"""A community with grids, its admin, and members living in them: what the grid tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.builders import City, add_area, add_reported_members, make_city, member_id_of, token_for
from tests.steps import login_as

Headers = dict[str, str]
GRANTS = "/api/v1/grants"


@dataclass
class Grids:
    place: City
    grid: Area  # G, in place.community
    other_grid: Area  # in place.community too
    far_grid: Area  # in place.other_community
    admin: Headers  # the community admin of place.community
    far_admin: Headers  # the community admin of place.other_community


def make_grids(client: FlaskClient, fake: FakeWeChat) -> Grids:
    place = make_city()
    grid = add_area(place.community, AreaLevel.GRID, "第一网格")
    other_grid = add_area(place.community, AreaLevel.GRID, "第二网格")
    far_grid = add_area(place.other_community, AreaLevel.GRID, "崇文第一网格")
    _, admin = login_as(client, fake, Role.COMMUNITY_ADMIN, place.community)
    _, far_admin = login_as(client, fake, Role.COMMUNITY_ADMIN, place.other_community)
    return Grids(place, grid, other_grid, far_grid, admin, far_admin)


@dataclass
class Resident:
    account_id: int
    member_id: int
    report_in_id: int
    headers: Headers


def resident(
    client: FlaskClient, grids: Grids, grid: Area | None, *, community: Area | None = None
) -> Resident:
    """A verified member reported in to the grid's community (``community`` when no grid),
    placed in ``grid`` by its community admin through the API."""
    home = community or (grid.parent if grid is not None else grids.place.community)
    assert home is not None
    (account_id,) = add_reported_members(grids.place, home, 1)
    member_id = member_id_of(account_id)
    report_in_id = db.session.scalar(
        select(ReportIn.id).where(
            ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE
        )
    )
    assert report_in_id is not None
    if grid is not None:
        admin = grids.admin if home.id == grids.place.community.id else grids.far_admin
        placed = client.put(
            f"/api/v1/report-ins/{report_in_id}/placement",
            json={"grid_id": grid.id, "team_ids": []},
            headers=admin,
        )
        assert placed.status_code == 200, placed.json
    return Resident(account_id, member_id, report_in_id, token_for(account_id))


def name_to_grid(
    client: FlaskClient, headers: Headers, role: Role, grid: Area, **grantee: int
) -> Any:
    """POST /grants of a grid role (``grantee``: account_id= or member_id=): the response."""
    body = {"role": role.value, "area_id": grid.id, **grantee}
    return client.post(GRANTS, json=body, headers=headers)


def grid_staff(client: FlaskClient, grids: Grids, role: Role, grid: Area) -> Headers:
    """A new account named to ``role`` on ``grid`` by its community admin: headers."""
    from tests.builders import make_account

    account = make_account()
    admin = grids.admin if grid.parent_id == grids.place.community.id else grids.far_admin
    named = name_to_grid(client, admin, role, grid, account_id=account.id)
    assert named.status_code == 201, named.json
    return token_for(account.id)


def liaison(client: FlaskClient, grids: Grids, grid: Area) -> tuple[Resident, Headers]:
    """A member living in ``grid`` named its liaison: (the member, the same headers)."""
    member = resident(client, grids, grid)
    admin = grids.admin if grid.parent_id == grids.place.community.id else grids.far_admin
    named = name_to_grid(client, admin, Role.GRID_LIAISON, grid, member_id=member.member_id)
    assert named.status_code == 201, named.json
    return member, member.headers
