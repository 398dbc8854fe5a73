"""Each member's status and figures in a period: the cases of the table in
``tests/audit/compliance_world.py``, a street's tightening, a quarter with and without a rule,
and figures that follow the ledger as records are voided."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world

EXPECTED = {  # label: (reported in, services, minutes, status)
    "a": (True, 3, 360, "compliant"),
    "b": (True, 1, 180, "behind"),
    "c": (True, 0, 0, "zero"),
    "d": (False, 0, 0, "not_reported"),
    "e": (True, 2, 210, "behind"),
    "f": (True, 2, 300, "compliant"),
    "g": (True, 2, 200, "behind"),
    "h": (True, 3, 300, "compliant"),
    "i": (False, 0, 0, "not_reported"),
    "j": (True, 1, 240, "behind"),
}


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    return build_world(client, fake_wechat)


def _figures(w: World, **query: object) -> dict[str, tuple[bool, int, int, str]]:
    page = w.ok(w.rows(limit=100, **query))
    assert page["next_cursor"] is None and page["withheld"] == 0
    return {
        w.label_of(r["member_id"]): (r["reported_in"], r["services"], r["minutes"], r["status"])
        for r in page["items"]
    }


def test_each_member_has_the_status_worked_out_by_hand(world: World) -> None:
    # Last year's record, the pending and rejected ones, the voided one and the adjustment
    # are all where the table says; the member pending verification is not counted.
    assert _figures(world) == EXPECTED


def test_one_member_shows_the_rule_that_applies(world: World) -> None:
    detail = world.ok(
        world.get(f"/periods/{world.period_id}/compliance/members/{world.members['e']}")
    )
    assert (detail["services"], detail["minutes"], detail["hours"]) == (2, 210, 3.5)
    assert detail["status"] == "behind"
    assert detail["community"] == {"id": world.c1.id, "name": world.c1.name}
    assert detail["street"] == {"id": world.s1.id, "name": world.s1.name}
    assert detail["unit"] == {"id": world.u1.id, "name": world.u1.name}
    assert detail["party_org"] is None
    assert detail["rule"] == {
        "source": "city",
        "min_services": 2,
        "min_minutes": 240,
        "period_id": world.period_id,
        "area_id": world.place.city.id,
    }


def test_a_streets_tightening_changes_its_members_status(world: World) -> None:
    world.rule(world.period_id, world.s1, min_minutes=330)
    figures = _figures(world)
    assert figures["f"] == (True, 2, 300, "behind")  # 300 < 330 in S1
    assert figures["a"] == (True, 3, 360, "compliant")
    assert figures["h"] == (True, 3, 300, "compliant")  # S2 keeps the city's 240
    detail = world.ok(
        world.get(f"/periods/{world.period_id}/compliance/members/{world.members['f']}")
    )
    assert detail["rule"]["source"] == "street"
    assert (detail["rule"]["min_services"], detail["rule"]["min_minutes"]) == (2, 330)
    total = world.ok(world.compliance())["total"]
    assert (total["compliant"], total["behind"]) == (2, 5)


def test_a_quarter_without_a_rule_counts_any_service_as_compliant(world: World) -> None:
    y = world.year
    world.period_id = world.period("quarter", date(y, 1, 1), date(y, 3, 31))
    response = world.ok(world.compliance())
    assert response["rule"]["source"] == "none"
    assert {k: v[3] for k, v in _figures(world).items()} == {
        "a": "compliant",  # 3 services in January-March
        "b": "compliant",  # 1 January
        "c": "zero",
        "d": "not_reported",
        "e": "zero",  # served in April
        "f": "zero",
        "g": "zero",
        "h": "compliant",
        "i": "not_reported",
        "j": "compliant",  # reported in until 15 March
    }
    assert response["total"]["behind"] == 0


def test_a_quarters_own_rule_and_a_report_in_ended_before_it(world: World) -> None:
    y = world.year
    world.period_id = world.period("quarter", date(y, 4, 1), date(y, 6, 30))
    world.rule(world.period_id, min_services=2)
    figures = _figures(world)
    assert figures["j"] == (False, 0, 0, "not_reported")  # ended on 15 March
    assert figures["e"] == (True, 2, 210, "compliant")  # no minimum of minutes
    assert figures["f"] == (True, 2, 300, "compliant")
    assert figures["a"] == (True, 0, 0, "zero")


def test_a_year_without_a_rule_applies_the_default(world: World) -> None:
    y = world.year - 1
    world.period_id = world.period("year", date(y, 1, 1), date(y, 12, 31))
    rule = world.ok(world.compliance())["rule"]
    assert rule["source"] == "default"
    default = rule["min_minutes"]
    assert default > 600
    figures = _figures(world)
    assert figures["a"] == (True, 1, 600, "behind")  # 31 December of last year
    assert figures["j"] == (True, 0, 0, "zero")  # reported in since June last year
    assert figures["i"] == (True, 0, 0, "zero")  # ended on 1 December last year


def test_figures_follow_the_ledger_at_once(world: World) -> None:
    y = world.year
    record = world.serve("b", date(y, 7, 1), 60)
    assert _figures(world)["b"] == (True, 2, 240, "compliant")
    world.post(f"/service-records/{record}/void", reason="重复登记")
    assert _figures(world)["b"] == (True, 1, 180, "behind")
    world.adjust(world.serve("g", date(y, 7, 2), 30), 15)
    assert _figures(world)["g"] == (True, 3, 245, "compliant")


def test_a_filter_by_status_lists_those_members(world: World) -> None:
    for status in ("compliant", "behind", "zero", "not_reported"):
        listed = _figures(world, status=status)
        assert set(listed) == {k for k, v in EXPECTED.items() if v[3] == status}
