"""Asking for a statement: what it holds, one per issuing organisation, the same one on a
repeat, and the refusals (no confirmed service, a bad period, no member registration)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from sunshine import clock
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from sunshine.statements.models import Statement
from tests.builders import count
from tests.statements.conftest import Scene, days_ago


def test_member_gets_a_statement_of_their_confirmed_service(scene: Scene) -> None:
    first = scene.confirmed(days_ago(20), minutes=150)
    second = scene.confirmed(days_ago(10), minutes=90)
    scene.record(days_ago(5))  # pending: not counted
    scene.confirmed(days_ago(60))  # before the period

    statement = scene.issue(days_ago(30), days_ago(1))

    place = scene.place
    assert re.fullmatch(rf"ZM{clock.today().year}-\d{{6}}", statement["number"])
    assert statement["status"] == "valid" and statement["revoked_reason"] is None
    assert statement["holder_name"] == "张三明"
    assert statement["issuer"] == {
        "id": place.community.id,
        "name": place.city.name + place.street.name + place.community.name,
    }
    assert (statement["from"], statement["to"]) == (
        days_ago(30).isoformat(),
        days_ago(1).isoformat(),
    )
    assert (statement["services"], statement["total_minutes"]) == (2, 240)
    assert statement["total_hours"] == 4.0
    assert statement["issued_on"] == clock.today().isoformat()
    assert [(i["record_id"], i["minutes"], i["hours"]) for i in statement["items"]] == [
        (first, 150, 2.5),
        (second, 90, 1.5),
    ]
    assert statement["items"][0]["service_date"] == days_ago(20).isoformat()
    assert re.fullmatch(
        r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", statement["verification_code"]
    )


def test_the_qr_payload_is_the_public_check_with_number_and_code(scene: Scene) -> None:
    scene.confirmed(days_ago(3))
    statement = scene.issue(days_ago(7), days_ago(1))

    url = urlsplit(statement["verify_url"])
    assert f"{url.scheme}://{url.netloc}" == "http://127.0.0.1:5000"  # PUBLIC_BASE_URL
    assert url.path == "/api/v1/statements/verify"
    assert statement["check_page"] == "http://127.0.0.1:5000/api/v1/statements/verify"
    query = parse_qs(url.query)
    assert query == {
        "number": [statement["number"]],
        "code": [statement["verification_code"].replace("-", "")],
    }
    opened = scene.client.get(f"{url.path}?{url.query}")  # what a phone's camera opens
    assert opened.status_code == 200 and opened.json["valid"] is True


def test_asking_again_for_the_same_period_returns_the_same_statement(scene: Scene) -> None:
    scene.confirmed(days_ago(3))
    statement = scene.issue(days_ago(7), days_ago(1))

    again = scene.request(days_ago(7), days_ago(1))

    assert again.status_code == 200
    assert [s["id"] for s in again.json["items"]] == [statement["id"]]
    assert again.json["items"][0]["verification_code"] == statement["verification_code"]
    assert count(Statement) == 1


def test_a_newly_confirmed_record_gives_a_new_statement(scene: Scene) -> None:
    scene.confirmed(days_ago(3))
    first = scene.issue(days_ago(7), days_ago(1))
    scene.confirmed(days_ago(2))

    second = scene.issue(days_ago(7), days_ago(1))

    assert second["number"] != first["number"] and second["services"] == 2
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1


def test_service_in_two_communities_gives_one_statement_per_issuer(scene: Scene) -> None:
    place = scene.place
    scene.confirmed(days_ago(9), community=place.other_community, minutes=60)
    scene.confirmed(days_ago(8), community=place.community, minutes=120)
    scene.confirmed(days_ago(7), community=place.other_community, minutes=30)

    response = scene.request(days_ago(10), days_ago(1))

    assert response.status_code == 201
    by_issuer = {s["issuer"]["id"]: s for s in response.json["items"]}
    assert list(by_issuer) == [place.other_community.id, place.community.id]
    other = by_issuer[place.other_community.id]
    assert (other["services"], other["total_minutes"]) == (2, 90)
    own = by_issuer[place.community.id]
    assert (own["services"], own["total_minutes"]) == (1, 120)
    assert len({s["number"] for s in response.json["items"]}) == 2


def test_issuing_is_in_the_security_log(scene: Scene) -> None:
    scene.confirmed(days_ago(3))
    statement = scene.issue(days_ago(7), days_ago(1))

    event = _events("statement.issue")[-1]
    assert event.outcome == "success" and event.object_id == str(statement["id"])
    assert event.detail is not None and event.detail["number"] == statement["number"]
    assert event.ip is not None


def _events(action: str) -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.action == action).order_by(SecurityEvent.id)
        )
    )


# Refusals ----------------------------------------------------------------------------------


def test_a_period_without_confirmed_service_is_422_and_logged(scene: Scene) -> None:
    scene.record(days_ago(5))  # pending
    rejected = scene.record(days_ago(4))
    assert (
        scene.post(f"/api/v1/service-records/{rejected}/reject", reason="未到场").status_code == 200
    )
    scene.confirmed(days_ago(40))  # outside

    response = scene.request(days_ago(10), days_ago(1))

    assert response.status_code == 422
    assert response.json["code"] == "statement.no_confirmed_service"
    assert count(Statement) == 0
    (event,) = _events("statement.issue")
    assert (event.outcome, event.reason) == ("failure", "statement.no_confirmed_service")


def test_another_members_confirmed_service_does_not_count(scene: Scene) -> None:
    from tests.builders import add_reported_members, member_id_of

    (other_account,) = add_reported_members(scene.place, scene.place.community, 1)
    record_id = scene.record(days_ago(3), member_id=member_id_of(other_account))
    assert scene.post(f"/api/v1/service-records/{record_id}/confirm").status_code == 200

    response = scene.request(days_ago(7), days_ago(1))

    assert response.status_code == 422
    assert response.json["code"] == "statement.no_confirmed_service"


def _tomorrow() -> str:
    return (clock.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": days_ago(1).isoformat(), "to": days_ago(5).isoformat()}, "from"),
        ({"from": days_ago(1).isoformat(), "to": _tomorrow()}, "to"),
        ({"from": days_ago(1).isoformat()}, "to"),
        ({"from": "2026-02-30", "to": days_ago(1).isoformat()}, "from"),
        (
            {"from": days_ago(3).isoformat(), "to": days_ago(1).isoformat(), "member_id": 1},
            "member_id",
        ),
    ],
)
def test_a_bad_period_is_422_with_the_field(scene: Scene, body: dict[str, Any], field: str) -> None:
    scene.confirmed(days_ago(3))

    response = scene.client.post("/api/v1/me/statements", json=body, headers=scene.member)

    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert field in response.json["fields"]
    assert count(Statement) == 0


def test_an_account_without_a_member_registration_is_404(scene: Scene) -> None:
    from sunshine.access.models import Role

    admin = scene.admin(Role.COMMUNITY_ADMIN, scene.place.community)

    response = scene.request(days_ago(7), days_ago(1), headers=admin)

    assert response.status_code == 404 and response.json["code"] == "member.not_registered"


def test_asking_without_a_token_is_401(scene: Scene) -> None:
    response = scene.client.post(
        "/api/v1/me/statements", json={"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert response.status_code == 401


def test_the_member_is_told_the_statement_is_issued(scene: Scene) -> None:
    scene.confirmed(days_ago(20), minutes=150)

    statement = scene.issue(days_ago(30), days_ago(1))

    inbox = scene.client.get("/api/v1/me/messages", headers=scene.member)
    assert inbox.status_code == 200
    (message,) = [m for m in inbox.json["items"] if m["event"] == "statement_issued"]
    assert message["title"] == "证明已出具"
    assert statement["number"] in message["body"] and "2.5 小时" in message["body"]
