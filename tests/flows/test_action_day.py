"""Issue 5's "done when": a whole action day through HTTP, and the ledger proving it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import HoursEntry
from tests.attendance.conftest import open_site
from tests.builders import add_reported_members, token_for
from tests.conftest import Clock
from tests.steps import own_member_id

MEMBERS = 50


def _allow_tampering(table: str) -> None:
    """What someone with database access could do: switch off the append-only triggers.

    DDL is transactional on both databases: the test's rollback puts the triggers back.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    else:
        db.session.execute(text(f"DROP TRIGGER {table}_no_update"))


def test_an_action_day_from_the_rotating_code_to_a_verified_ledger(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=0, capacity=MEMBERS + 10)
    members = [
        token_for(a) for a in add_reported_members(site.place, site.place.community, MEMBERS)
    ]
    for headers in members:
        signed = client.post(f"/api/v1/shifts/{site.shift_id}/signups", headers=headers)
        assert signed.status_code == 201 and signed.json["status"] == "confirmed"
    code_url = f"/api/v1/shifts/{site.shift_id}/checkin-code"

    # Before the start the secretary shows the code; everyone scans it.
    clock.set(site.at(-5))
    shown = client.get(code_url, headers=site.admin).json["code"]
    checked_in = [
        client.post("/api/v1/punches", json={"code": shown, "direction": "in"}, headers=h)
        for h in members
    ]
    assert [r.status_code for r in checked_in] == [201] * MEMBERS

    # 100 minutes in: a photo of the code taken at the start is refused; the live one works.
    clock.set(site.at(100))
    stale = client.post(
        "/api/v1/punches", json={"code": shown, "direction": "out"}, headers=members[0]
    )
    assert stale.status_code == 422 and stale.json["code"] == "punch.code_expired"
    live = client.get(code_url, headers=site.admin).json["code"]
    checked_out = [
        client.post("/api/v1/punches", json={"code": live, "direction": "out"}, headers=h)
        for h in members
    ]
    assert [r.status_code for r in checked_out] == [201] * MEMBERS
    assert {r.json["record"]["minutes"] for r in checked_out} == {90}

    # The secretary confirms every pending record of the shift in one go.
    pending = client.get(
        f"/api/v1/service-records?shift_id={site.shift_id}&status=pending&limit=100",
        headers=site.admin,
    ).json
    ids = [item["id"] for item in pending["items"]]
    assert len(ids) == MEMBERS
    confirmed = client.post(
        "/api/v1/service-records/confirm", json={"ids": ids}, headers=site.admin
    )
    assert confirmed.status_code == 200, confirmed.json
    assert {r["status"] for r in confirmed.json} == {"confirmed"}

    # One member stayed on to tidy up and asks for two hours; the secretary agrees.
    asker = members[0]
    record_id = checked_out[0].json["record"]["id"]
    asked = client.post(
        f"/api/v1/service-records/{record_id}/corrections",
        json={"proposed_minutes": 120, "reason": "活动结束后留下整理物资"},
        headers=asker,
    )
    assert asked.status_code == 201, asked.json
    accepted = client.post(
        f"/api/v1/corrections/{asked.json['id']}/accept", json={}, headers=site.admin
    )
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"

    hours = client.get("/api/v1/me/hours", headers=asker).json
    assert hours["confirmed_minutes"] == 120
    other = client.get("/api/v1/me/hours", headers=members[1]).json
    assert other["confirmed_minutes"] == 90

    runner = app.test_cli_runner()
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0, verified.output

    # Someone with database access doubles a member's entry: the chain names it.
    entry = db.session.scalar(
        select(HoursEntry)
        .where(HoursEntry.member_id == own_member_id(client, members[1]))
        .order_by(HoursEntry.seq)
    )
    assert entry is not None
    _allow_tampering("hours_entry")
    db.session.execute(text("UPDATE hours_entry SET amount = 180 WHERE id = :id"), {"id": entry.id})
    broken = runner.invoke(args=["ledger", "verify", "--ledger", "hours"])
    assert broken.exit_code == 1
    assert f"entry id {entry.id}: content altered" in broken.output
