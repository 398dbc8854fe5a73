"""The public check: what it says (and nothing more), revocation when a record is voided or
changed, the same answer for a wrong code and an unknown number, the security log, and the
rate limit per address."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.statements.conftest import Scene, days_ago

VERIFY = "/api/v1/statements/verify"


def _check(scene: Scene, number: str, code: str, **environ: Any) -> Any:
    return scene.client.get(
        VERIFY, query_string={"number": number, "code": code}, environ_base=environ
    )


@pytest.fixture
def issued(scene: Scene) -> dict[str, Any]:
    scene.confirmed(days_ago(20), minutes=150)
    scene.confirmed(days_ago(10), minutes=90)
    return scene.issue(days_ago(30), days_ago(1))


def test_a_valid_statement_says_only_valid_masked_name_period_and_hours(
    scene: Scene, issued: dict[str, Any]
) -> None:
    response = _check(scene, issued["number"], issued["verification_code"])

    assert response.status_code == 200
    assert response.json == {
        "valid": True,
        "status": "valid",
        "holder": "张*明",
        "from": days_ago(30).isoformat(),
        "to": days_ago(1).isoformat(),
        "total_hours": 4.0,
    }


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: " " + code.replace("-", " ") + " ",
    ],
    ids=["lower-case", "no-dashes", "spaces"],
)
def test_the_code_may_be_typed_loosely(scene: Scene, issued: dict[str, Any], typed: Any) -> None:
    response = _check(scene, issued["number"].lower(), typed(issued["verification_code"]))
    assert response.status_code == 200 and response.json["valid"] is True


def test_no_token_is_needed_and_none_is_asked_for(scene: Scene, issued: dict[str, Any]) -> None:
    spec = scene.client.get("/api/v1/openapi.json").json
    assert "security" not in spec["paths"][VERIFY]["get"]
    assert _check(scene, issued["number"], issued["verification_code"]).status_code == 200


def test_voiding_a_record_revokes_the_statement(scene: Scene) -> None:
    kept = scene.confirmed(days_ago(20), minutes=150)
    voided = scene.confirmed(days_ago(10), minutes=90)
    statement = scene.issue(days_ago(30), days_ago(1))
    assert _check(scene, statement["number"], statement["verification_code"]).json["valid"]

    response = scene.post(f"/api/v1/service-records/{voided}/void", reason="重复记录")
    assert response.status_code == 200

    check = _check(scene, statement["number"], statement["verification_code"])
    assert check.status_code == 200
    assert check.json["valid"] is False and check.json["status"] == "revoked"
    assert check.json["holder"] == "张*明" and check.json["total_hours"] == 4.0
    mine = scene.get(f"/api/v1/me/statements/{statement['id']}").json
    assert (mine["status"], mine["revoked_reason"]) == ("revoked", "record_voided")
    assert mine["revoked_label"] == "所列服务记录已被作废"
    listed = scene.get("/api/v1/me/statements").json["items"]
    assert [(s["id"], s["status"]) for s in listed] == [(statement["id"], "revoked")]
    pdf = scene.get(f"/api/v1/me/statements/{statement['id']}/pdf")
    assert pdf.status_code == 409 and pdf.json["code"] == "statement.revoked"

    # Asking again gives a new statement without the voided record, and it holds.
    renewed = scene.issue(days_ago(30), days_ago(1))
    assert renewed["number"] != statement["number"]
    assert [i["record_id"] for i in renewed["items"]] == [kept]
    assert _check(scene, renewed["number"], renewed["verification_code"]).json["valid"] is True


def test_adjusting_a_record_revokes_the_statement(scene: Scene) -> None:
    record_id = scene.confirmed(days_ago(10), minutes=120)
    statement = scene.issue(days_ago(30), days_ago(1))

    response = scene.post(
        f"/api/v1/service-records/{record_id}/adjustments", minutes=-30, reason="提前离开"
    )
    assert response.status_code == 201

    check = _check(scene, statement["number"], statement["verification_code"])
    assert check.json["status"] == "revoked"
    mine = scene.get(f"/api/v1/me/statements/{statement['id']}").json
    assert mine["revoked_reason"] == "record_changed"


def _failures() -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.action == "statement.verify")
            .order_by(SecurityEvent.id)
        )
    )


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(
    scene: Scene, issued: dict[str, Any]
) -> None:
    code = issued["verification_code"]
    forged = ("2" if code[0] != "2" else "3") + code[1:]
    unknown_number = issued["number"][:-6] + "999999"

    wrong = _check(scene, issued["number"], forged)
    unknown = _check(scene, unknown_number, code)
    nonsense = _check(scene, "<script>", "' OR 1=1 --")

    for response in (wrong, unknown, nonsense):
        assert response.status_code == 404
        assert response.json["code"] == "statement.not_verified"
        assert response.json["message"] == "证明编号或核验码不正确"
        assert set(response.json) == {"status", "code", "message", "request_id"}
    events = _failures()
    assert [(e.outcome, e.reason) for e in events] == [("failure", "statement.not_verified")] * 3
    assert events[0].object_id == str(issued["id"]) and events[1].object_id is None
    assert all(e.ip == "127.0.0.1" and e.account_id is None for e in events)


def test_a_revoked_statement_shown_is_in_the_security_log(scene: Scene) -> None:
    record_id = scene.confirmed(days_ago(10))
    statement = scene.issue(days_ago(30), days_ago(1))
    scene.post(f"/api/v1/service-records/{record_id}/void", reason="重复记录")

    _check(scene, statement["number"], statement["verification_code"])

    (event,) = _failures()
    assert (event.reason, event.object_id) == ("statement.record_voided", str(statement["id"]))


@pytest.mark.parametrize(
    "query",
    [{}, {"number": "ZM2026-000001"}, {"code": "ABCD"}, {"number": "x" * 33, "code": "ABCD"}],
)
def test_a_malformed_check_is_422(scene: Scene, query: dict[str, str]) -> None:
    response = scene.client.get(VERIFY, query_string=query)
    assert response.status_code == 422 and response.json["code"] == "request.invalid"


def test_checks_are_rate_limited_per_address(
    scene: Scene, issued: dict[str, Any], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "STATEMENT_VERIFY_RATE_LIMIT", "3 per minute")
    number, code = issued["number"], issued["verification_code"]

    statuses = [_check(scene, number, f"GUESS{i:07d}").status_code for i in range(3)]
    limited = _check(scene, number, code)

    assert statuses == [404, 404, 404]
    assert limited.status_code == 429 and limited.json["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    elsewhere = _check(scene, number, code, REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 200 and elsewhere.json["valid"] is True
    # The three failed checks are logged; the 429 is not (a flood does not become writes).
    logged = db.session.scalars(
        select(SecurityEvent.reason).where(SecurityEvent.action == "statement.verify")
    ).all()
    assert logged == ["statement.not_verified"] * 3
    assert (
        db.session.scalar(select(SecurityEvent.id).where(SecurityEvent.reason == "rate_limited"))
        is None
    )
