"""The honour roll over HTTP: only consenting members, masked, ranked with ties; a withdrawal
takes effect at once; who may read which board."""

from __future__ import annotations

import pytest

from sunshine.access.models import Role
from sunshine.org.models import AreaLevel
from tests.audit.compliance_world import World
from tests.builders import add_area, make_city
from tests.honour_roll.conftest import board, lines, rank_consent
from tests.steps import login_as


def test_the_city_board_shows_only_consenting_members_masked_and_ranked(world: World) -> None:
    body = world.ok(board(world))

    assert body["area"]["id"] == world.place.city.id and body["by"] == "hours"
    assert body["total"] == 4  # a, f, h, b: c consented but served nothing; e, g, j never
    assert lines(world) == [
        (1, "党*a", 3, 360),
        (2, "党*f", 2, 300),  # f and h tie: one rank, the next is 4
        (2, "党*h", 3, 300),
        (4, "党*b", 1, 180),
    ]
    assert body["items"][0]["hours"] == 6.0


def test_by_services_ranks_the_confirmed_services(world: World) -> None:
    assert lines(world, by="services") == [
        (1, "党*a", 3, 360),
        (1, "党*h", 3, 300),
        (3, "党*f", 2, 300),
        (4, "党*b", 1, 180),
    ]


def test_nothing_of_a_member_leaks_but_the_masked_name_and_figures(world: World) -> None:
    response = board(world)

    for label in world.members:
        assert f"党员{label}" not in response.get_data(as_text=True)
    assert set(response.json["items"][0]) == {
        "rank",
        "name",
        "services",
        "minutes",
        "hours",
        "is_me",
    }
    assert "党*e" not in response.get_data(as_text=True)  # e never consented


def test_withdrawing_consent_removes_the_member_at_once(world: World) -> None:
    rank_consent(world, "a", False)

    assert lines(world) == [(1, "党*f", 2, 300), (1, "党*h", 3, 300), (3, "党*b", 1, 180)]

    rank_consent(world, "a", True)  # and giving it again puts them back
    assert lines(world)[0] == (1, "党*a", 3, 360)


def test_consent_given_later_puts_the_member_on_the_board(world: World) -> None:
    rank_consent(world, "e", True)

    assert lines(world)[3:] == [(4, "党*e", 2, 210), (5, "党*b", 1, 180)]


def test_street_and_community_boards_hold_the_members_placed_there(world: World) -> None:
    assert [n for _, n, _, _ in lines(world, area_id=world.s1.id)] == ["党*a", "党*f", "党*b"]
    assert lines(world, area_id=world.c1.id) == [(1, "党*a", 3, 360), (2, "党*b", 1, 180)]
    assert lines(world, area_id=world.s2.id) == [(1, "党*h", 3, 300)]


def test_the_limit_shows_the_top_and_the_total_stays(world: World) -> None:
    body = world.ok(board(world, limit=1))

    assert [i["name"] for i in body["items"]] == ["党*a"] and body["total"] == 4


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_a_limit_out_of_bounds_is_422(world: World, limit: object) -> None:
    assert board(world, limit=limit).status_code == 422


def test_a_member_reads_their_community_street_and_city_boards_and_sees_their_line(
    world: World,
) -> None:
    a = world.headers["a"]

    for area in (world.c1, world.s1, world.place.city):
        body = world.ok(board(world, a, area_id=area.id))
        assert [i["is_me"] for i in body["items"]] == [True] + [False] * (body["total"] - 1)
    assert not any(i["is_me"] for i in world.ok(board(world))["items"])  # the org admin


def test_a_member_reads_no_other_community_or_street(world: World) -> None:
    a = world.headers["a"]

    assert board(world, a, area_id=world.c3.id).status_code == 403
    assert board(world, a, area_id=world.s2.id).status_code == 403
    assert board(world, a, area_id=world.c2.id).status_code == 403


def test_a_member_not_yet_verified_reads_no_board(world: World) -> None:
    assert board(world, world.headers["p"]).status_code == 403


@pytest.mark.parametrize(
    ("role", "scope", "area", "status"),
    [
        (Role.COMMUNITY_ADMIN, "c2", "c2", 200),
        (Role.COMMUNITY_ADMIN, "c2", "s1", 200),  # its street's board
        (Role.COMMUNITY_ADMIN, "c2", "city", 200),
        (Role.COMMUNITY_ADMIN, "c2", "c1", 403),  # a neighbour's
        (Role.STREET_ADMIN, "s2", "s1", 403),
        (Role.STREET_ADMIN, "s2", "c3", 200),
        (Role.UNIT_ADMIN, "u1", "city", 200),
    ],
)
def test_admins_read_the_boards_their_grant_reaches(
    world: World, role: Role, scope: str, area: str, status: int
) -> None:
    places = {"c1": world.c1, "c2": world.c2, "c3": world.c3, "s1": world.s1, "s2": world.s2}
    places |= {"u1": world.u1, "city": world.place.city}  # type: ignore[dict-item]
    headers = world.admin(role, places[scope])

    assert board(world, headers, area_id=places[area].id).status_code == status


def test_another_city_s_admin_and_member_are_refused(world: World) -> None:
    elsewhere = make_city("汾阳市")
    _, admin = login_as(world.client, world.fake, Role.ORG_ADMIN, elsewhere.city)

    response = board(world, admin)

    assert response.status_code == 403 and response.json["code"] == "auth.forbidden"
    assert "items" not in response.json


def test_an_unknown_period_or_area_is_404(world: World) -> None:
    unknown = world.get("/periods/999999/rankings")
    area = board(world, area_id=999_999)

    assert (unknown.status_code, unknown.json["code"]) == (404, "period.not_found")
    assert (area.status_code, area.json["code"]) == (404, "area.not_found")


def test_a_grid_or_another_city_s_area_is_422(world: World) -> None:
    grid = add_area(world.c1, AreaLevel.GRID)
    other = make_city("介休市")

    for area in (grid, other.community):
        response = board(world, area_id=area.id)
        assert (response.status_code, response.json["code"]) == (422, "area.wrong_level")
        assert "area_id" in response.json["fields"]
