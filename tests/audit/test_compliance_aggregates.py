"""Figures per street, community, unit and party organisation, worked out by hand from the
table in ``tests/audit/compliance_world.py``; the drill-downs city → street → community →
member and city → unit → member; sorting and paging."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from tests.audit.compliance_world import World, build_world
from tests.builders import add_area

COUNTS = (
    "members",
    "reported_in",
    "compliant",
    "behind",
    "zero_service",
    "not_reported",
    "services",
    "total_minutes",
)
S1 = (6, 5, 2, 2, 1, 1, 8, 1050)  # a b c d e f
S2 = (4, 3, 1, 2, 0, 1, 6, 740)  # g h i j
C1 = (5, 4, 1, 2, 1, 1, 6, 750)  # a b c d e
C2 = (1, 1, 1, 0, 0, 0, 2, 300)  # f
U2 = (5, 4, 2, 2, 0, 1, 8, 1040)  # f g h i j
P1 = (2, 2, 1, 1, 0, 0, 4, 540)  # a b
NO_PARTY_ORG = (8, 6, 2, 3, 1, 2, 10, 1250)
TOTAL = (10, 8, 3, 4, 1, 2, 14, 1790)


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    return build_world(client, fake_wechat)


def counts(figures: dict[str, Any]) -> tuple[int, ...]:
    return tuple(figures[name] for name in COUNTS)


def by_id(response: dict[str, Any]) -> dict[int | None, tuple[int, ...]]:
    return {group["id"]: counts(group) for group in response["groups"]}


def test_the_city_by_street(world: World) -> None:
    response = world.ok(world.compliance(by="street"))
    assert response["period"]["id"] == world.period_id
    assert response["rule"]["source"] == "city"
    assert counts(response["total"]) == TOTAL
    total = response["total"]
    assert (total["reported_in_rate"], total["compliant_rate"]) == (0.8, 0.3)
    assert (total["average_minutes"], total["total_hours"], total["average_hours"]) == (
        179.0,
        29.83,
        2.98,
    )
    assert by_id(response) == {world.s1.id: S1, world.s2.id: S2}
    s1 = next(g for g in response["groups"] if g["id"] == world.s1.id)
    assert s1["name"] == world.s1.name
    assert (s1["reported_in_rate"], s1["compliant_rate"]) == (0.8333, 0.3333)
    assert (s1["average_minutes"], s1["total_hours"], s1["average_hours"]) == (175.0, 17.5, 2.92)


def test_the_city_by_community_lists_empty_communities_too(world: World) -> None:
    empty = add_area(world.s2, AreaLevel.COMMUNITY)
    response = world.ok(world.compliance(by="community"))
    assert by_id(response) == {
        world.c1.id: C1,
        world.c2.id: C2,
        world.c3.id: S2,
        empty.id: (0,) * 8,
    }
    row = next(g for g in response["groups"] if g["id"] == empty.id)
    assert row["name"] == empty.name
    assert (row["reported_in_rate"], row["compliant_rate"], row["average_minutes"]) == (
        None,
        None,
        None,
    )


def test_the_city_by_unit_and_by_party_organisation(world: World) -> None:
    units = world.ok(world.compliance(by="unit"))
    assert by_id(units) == {world.u1.id: C1, world.u2.id: U2}
    assert {g["id"]: g["name"] for g in units["groups"]} == {
        world.u1.id: world.u1.name,
        world.u2.id: world.u2.name,
    }
    orgs = world.ok(world.compliance(by="party_org"))
    assert by_id(orgs) == {world.p1.id: P1, None: NO_PARTY_ORG}
    assert [g["name"] for g in orgs["groups"]] == [world.p1.name, "未登记党组织"]
    assert counts(units["total"]) == counts(orgs["total"]) == TOTAL


def test_drill_down_city_street_community_member(world: World) -> None:
    street = world.ok(world.compliance(by="community", street_id=world.s1.id))
    assert counts(street["total"]) == S1
    assert by_id(street) == {world.c1.id: C1, world.c2.id: C2}
    community = world.ok(world.compliance(by="community", community_id=world.c1.id))
    assert counts(community["total"]) == C1
    assert by_id(community) == {world.c1.id: C1}
    assert world.statuses(community_id=world.c1.id) == {
        "a": "compliant",
        "b": "behind",
        "c": "zero",
        "d": "not_reported",
        "e": "behind",
    }
    both = world.statuses(street_id=world.s1.id, community_id=world.c2.id)
    assert both == {"f": "compliant"}
    member = world.ok(
        world.get(f"/periods/{world.period_id}/compliance/members/{world.members['d']}")
    )
    assert (member["reported_in"], member["status"]) == (False, "not_reported")


def test_drill_down_city_unit_member(world: World) -> None:
    unit = world.ok(world.compliance(by="community", unit_id=world.u2.id))
    assert counts(unit["total"]) == U2
    # With a unit filter, only the communities where its members are placed.
    assert by_id(unit) == {world.c2.id: C2, world.c3.id: S2}
    assert world.statuses(unit_id=world.u2.id) == {
        "f": "compliant",
        "g": "behind",
        "h": "compliant",
        "i": "not_reported",
        "j": "behind",
    }
    assert set(world.statuses(party_org_id=world.p1.id)) == {"a", "b"}
    assert set(world.statuses(unit_id=world.u1.id, party_org_id=world.p1.id)) == {"a", "b"}


def test_groups_sort_by_a_figure_with_empty_groups_last(world: World) -> None:
    empty = add_area(world.s2, AreaLevel.COMMUNITY)
    # Compliance rates: C1 0.2, C2 1.0, C3 0.25, the empty one none.
    desc = world.ok(world.compliance(by="community", sort="compliant_rate", order="desc"))
    assert [g["id"] for g in desc["groups"]] == [world.c2.id, world.c3.id, world.c1.id, empty.id]
    asc = world.ok(world.compliance(by="community", sort="compliant_rate"))
    assert [g["id"] for g in asc["groups"]] == [world.c1.id, world.c3.id, world.c2.id, empty.id]
    members = world.ok(world.compliance(by="community", sort="members", order="desc"))
    assert [g["id"] for g in members["groups"]][:2] == [world.c1.id, world.c3.id]
    by_id_desc = world.ok(world.compliance(by="street", order="desc"))
    assert [g["id"] for g in by_id_desc["groups"]] == sorted(
        [world.s1.id, world.s2.id], reverse=True
    )


def test_members_sort_by_minutes_and_page_through(world: World) -> None:
    order = []
    cursor = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = world.ok(world.rows(sort="minutes", order="desc", limit=3, **extra))
        assert len(page["items"]) <= 3
        order += [world.label_of(r["member_id"]) for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Ties (f and h: 300; c, d, i: 0) by id, in the same direction.
    assert order == ["a", "h", "f", "j", "e", "g", "b", "i", "d", "c"]
    by_services = world.ok(world.rows(sort="services", limit=100))
    assert [world.label_of(r["member_id"]) for r in by_services["items"]][:3] == ["c", "d", "i"]
    by_name = world.ok(world.rows(sort="name", order="desc", limit=2))
    assert [r["name"] for r in by_name["items"]] == ["党员j", "党员i"]
    following = world.ok(world.rows(sort="name", order="desc", cursor=by_name["next_cursor"]))
    assert [r["name"] for r in following["items"]][:2] == ["党员h", "党员g"]
