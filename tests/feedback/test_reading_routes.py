"""Reading feedback: the unit's admin sees its own, consenting members in detail and the rest
as 未授权 (consent re-checked at each read); another unit's is refused with nothing in the
body; a member sees what was said about them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.feedback.conftest import FeedbackWorld


def _u1(world: FeedbackWorld) -> dict[str, Any]:
    return world.issued()[world.u1.id]


def test_the_unit_admin_reads_its_feedback_with_the_rest_unauthorized(
    world: FeedbackWorld,
) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    shown = world.ok(world.feedback(feedback["id"], admin))
    lines = world.lines(feedback["id"], admin)

    assert (shown["members"], shown["shown"], shown["unauthorized"]) == (5, 3, 2)
    assert set(lines) == {"a", "b", "c", "d", "e"}
    a = lines["a"]
    assert a["authorized"] is True and a["shown_as"] is None
    assert (a["area_name"], a["reported_in"], a["services"], a["minutes"], a["hours"]) == (
        world.c1.name,
        True,
        3,
        360,
        6.0,
    )
    assert (a["status"], a["status_label"], a["grade"], a["grade_label"]) == (
        "compliant",
        "达标",
        "excellent",
        "优秀",
    )
    assert (lines["b"]["status"], lines["b"]["grade_label"]) == ("behind", "合格")
    e = lines["e"]  # consented, never reported in: no community to name
    assert (e["status"], e["grade_label"], e["area_name"], e["reported_in"]) == (
        "not_reported",
        None,
        None,
        False,
    )
    for label in ("c", "d"):
        line = lines[label]
        assert line["authorized"] is False and line["shown_as"] == "未授权"
        assert line["name"] == f"党员{label}"
        assert all(
            line[key] is None
            for key in ("area_name", "reported_in", "services", "minutes", "status", "grade")
        )


def test_a_withdrawal_after_the_issue_hides_the_member_at_the_next_read(
    world: FeedbackWorld,
) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    world.consent("a", False)

    shown = world.ok(world.feedback(feedback["id"], admin))
    assert (shown["shown"], shown["unauthorized"], shown["consenting"]) == (2, 3, 3)
    assert world.lines(feedback["id"], admin)["a"]["shown_as"] == "未授权"


def test_a_consent_given_after_the_issue_waits_for_the_next_version(
    world: FeedbackWorld,
) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    world.consent("d", True)

    assert world.lines(feedback["id"], admin)["d"]["authorized"] is False
    again = world.issued(unit_id=world.u1.id)[world.u1.id]
    d = world.lines(again["id"], admin)["d"]
    assert (d["authorized"], d["status"]) == (True, "zero")


def test_another_unit_s_admin_is_answered_as_for_an_unknown_id_and_nothing_leaks(
    world: FeedbackWorld,
) -> None:
    feedback = _u1(world)
    other = world.admin(Role.UNIT_ADMIN, world.u2)

    for suffix in ("", "/lines", "/pdf"):
        response = world.feedback(feedback["id"], other, suffix)
        unknown = world.feedback(999_999, other, suffix)
        assert response.status_code == 404, suffix
        assert response.json["code"] == "unit_feedback.not_found"
        assert response.json["message"] == unknown.json["message"]
        assert world.u1.name not in response.get_data(as_text=True)
        assert "党员a" not in response.get_data(as_text=True)
    listed = world.ok(world.get("/unit-feedback", other))["items"]
    assert [item["unit"]["id"] for item in listed] == [world.u2.id]
    filtered = world.ok(world.get("/unit-feedback", other, unit_id=world.u1.id))["items"]
    assert filtered == []
    refused = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "unit_feedback.read", SecurityEvent.outcome == "failure"
        )
    ).all()
    assert {e.object_id for e in refused} == {str(feedback["id"])}


def test_others_who_may_not_read(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    community = world.admin(Role.COMMUNITY_ADMIN, world.c1)
    street = world.admin(Role.STREET_ADMIN, world.s1)
    other_city = world.admin(Role.ORG_ADMIN, world.other_city())

    for headers in (community, street, world.headers["a"]):
        assert world.feedback(feedback["id"], headers).status_code == 403  # no permission
    assert world.feedback(feedback["id"], other_city).status_code == 404  # not in its scope
    for headers in (community, street, world.headers["a"]):
        assert world.get("/unit-feedback", headers).status_code == 403
    assert world.ok(world.get("/unit-feedback", other_city))["items"] == []


def test_an_unknown_feedback_is_404_for_a_reader_and_403_for_anyone_else(
    world: FeedbackWorld,
) -> None:
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    unknown = world.feedback(999_999, admin)
    member = world.feedback(999_999, world.headers["a"])

    assert (unknown.status_code, unknown.json["code"]) == (404, "unit_feedback.not_found")
    assert (member.status_code, member.json["code"]) == (403, "auth.forbidden")


def test_the_org_admin_reads_what_it_sent(world: FeedbackWorld) -> None:
    feedback = _u1(world)

    assert world.ok(world.feedback(feedback["id"], world.org_admin))["unauthorized"] == 2
    assert world.lines(feedback["id"], world.org_admin)["d"]["shown_as"] == "未授权"


def test_reads_are_in_the_security_log(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    world.ok(world.feedback(feedback["id"], admin))
    world.lines(feedback["id"], admin)

    reads = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "unit_feedback.read", SecurityEvent.outcome == "success"
        )
    ).all()
    assert len(reads) == 4  # the version, then its lines in three pages of 2
    assert {e.object_id for e in reads} == {str(feedback["id"])}


def test_a_member_sees_what_was_said_about_them(world: FeedbackWorld) -> None:
    first = _u1(world)
    world.issued(unit_id=world.u1.id)
    world.consent("a", False)

    mine = world.ok(world.get("/me/unit-feedback", world.headers["a"]))["items"]
    d = world.ok(world.get("/me/unit-feedback", world.headers["d"]))["items"]

    assert [item["feedback"]["version"] for item in mine] == [2, 1]
    assert mine[1]["feedback"]["id"] == first["id"]
    newest = mine[0]
    assert (newest["consented"], newest["shown_to_unit"]) == (True, False)  # withdrew since
    assert (newest["services"], newest["minutes"], newest["status_label"]) == (3, 360, "达标")
    assert newest["grade_label"] == "优秀" and newest["area_name"] == world.c1.name
    assert [(i["consented"], i["shown_to_unit"], i["services"]) for i in d] == [
        (False, False, None),
        (False, False, None),
    ]


def test_a_member_sees_only_their_own(world: FeedbackWorld) -> None:
    _u1(world)
    f = world.ok(world.get("/me/unit-feedback", world.headers["f"]))["items"]
    unregistered = world.get("/me/unit-feedback", world.admin(Role.UNIT_ADMIN, world.u1))

    assert [item["feedback"]["unit"]["id"] for item in f] == [world.u2.id]
    assert {item["id"] for item in f}.isdisjoint(
        {i["id"] for i in world.ok(world.get("/me/unit-feedback", world.headers["a"]))["items"]}
    )
    assert (unregistered.status_code, unregistered.json["code"]) == (404, "member.not_registered")
