"""Issuing feedback to work units: by the org_admin over HTTP, and at the period's lock;
each issue a new version; who may not, and which periods and units are refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.feedback.conftest import FeedbackWorld
from tests.steps import login_as


def test_the_org_admin_issues_to_every_unit_with_members(world: FeedbackWorld) -> None:
    issued = world.issued()

    assert set(issued) == {world.u1.id, world.u2.id}
    u1 = issued[world.u1.id]
    assert (u1["version"], u1["trigger"], u1["in_force"]) == (1, "manual", True)
    assert (u1["members"], u1["consenting"]) == (5, 3)  # a, b, e; c withdrew, d never gave it
    assert (u1["compliant"], u1["behind"], u1["zero_service"], u1["not_reported"]) == (2, 1, 1, 1)
    assert (u1["services"], u1["total_minutes"], u1["total_hours"]) == (6, 780, 13.0)
    assert u1["period"]["id"] == world.period_id and u1["unit"]["name"] == world.u1.name
    assert issued[world.u2.id]["members"] == 1


def test_issuing_one_unit_issues_only_that_one(world: FeedbackWorld) -> None:
    issued = world.issued(unit_id=world.u2.id)

    assert list(issued) == [world.u2.id]


def test_issuing_again_makes_a_new_version_in_force(world: FeedbackWorld) -> None:
    first = world.issued(unit_id=world.u1.id)[world.u1.id]
    world.consent("d", True)
    second = world.issued(unit_id=world.u1.id)[world.u1.id]

    assert second["version"] == 2 and second["consenting"] == 4
    old = world.ok(world.feedback(first["id"], world.org_admin))
    assert old["in_force"] is False and old["superseded_at"] is not None
    listed = world.ok(world.get("/unit-feedback", unit_id=world.u1.id))["items"]
    assert [item["id"] for item in listed] == [second["id"]]
    every = world.ok(world.get("/unit-feedback", unit_id=world.u1.id, all_versions="true"))
    assert [item["id"] for item in every["items"]] == [second["id"], first["id"]]


def test_locking_the_period_issues_to_every_unit(world: FeedbackWorld) -> None:
    world.issued(unit_id=world.u1.id)

    world.lock()

    listed = world.ok(world.get("/unit-feedback", period_id=world.period_id))["items"]
    assert {(item["unit"]["id"], item["version"], item["trigger"]) for item in listed} == {
        (world.u1.id, 2, "lock"),
        (world.u2.id, 1, "lock"),
    }


def test_issuing_is_in_the_security_log(world: FeedbackWorld) -> None:
    issued = world.issued()

    events = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "unit_feedback.issue")
    ).all()
    logged = {int(e.object_id or 0): e.detail for e in events}
    for feedback in issued.values():
        assert logged[feedback["id"]]["unit_id"] == feedback["unit"]["id"]
        assert logged[feedback["id"]]["trigger"] == "manual"


def test_who_may_not_issue(world: FeedbackWorld) -> None:
    community = world.admin(Role.COMMUNITY_ADMIN, world.c1)
    street = world.admin(Role.STREET_ADMIN, world.s1)
    unit = world.admin(Role.UNIT_ADMIN, world.u1)
    other_city = world.admin(Role.ORG_ADMIN, world.other_city())
    sys_admin = world.admin(Role.SYS_ADMIN)

    for headers in (community, street, unit, other_city, sys_admin, world.headers["a"]):
        response = world.issue(headers)
        assert response.status_code == 403, response.json
        assert response.json["code"] == "auth.forbidden"
    assert world.ok(world.get("/unit-feedback"))["items"] == []


def test_bad_periods_and_units_are_refused(world: FeedbackWorld) -> None:
    this_year = world.period("year", date(world.year + 1, 1, 1), date(world.year + 1, 12, 31))
    other_unit = world.other_city_unit()

    unknown = world.client.post(
        "/api/v1/periods/999999/unit-feedback", json={}, headers=world.org_admin
    )
    open_period = world.client.post(
        f"/api/v1/periods/{this_year}/unit-feedback", json={}, headers=world.org_admin
    )
    unknown_unit = world.issue(unit_id=999_999)
    foreign_unit = world.issue(unit_id=other_unit)
    bad = world.issue(unit_id="x")
    extra = world.issue(units=[1])

    assert (unknown.status_code, unknown.json["code"]) == (404, "period.not_found")
    assert (open_period.status_code, open_period.json["code"]) == (409, "period.not_ended")
    assert (unknown_unit.status_code, unknown_unit.json["code"]) == (404, "unit.not_found")
    assert (foreign_unit.status_code, foreign_unit.json["code"]) == (422, "unit.wrong_city")
    assert bad.status_code == 422 and extra.status_code == 422
    assert world.ok(world.get("/unit-feedback"))["items"] == []


def test_an_admin_of_no_city_cannot_issue(world: FeedbackWorld) -> None:
    _, nobody = login_as(world.client, world.fake, None)

    assert world.issue(nobody).status_code == 403


def test_unlocking_keeps_what_was_issued_and_relocking_issues_again(
    world: FeedbackWorld,
) -> None:
    world.lock()
    unlocked = world.client.post(
        f"/api/v1/periods/{world.period_id}/unlock",
        json={"reason": "补录服务记录"},
        headers=world.org_admin,
    )
    assert unlocked.status_code == 200, unlocked.json
    kept = world.ok(world.get("/unit-feedback", unit_id=world.u1.id))["items"]
    assert [(item["version"], item["trigger"]) for item in kept] == [(1, "lock")]

    world.lock()

    again = world.ok(world.get("/unit-feedback", unit_id=world.u1.id))["items"]
    assert [(item["version"], item["trigger"]) for item in again] == [(2, "lock")]


def test_the_unit_s_admins_are_told_of_each_new_version(world: FeedbackWorld) -> None:
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    other = world.admin(Role.UNIT_ADMIN, world.u2)

    world.issued(unit_id=world.u1.id)
    world.issued(unit_id=world.u1.id)

    def told(headers: dict[str, str]) -> list[str]:
        inbox = world.client.get("/api/v1/me/messages", headers=headers)
        assert inbox.status_code == 200
        return [m["body"] for m in inbox.json["items"] if m["event"] == "unit_feedback_issued"]

    bodies = told(admin)
    assert len(bodies) == 2 and all(world.u1.name in body for body in bodies)
    assert {"第 1 版" in b for b in bodies} == {True, False}
    assert told(other) == []
