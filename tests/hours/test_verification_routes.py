"""Verifying the ledgers over the API: an org_admin asks for their city (202), the job runs
it, the result names the broken chains; members, other cities' admins and unknown ids are
refused."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours.models import HoursEntry
from sunshine.jobs.runner import run_due
from sunshine.security.models import SecurityEvent
from tests.builders import make_city
from tests.hours.conftest import Scene
from tests.hours.tampering import allow_tampering, chain, rewrite_tail, sign

URL = "/api/v1/ledger/verifications"
RUN = "hours.run_ledger_verifications"


def _events(verification_id: int) -> list[tuple[str, str, str | None]]:
    """The security events of a verification, oldest first: (action, outcome, reason)."""
    rows = db.session.scalars(
        select(SecurityEvent)
        .where(
            SecurityEvent.object_type == "ledger_verification",
            SecurityEvent.object_id == str(verification_id),
        )
        .order_by(SecurityEvent.id)
    )
    return [(e.action, e.outcome, e.reason) for e in rows]


def test_an_org_admin_verifies_the_city_through_the_jobs_runner(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60, 30])
    sign()
    org_admin = scene.admin(Role.ORG_ADMIN, scene.place.city)

    asked = scene.post(URL, org_admin, city_id=scene.place.city.id)

    assert asked.status_code == 202, asked.json
    assert asked.json["status"] == "pending"
    assert asked.json["ok"] is None
    assert asked.json["city_id"] == scene.place.city.id
    url = f"{URL}/{asked.json['id']}"
    assert scene.get(url, org_admin).json["status"] == "pending"

    assert run_due(only=RUN)[RUN] == {"verified": 1}

    done = scene.get(url, org_admin)
    assert done.status_code == 200
    assert done.json["status"] == "done"
    assert done.json["ok"] is True
    assert done.json["problems"] == []
    assert done.json["digest_day"] is not None
    assert run_due(only=RUN)[RUN] == {"verified": 0}  # nothing left pending
    assert _events(asked.json["id"]) == [
        ("ledger.verify_request", "success", None),
        ("ledger.verify", "success", None),
    ]


def test_the_result_names_a_chain_rewritten_below_its_signed_head(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30])
    sign()
    rewrite_tail(scene.member_id, ids[-1], 300)
    org_admin = scene.admin(Role.ORG_ADMIN, scene.place.city)
    asked = scene.post(URL, org_admin, city_id=scene.place.city.id)
    run_due(only=RUN)

    done = scene.get(f"{URL}/{asked.json['id']}", org_admin).json

    assert done["ok"] is False
    (problem,) = done["problems"]
    assert problem["ledger"] == "hours"
    assert problem["member_id"] == scene.member_id
    assert problem["seq"] == 2
    assert problem["what"].startswith("rewritten at or below the head signed on")
    assert _events(asked.json["id"])[-1] == ("ledger.verify", "failure", "ledger.broken")


def test_a_chain_broken_by_sql_is_named_too(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60])

    allow_tampering("hours_entry")
    db.session.query(HoursEntry).filter(HoursEntry.id == ids[0]).update({"amount": 600})
    db.session.commit()
    sys_admin = scene.admin(Role.SYS_ADMIN)
    asked = scene.post(URL, sys_admin)
    assert asked.status_code == 202
    assert asked.json["city_id"] is None
    run_due(only=RUN)

    done = scene.get(f"{URL}/{asked.json['id']}", sys_admin).json

    assert done["ok"] is False
    assert done["digest_day"] is None
    assert [(p["member_id"], p["seq"]) for p in done["problems"]] == [(scene.member_id, 1)]
    assert "content altered" in done["problems"][0]["what"]


def test_another_citys_chains_are_outside_the_verification(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60])
    sign()
    rewrite_tail(scene.member_id, ids[0], 600)
    elsewhere = make_city("介休市")
    other_admin = scene.admin(Role.ORG_ADMIN, elsewhere.city)
    asked = scene.post(URL, other_admin, city_id=elsewhere.city.id)
    run_due(only=RUN)

    assert scene.get(f"{URL}/{asked.json['id']}", other_admin).json["ok"] is True


def test_refusals(app: Flask, scene: Scene) -> None:
    org_admin = scene.admin(Role.ORG_ADMIN, scene.place.city)
    elsewhere = make_city("介休市")
    other_admin = scene.admin(Role.ORG_ADMIN, elsewhere.city)
    asked = scene.post(URL, org_admin, city_id=scene.place.city.id).json
    url = f"{URL}/{asked['id']}"

    member = scene.post(URL, scene.member, city_id=scene.place.city.id)
    assert (member.status_code, member.json["code"]) == (403, "auth.forbidden")
    secretary = scene.post(URL, scene.secretary, city_id=scene.place.city.id)
    assert secretary.status_code == 403
    other = scene.post(URL, other_admin, city_id=scene.place.city.id)
    assert (other.status_code, other.json["code"]) == (403, "auth.forbidden")
    everything = scene.post(URL, org_admin)  # only a global grant covers every city
    assert everything.status_code == 403
    street = scene.post(URL, org_admin, city_id=scene.place.street.id)
    assert (street.status_code, street.json["code"]) == (422, "area.wrong_level")
    unknown_city = scene.post(URL, org_admin, city_id=999_999)
    assert (unknown_city.status_code, unknown_city.json["code"]) == (404, "area.not_found")
    bad = scene.post(URL, org_admin, city_id="x")
    assert bad.status_code == 422

    # The member may verify nothing: 403 before any lookup. Another city's admin is told the
    # verification does not exist.
    assert scene.get(url, scene.member).status_code == 403
    hidden = scene.get(url, other_admin)
    assert (hidden.status_code, hidden.json["code"]) == (404, "ledger_verification.not_found")
    unknown = scene.get(f"{URL}/999999", org_admin)
    assert (unknown.status_code, unknown.json["code"]) == (404, "ledger_verification.not_found")
    assert scene.client.post(URL, json={}).status_code == 401
