"""Who sees which compliance: the org department its city, a street or community admin its
area (rows limited to it, another area 403), a unit admin its unit's members (all counted,
only those who consented to unit feedback listed), and refusals that show nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world
from tests.audit.test_compliance_aggregates import C1, S1, by_id, counts
from tests.builders import make_city


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    return build_world(client, fake_wechat)


def detail(w: World, label: str, headers: dict[str, str]) -> Any:
    return w.get(f"/periods/{w.period_id}/compliance/members/{w.members[label]}", headers)


def refused(response: Any, code: str = "auth.forbidden") -> None:
    """403 with nothing but the error: no figure of anyone."""
    assert response.status_code == 403, response.json
    assert response.json["code"] == code
    assert set(response.json) == {"status", "code", "message", "request_id"}


def hidden(response: Any) -> None:
    """A member outside the reader's scope: 404 as for an unknown one, nothing else."""
    assert response.status_code == 404, response.json
    assert response.json["code"] == "member.not_found"
    assert set(response.json) == {"status", "code", "message", "request_id"}


def test_a_street_admin_sees_its_street_only(world: World) -> None:
    admin = world.admin(Role.STREET_ADMIN, world.s1)
    streets = world.ok(world.compliance(admin))  # by=street: its own row, not the city's
    assert by_id(streets) == {world.s1.id: S1}
    assert counts(streets["total"]) == S1
    communities = world.ok(world.compliance(admin, by="community"))
    assert set(by_id(communities)) == {world.c1.id, world.c2.id}
    assert set(world.statuses(admin)) == {"a", "b", "c", "d", "e", "f"}
    assert world.ok(world.rows(admin))["withheld"] == 0
    assert world.ok(detail(world, "f", admin))["status"] == "compliant"
    refused(world.compliance(admin, street_id=world.s2.id))
    refused(world.compliance(admin, by="community", community_id=world.c3.id))
    refused(world.rows(admin, street_id=world.s2.id))
    hidden(detail(world, "g", admin))


def test_a_community_admin_sees_its_community_only(world: World) -> None:
    admin = world.admin(Role.COMMUNITY_ADMIN, world.c1)
    # Its street's row counts only the members of its community.
    assert by_id(world.ok(world.compliance(admin))) == {world.s1.id: C1}
    assert by_id(world.ok(world.compliance(admin, by="community"))) == {world.c1.id: C1}
    inside = world.ok(world.compliance(admin, by="community", street_id=world.s1.id))
    assert counts(inside["total"]) == C1
    assert set(world.statuses(admin)) == {"a", "b", "c", "d", "e"}
    refused(world.compliance(admin, community_id=world.c2.id))
    refused(world.rows(admin, community_id=world.c2.id))
    hidden(detail(world, "f", admin))


def test_a_unit_admin_counts_every_member_and_lists_those_who_consented(world: World) -> None:
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    figures = world.ok(world.compliance(admin, by="unit"))
    assert by_id(figures) == {world.u1.id: C1}  # d and e never consented, c withdrew
    assert counts(figures["total"]) == C1
    page = world.ok(world.rows(admin))
    assert {world.label_of(r["member_id"]) for r in page["items"]} == {"a", "b"}
    assert page["withheld"] == 3
    zero = world.ok(world.rows(admin, status="zero"))
    assert (zero["items"], zero["withheld"]) == ([], 1)  # c
    assert world.ok(detail(world, "a", admin))["minutes"] == 360
    for label in ("c", "d", "e"):
        refused(detail(world, label, admin), "compliance.no_consent")
    refused(world.compliance(admin, unit_id=world.u2.id))
    hidden(detail(world, "f", admin))


def test_consent_given_or_withdrawn_changes_what_a_unit_admin_sees(world: World) -> None:
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    world.consent("a", False)
    world.consent("d", True)
    page = world.ok(world.rows(admin))
    assert {world.label_of(r["member_id"]) for r in page["items"]} == {"b", "d"}
    assert page["withheld"] == 3
    refused(detail(world, "a", admin), "compliance.no_consent")
    assert world.ok(detail(world, "d", admin))["status"] == "not_reported"
    assert counts(world.ok(world.compliance(admin))["total"]) == C1  # still all counted


def test_an_area_grant_lists_its_members_whatever_their_consent(world: World) -> None:
    headers = world.admin(Role.COMMUNITY_ADMIN, world.c1, also=(Role.UNIT_ADMIN, world.u2))
    page = world.ok(world.rows(headers, limit=100))
    # C1's members by the area grant; of U2's members (f…j) none consented.
    assert {world.label_of(r["member_id"]) for r in page["items"]} == {"a", "b", "c", "d", "e"}
    assert page["withheld"] == 5
    assert world.ok(detail(world, "d", headers))["status"] == "not_reported"
    refused(detail(world, "f", headers), "compliance.no_consent")


def test_the_org_department_of_another_city_and_others_are_refused(
    world: World, client: FlaskClient
) -> None:
    elsewhere = make_city("介休市")
    admins = (
        world.admin(Role.ORG_ADMIN, elsewhere.city),
        world.admin(Role.STREET_ADMIN, elsewhere.street),
        world.admin(Role.UNIT_ADMIN, elsewhere.unit),
    )
    others = (world.admin(Role.SYS_ADMIN), world.headers["a"])  # no such permission; a member
    for headers in admins + others:
        refused(world.compliance(headers))
        refused(world.rows(headers))
        refused(detail(world, "a", headers))
    for headers in others:  # refused before an unknown period is looked up
        refused(world.get("/periods/999999/compliance", headers))
    for headers in admins:
        assert world.get("/periods/999999/compliance", headers).status_code == 404
    anonymous = client.get(f"/api/v1/periods/{world.period_id}/compliance")
    assert anonymous.status_code == 401
