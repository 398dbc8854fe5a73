"""Bad filters, unknown ids and bad cursors: each a clear error in the one shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world
from tests.builders import make_city, make_party_org


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    return build_world(client, fake_wechat)


def _fails(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.json
    assert response.json["code"] == code
    if field is not None:
        assert field in response.json["fields"], response.json


def test_bad_filters_are_422_and_unknown_ids_404(world: World) -> None:
    elsewhere = make_city("介休市")
    foreign_org = make_party_org(elsewhere.unit, "外市党支部")
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        ({"by": "grid"}, 422, "request.invalid", "by"),
        ({"sort": "height"}, 422, "request.invalid", "sort"),
        ({"order": "sideways"}, 422, "request.invalid", "order"),
        ({"street_id": 0}, 422, "request.invalid", "street_id"),
        ({"street_id": "x"}, 422, "request.invalid", "street_id"),
        ({"street_id": 999_999}, 404, "area.not_found", None),
        ({"street_id": world.c1.id}, 422, "area.wrong_level", "street_id"),
        ({"street_id": elsewhere.street.id}, 422, "area.wrong_level", "street_id"),
        ({"community_id": world.s1.id}, 422, "area.wrong_level", "community_id"),
        ({"community_id": elsewhere.community.id}, 422, "area.wrong_level", "community_id"),
        (
            {"street_id": world.s1.id, "community_id": world.c3.id},
            422,
            "area.wrong_level",
            "community_id",
        ),
        ({"unit_id": 999_999}, 404, "unit.not_found", None),
        ({"unit_id": elsewhere.unit.id}, 422, "unit.wrong_city", "unit_id"),
        ({"party_org_id": 999_999}, 404, "party_org.not_found", None),
        ({"party_org_id": foreign_org.id}, 422, "unit.wrong_city", "party_org_id"),
        (
            {"unit_id": world.u2.id, "party_org_id": world.p1.id},
            422,
            "party_org.not_in_unit",
            "party_org_id",
        ),
    ]
    for query, status, code, field in cases:
        _fails(world.compliance(**query), status, code, field)
        if "by" not in query and "sort" not in query:
            _fails(world.rows(**query), status, code, field)


def test_bad_member_listing_arguments_are_422(world: World) -> None:
    _fails(world.rows(status="lazy"), 422, "request.invalid", "status")
    _fails(world.rows(sort="minutes_desc"), 422, "request.invalid", "sort")
    _fails(world.rows(limit=0), 422, "request.invalid", "limit")
    _fails(world.rows(limit=101), 422, "request.invalid", "limit")
    _fails(world.rows(cursor="not-a-cursor"), 422, "request.invalid", "cursor")
    by_minutes = world.ok(world.rows(sort="minutes", limit=2))["next_cursor"]
    # A cursor of another order is refused rather than misread.
    _fails(world.rows(sort="name", cursor=by_minutes), 422, "request.invalid", "cursor")
    _fails(world.rows(sort="id", cursor=by_minutes), 422, "request.invalid", "cursor")


def test_unknown_period_or_member_is_404(world: World) -> None:
    for path in (
        "/periods/999999/compliance",
        "/periods/999999/compliance/members",
        f"/periods/999999/compliance/members/{world.members['a']}",
    ):
        _fails(world.get(path), 404, "period.not_found")
    base = f"/periods/{world.period_id}/compliance/members"
    _fails(world.get(f"{base}/999999"), 404, "member.not_found")
    # Pending verification: not counted in the period.
    _fails(world.get(f"{base}/{world.members['p']}"), 404, "compliance.not_counted")
    assert world.get(f"{base}/0").status_code == 404
