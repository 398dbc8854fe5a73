"""A member's own place on the boards (refused without consent), and the units ranked by
compliance for the org department and the street."""

from __future__ import annotations

from typing import Any

from sunshine.access.models import Role
from tests.audit.compliance_world import World
from tests.honour_roll.conftest import rank_consent


def mine(world: World, label: str, **query: Any) -> Any:
    return world.get(f"/periods/{world.period_id}/rankings/me", world.headers[label], **query)


def test_a_consenting_member_sees_their_rank_on_each_of_their_boards(world: World) -> None:
    body = world.ok(mine(world, "b"))

    assert (body["services"], body["minutes"], body["hours"]) == (1, 180, 3.0)
    places = [(p["area"]["id"], p["rank"], p["total"]) for p in body["boards"]]
    assert places == [(world.c1.id, 2, 2), (world.s1.id, 3, 3), (world.place.city.id, 4, 4)]


def test_by_services_the_ranks_follow_the_services(world: World) -> None:
    body = world.ok(mine(world, "h", by="services"))

    assert [p["rank"] for p in body["boards"]] == [1, 1, 1]


def test_without_consent_a_member_is_told_they_are_not_on_the_board(world: World) -> None:
    never = mine(world, "e")
    rank_consent(world, "a", False)
    withdrawn = mine(world, "a")

    for response in (never, withdrawn):
        assert response.status_code == 409
        assert response.json["code"] == "ranking.no_consent"
        assert set(response.json) == {"code", "message", "request_id", "status"}


def test_a_consenting_member_without_service_has_no_rank(world: World) -> None:
    body = world.ok(mine(world, "c"))

    assert [p["rank"] for p in body["boards"]] == [None, None, None]
    assert body["boards"][2]["total"] == 4


def test_an_account_without_a_member_is_404(world: World) -> None:
    response = world.get(f"/periods/{world.period_id}/rankings/me", world.org_admin)

    assert (response.status_code, response.json["code"]) == (404, "member.not_registered")


def units(world: World, headers: dict[str, str] | None = None, **query: Any) -> Any:
    return world.get(f"/periods/{world.period_id}/rankings/units", headers, **query)


def test_the_org_department_ranks_the_city_s_units_by_compliance(world: World) -> None:
    body = world.ok(units(world))
    page = world.ok(world.compliance(by="unit"))
    rates = {g["id"]: g["compliant_rate"] for g in page["groups"]}

    # U2: f and h of five; U1: a of five (p is not verified, not counted).
    assert [(i["rank"], i["id"]) for i in body["items"]] == [(1, world.u2.id), (2, world.u1.id)]
    assert [i["compliant_rate"] for i in body["items"]] == [0.4, 0.2]
    assert all(i["compliant_rate"] == rates[i["id"]] for i in body["items"])
    assert body["total"] == 2 and world.ok(units(world, limit=1))["items"][0]["id"] == world.u2.id


def test_a_street_admin_ranks_the_units_by_their_members_in_the_street(world: World) -> None:
    street = world.admin(Role.STREET_ADMIN, world.s1)

    body = world.ok(units(world, street))

    # In S1: U2 has only f (compliant), U1 has a–e (a compliant).
    assert [(i["id"], i["members"], i["compliant"]) for i in body["items"]] == [
        (world.u2.id, 1, 1),
        (world.u1.id, 5, 1),
    ]
    assert units(world, street, street_id=world.s2.id).status_code == 403


def test_units_with_the_same_rate_share_a_rank(world: World) -> None:
    body = world.ok(units(world, street_id=world.s2.id))  # only U2's members live in S2

    assert [(i["rank"], i["id"]) for i in body["items"]] == [(1, world.u2.id)]


def test_others_may_not_rank_units(world: World) -> None:
    refused = [
        world.admin(Role.COMMUNITY_ADMIN, world.c1),
        world.admin(Role.UNIT_ADMIN, world.u1),
        world.headers["a"],
    ]

    for headers in refused:
        response = units(world, headers)
        assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")


def test_units_of_an_unknown_period_is_404(world: World) -> None:
    response = world.get("/periods/999999/rankings/units")

    assert (response.status_code, response.json["code"]) == (404, "period.not_found")


def test_a_member_not_yet_verified_has_no_place(world: World) -> None:
    response = mine(world, "p")

    assert (response.status_code, response.json["code"]) == (403, "member.not_verified")


def test_an_unknown_period_is_404_for_a_member_too(world: World) -> None:
    response = world.get("/periods/999999/rankings/me", world.headers["a"])

    assert (response.status_code, response.json["code"]) == (404, "period.not_found")
